import { Readable } from 'node:stream';
import { NoSuchKey, NotFound, type S3Client } from '@aws-sdk/client-s3';
import { S3UploadSource } from '../../../../functions/thumbnails/adapters';
import { RejectedInput } from '../../../../functions/thumbnails/thumbnails';

/** An S3 client whose GetObject announces `contentLength` and streams `chunks`, as the SDK does in Node. */
const s3Answering = (contentLength: number, chunks: Buffer[]) =>
  ({ send: async () => ({ ContentLength: contentLength, Body: Readable.from(chunks) }) }) as unknown as S3Client;

describe('S3UploadSource.read', () => {
  it('returns the object exactly, however the body is split into chunks', async () => {
    const bytes = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));
    const chunks = [bytes.subarray(0, 1), bytes.subarray(1, 65_537), bytes.subarray(65_537)];

    const read = await new S3UploadSource(s3Answering(bytes.length, chunks), 'uploads').read('uploads/a/b.jpg');

    expect(Buffer.from(read).equals(bytes)).toBe(true);
  });

  it('fails (a transient error, so Lambda retries) when the body ends early', async () => {
    const source = new S3UploadSource(s3Answering(10, [Buffer.alloc(6)]), 'uploads');
    await expect(source.read('uploads/a/b.jpg')).rejects.toThrow('ended after 6 of 10 bytes');
  });

  it('fails when the body is longer than announced, instead of writing past the buffer', async () => {
    const source = new S3UploadSource(s3Answering(4, [Buffer.alloc(3), Buffer.alloc(3)]), 'uploads');
    await expect(source.read('uploads/a/b.jpg')).rejects.toThrow('sent more than its 4 bytes');
  });
});

describe('S3UploadSource and a key that is gone', () => {
  const failingWith = (error: Error) =>
    ({
      send: async () => {
        throw error;
      },
    }) as unknown as S3Client;
  const metadata = { $metadata: { httpStatusCode: 404 }, message: 'UnknownError' };

  it('size: HeadObject\'s 404 (NotFound, no body) is no such object', async () => {
    const source = new S3UploadSource(failingWith(new NotFound(metadata)), 'uploads');
    await expect(source.size('uploads/a/b.jpg')).resolves.toBeUndefined();
  });

  it('read: GetObject\'s NoSuchKey is a permanent rejection, reason missing', async () => {
    const source = new S3UploadSource(failingWith(new NoSuchKey(metadata)), 'uploads');
    const error: unknown = await source.read('uploads/a/b.jpg').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedInput);
    expect(error).toMatchObject({ reason: 'missing' });
  });

  it('any other failure stays transient (thrown, so Lambda retries)', async () => {
    const source = new S3UploadSource(failingWith(new Error('SlowDown')), 'uploads');
    await expect(source.size('uploads/a/b.jpg')).rejects.toThrow('SlowDown');
    await expect(source.read('uploads/a/b.jpg')).rejects.toThrow('SlowDown');
  });
});
