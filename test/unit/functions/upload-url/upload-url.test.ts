import { S3Client } from '@aws-sdk/client-s3';
import { S3PostPresigner } from '../../../../functions/upload-url/presigner';
import { createUploadUrl, parseUploadRequest, type Presigner } from '../../../../functions/upload-url/upload-url';
import { refusal, rejection as httpError } from '../../../support/errors';

const OWNER = '0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11';
const options = { maxBytes: 20 * 1024 * 1024, expiresSeconds: 300 };
const deps = (presigner: Presigner) => ({
  presigner,
  newId: () => '11111111-2222-4333-8444-555555555555',
  now: () => new Date('2026-01-01T00:00:00Z'),
});

describe('createUploadUrl', () => {
  const recorded: Parameters<Presigner['presignPost']>[0][] = [];
  const presigner: Presigner = {
    presignPost: async (input) => {
      recorded.push(input);
      return { url: 'https://uploads.example', fields: { key: input.key } };
    },
  };
  beforeEach(() => (recorded.length = 0));

  it('chooses the key itself and limits the upload to the declared size and type', async () => {
    // Act
    const result = await createUploadUrl(OWNER, { contentType: 'image/jpeg', size: 123_456 }, options, deps(presigner));

    // Assess
    expect(result).toEqual({
      key: `uploads/${OWNER}/11111111-2222-4333-8444-555555555555.jpg`,
      upload: { url: 'https://uploads.example', fields: { key: result.key } },
      expiresAt: '2026-01-01T00:05:00.000Z',
      maxBytes: 123_456,
    });
    expect(recorded).toEqual([{ key: result.key, contentType: 'image/jpeg', maxBytes: 123_456, expiresSeconds: 300 }]);
  });

  it.each([
    ['image/png', 'png'],
    ['image/webp', 'webp'],
    ['image/gif', 'gif'],
    ['image/avif', 'avif'],
    ['image/heic', 'heic'],
    ['image/heif', 'heif'],
  ])('accepts %s as .%s', async (contentType, extension) => {
    const result = await createUploadUrl(OWNER, { contentType, size: 10 }, options, deps(presigner));
    expect(result.key.endsWith(`.${extension}`)).toBe(true);
  });

  it.each(['image/svg+xml', 'image/heic-sequence', 'text/plain', 'application/pdf'])('refuses %s with 415', async (contentType) => {
    const error = await httpError(createUploadUrl(OWNER, { contentType, size: 10 }, options, deps(presigner)));
    expect([error.statusCode, error.code]).toEqual([415, 'unsupported_media_type']);
    expect(recorded).toEqual([]);
  });

  it('refuses a file over the limit with 413', async () => {
    const error = await httpError(
      createUploadUrl(OWNER, { contentType: 'image/png', size: options.maxBytes + 1 }, options, deps(presigner)),
    );
    expect([error.statusCode, error.code]).toEqual([413, 'payload_too_large']);
  });
});

describe('parseUploadRequest', () => {
  it.each([
    ['an array', []],
    ['no contentType', { size: 1 }],
    ['a zero size', { contentType: 'image/png', size: 0 }],
    ['a fractional size', { contentType: 'image/png', size: 1.5 }],
    ['a size as text', { contentType: 'image/png', size: '100' }],
  ])('refuses %s with 400 invalid_request', (_name, body) => {
    const error = refusal(() => parseUploadRequest(body));
    expect(error).toMatchObject({ statusCode: 400, code: 'invalid_request' });
  });

  it('normalises the content type', () => {
    expect(parseUploadRequest({ contentType: ' Image/JPEG ', size: 5 })).toEqual({ contentType: 'image/jpeg', size: 5 });
  });
});

describe('S3PostPresigner', () => {
  it('signs a POST policy that S3 enforces: exact key, content type, and 1..size bytes', async () => {
    // Prepare (signing is local: no request is sent)
    const s3 = new S3Client({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    const presigner = new S3PostPresigner(s3, 'my-uploads');

    // Act
    const { url, fields } = await presigner.presignPost({
      key: `uploads/${OWNER}/x.png`,
      contentType: 'image/png',
      maxBytes: 5000,
      expiresSeconds: 300,
    });

    // Assess
    expect(url).toBe('https://my-uploads.s3.eu-west-1.amazonaws.com/');
    expect(fields).toMatchObject({ key: `uploads/${OWNER}/x.png`, 'Content-Type': 'image/png', 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' });
    const policy = JSON.parse(Buffer.from(fields.Policy ?? '', 'base64').toString('utf8')) as { conditions: unknown[] };
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['content-length-range', 1, 5000],
        ['eq', '$Content-Type', 'image/png'],
        { bucket: 'my-uploads' },
        { key: `uploads/${OWNER}/x.png` },
      ]),
    );
  });
});
