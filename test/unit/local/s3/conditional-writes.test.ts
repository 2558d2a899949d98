/**
 * Conditional writes on the local S3 (s3rver behind its gate), spoken to by the real SDK: what "How to prevent object
 * overwrites with conditional writes" (Amazon S3 User Guide) says S3 does with `If-None-Match: *` and `If-Match` on
 * PutObject and CompleteMultipartUpload, including two writers racing for one key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { localS3ClientConfig } from '../../../../scripts/local/ports';
import {
  KeyLocks,
  checkPrecondition,
  objectWrite,
  preconditionOf,
  type ObjectWrite,
} from '../../../../scripts/local/s3/conditional-writes';
import { startLocalS3, type LocalS3 } from '../../../../scripts/local/s3/server';

jest.setTimeout(30_000);

const BUCKET = 'svc-local-releases-bucket';
let directory: string;
let local: LocalS3;
let s3: S3Client;

beforeAll(async () => {
  directory = mkdtempSync(path.join(tmpdir(), 's3-conditional-'));
  local = await startLocalS3({ host: '127.0.0.1', port: 0, directory });
  s3 = new S3Client(localS3ClientConfig(`http://127.0.0.1:${local.port}`));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  s3?.destroy();
  await local?.close();
  rmSync(directory, { recursive: true, force: true });
});

let keys = 0;
const newKey = () => `releases/stable/${++keys}/app.bin`;

async function read(key: string): Promise<{ body: string; etag: string }> {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { body: await object.Body!.transformToString(), etag: object.ETag! };
}

/** The S3 error a call failed with: its HTTP status and S3 `Code` (the SDK's error name). */
async function failure(call: Promise<unknown>): Promise<{ status: number | undefined; code: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof S3ServiceException) return { status: error.$metadata.httpStatusCode, code: error.name };
    throw error;
  }
  throw new Error('the call succeeded');
}

/** A body that trickles in, so a write is still in progress while another arrives. */
function slowBody(text: string, delayMs: number): Readable {
  return Readable.from(
    (async function* trickle() {
      for (const char of text) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        yield Buffer.from(char);
      }
    })(),
  );
}

describe('If-None-Match: * (create only)', () => {
  it('writes a new key, then refuses the same key with 412 PreconditionFailed and keeps the first object', async () => {
    // Prepare
    const key = newKey();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'first', IfNoneMatch: '*' }));

    // Act
    const refused = await failure(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'second', IfNoneMatch: '*' })));

    // Assess
    expect(refused).toEqual({ status: 412, code: 'PreconditionFailed' });
    expect((await read(key)).body).toBe('first');
  });

  it('refuses CompleteMultipartUpload onto an existing key (lib-storage passes the header on) and leaves the object as it was', async () => {
    // Prepare: two parts of 5 MiB, the smallest S3 allows before the last
    const key = newKey();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'already published' }));
    const upload = new Upload({
      client: s3,
      partSize: 5 * 1024 * 1024,
      params: { Bucket: BUCKET, Key: key, Body: Buffer.alloc(6 * 1024 * 1024, 1), IfNoneMatch: '*' },
    });

    // Act
    const refused = await failure(upload.done());

    // Assess
    expect(refused).toEqual({ status: 412, code: 'PreconditionFailed' });
    expect((await read(key)).body).toBe('already published');
  });

  it('completes a multipart upload onto a new key', async () => {
    // Prepare
    const key = newKey();
    const body = Buffer.alloc(6 * 1024 * 1024, 7);

    // Act
    await new Upload({ client: s3, partSize: 5 * 1024 * 1024, params: { Bucket: BUCKET, Key: key, Body: body, IfNoneMatch: '*' } }).done();

    // Assess
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it('lets exactly one of eight concurrent writers create a key; the others get 412 or 409 and the winner’s bytes stay', async () => {
    // Prepare
    const key = newKey();
    const writers = Array.from({ length: 8 }, (_, i) => `writer ${i}`);

    // Act
    const results = await Promise.allSettled(
      writers.map((body) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, IfNoneMatch: '*' }))),
    );

    // Assess
    const won = results.flatMap((result, i) => (result.status === 'fulfilled' ? [writers[i]] : []));
    const lost = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as S3ServiceException] : []));
    expect(won).toHaveLength(1);
    expect(lost.map((error) => error.name).every((name) => name === 'PreconditionFailed' || name === 'ConditionalRequestConflict')).toBe(true);
    expect((await read(key)).body).toBe(won[0]);
  });
});

describe('If-Match: <ETag> (replace only what was read)', () => {
  it('replaces the object when the ETag is current, refuses a stale one with 412', async () => {
    // Prepare
    const key = newKey();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'v1' }));
    const { etag: first } = await read(key);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'v2', IfMatch: first }));

    // Act
    const refused = await failure(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'v3', IfMatch: first })));

    // Assess
    expect(refused).toEqual({ status: 412, code: 'PreconditionFailed' });
    expect((await read(key)).body).toBe('v2');
  });

  it('answers 404 NoSuchKey when there is no object to match', async () => {
    // Act
    const refused = await failure(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: newKey(), Body: 'x', IfMatch: '"d41d8cd98f00b204e9800998ecf8427e"' })));

    // Assess
    expect(refused).toEqual({ status: 404, code: 'NoSuchKey' });
  });

  it('keeps every increment of five concurrent read-modify-write loops (retrying on 412 and 409)', async () => {
    // Prepare
    const key = newKey();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: '0' }));
    const increment = async (): Promise<void> => {
      for (;;) {
        const { body, etag } = await read(key);
        try {
          await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: String(Number(body) + 1), IfMatch: etag }));
          return;
        } catch (error) {
          if (!(error instanceof S3ServiceException) || ![412, 409].includes(error.$metadata.httpStatusCode ?? 0)) throw error;
        }
      }
    };

    // Act
    await Promise.all(Array.from({ length: 5 }, increment));

    // Assess
    expect((await read(key)).body).toBe('5');
  });
});

describe('writes in progress', () => {
  it('answers a conditional write with 409 ConditionalRequestConflict while another write to the key is in progress', async () => {
    // Prepare: an unconditional write that takes a while
    const key = newKey();
    const slow = s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: slowBody('slow write', 40), ContentLength: 10 }));
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Act
    const refused = await failure(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'racer', IfNoneMatch: '*' })));
    await slow;

    // Assess
    expect(refused).toEqual({ status: 409, code: 'ConditionalRequestConflict' });
    expect((await read(key)).body).toBe('slow write');
  });

  it('makes an unconditional write wait for a conditional one in progress, so it lands after it', async () => {
    // Prepare
    const key = newKey();
    const conditional = s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: slowBody('created', 40), ContentLength: 7, IfNoneMatch: '*' }));
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Act
    await Promise.all([conditional, s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'overwritten' }))]);

    // Assess
    expect((await read(key)).body).toBe('overwritten');
  });
});

describe('what the gate treats as a write, and conditions it does not decide', () => {
  it.each([
    ['PUT', '/b/releases/a.bin?x-id=PutObject', { bucket: 'b', key: 'releases/a.bin', operation: 'PutObject' }],
    ['PUT', '/b/a%20b.bin', { bucket: 'b', key: 'a b.bin', operation: 'PutObject' }],
    ['POST', '/b/a.bin?uploadId=u1&x-id=CompleteMultipartUpload', { bucket: 'b', key: 'a.bin', operation: 'CompleteMultipartUpload' }],
    ['DELETE', '/b/a.bin?x-id=DeleteObject', { bucket: 'b', key: 'a.bin', operation: 'DeleteObject' }],
    ['PUT', '/b/a.bin?partNumber=1&uploadId=u1&x-id=UploadPart', undefined],
    ['PUT', '/b/a.bin?tagging', undefined],
    ['DELETE', '/b/a.bin?uploadId=u1', undefined],
    ['POST', '/b/a.bin?uploads', undefined],
    ['GET', '/b/a.bin', undefined],
    ['PUT', '/b', undefined],
  ])('%s %s', (method, url, expected) => {
    expect(objectWrite(method, url)).toEqual(expected);
  });

  const put: ObjectWrite = { bucket: 'b', key: 'k', operation: 'PutObject' };

  it.each([
    [{ 'if-none-match': '"abc"' }, 'If-None-Match'],
    [{ 'if-match': '"a", "b"' }, 'If-Match'],
    [{ 'if-match': '"a"', 'if-none-match': '*' }, 'If-Match'],
  ])('refuses %j with 501 NotImplemented rather than ignoring it', (headers, header) => {
    expect(preconditionOf(put, headers)).toEqual(expect.objectContaining({ status: 501, code: 'NotImplemented', details: { Header: header } }));
  });

  it('refuses a condition on a delete (not decided here) and lets an unconditional one through', () => {
    expect(preconditionOf({ ...put, operation: 'DeleteObject' }, { 'if-match': '"a"' })).toEqual(expect.objectContaining({ status: 501 }));
    expect(preconditionOf({ ...put, operation: 'DeleteObject' }, {})).toBeUndefined();
  });

  it('compares ETags without their quotes, as S3 does', () => {
    expect(checkPrecondition({ ifMatch: 'abc' }, '"abc"', 'k')).toBeUndefined();
    expect(checkPrecondition({ ifMatch: '"abd"' }, '"abc"', 'k')).toEqual(expect.objectContaining({ status: 412 }));
  });
});

describe('KeyLocks', () => {
  it('hands a key to waiters in arrival order and frees it after the last', async () => {
    // Prepare
    const locks = new KeyLocks();
    const order: string[] = [];
    const first = locks.tryAcquire('k')!;

    // Act
    const waiting = ['a', 'b'].map((name) => locks.acquire('k').then((release) => {
      order.push(name);
      release();
    }));
    expect(locks.tryAcquire('k')).toBeUndefined();
    first();
    first(); // a second call is a no-op, not a second hand-over
    await Promise.all(waiting);

    // Assess
    expect(order).toEqual(['a', 'b']);
    expect(locks.size).toBe(0);
  });
});
