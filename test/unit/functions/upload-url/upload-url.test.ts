import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbPhotoStore, type UploadLedger } from '../../../../functions/lib/photo-records';
import { errorResponse } from '../../../../functions/lib/http';
import { S3PostPresigner } from '../../../../functions/upload-url/presigner';
import { quotaWindow } from '../../../../functions/upload-url/quota';
import { createUploadUrl, parseUploadRequest, type Presigner } from '../../../../functions/upload-url/upload-url';
import { refusal, rejection as httpError } from '../../../support/errors';
import { FakePhotosTable } from '../../../support/photos-table';

const OWNER = '0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11';
const options = { maxBytes: 20 * 1024 * 1024, expiresSeconds: 300, uploadsPerDay: 50 };
const ledger: UploadLedger = { countUpload: async () => true, addPending: async () => undefined };
const deps = (presigner: Presigner) => ({
  presigner,
  ledger,
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
      id: '11111111-2222-4333-8444-555555555555',
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

describe('the daily upload quota', () => {
  const DAY = '2026-01-01';
  const presigned: string[] = [];
  let table: FakePhotosTable;
  const presigner: Presigner = {
    presignPost: async (input) => {
      // Signed only once the photo is recorded: an upload never arrives for a photo the table does not know.
      const [, owner = '', name = ''] = input.key.split('/');
      expect(table.item(owner, name.split('.')[0] ?? '')).toMatchObject({ status: 'pending' });
      presigned.push(input.key);
      return { url: 'https://uploads.example', fields: { key: input.key } };
    },
  };
  let ids = 0;
  const quotaDeps = (now: string) => ({
    presigner,
    ledger: new DynamoDbPhotoStore(table.client(), 'photos'),
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    now: () => new Date(now),
  });
  const counter = (day = DAY) => table.item(OWNER, `quota#${day}`);
  const pending = () => [...table.items.values()].filter((item) => item.status === 'pending');
  beforeEach(() => {
    table = new FakePhotosTable();
    presigned.length = 0;
  });

  it('counts the upload on the day\'s counter, records the photo pending, then signs', async () => {
    // Act
    const result = await createUploadUrl(OWNER, { contentType: 'image/png', size: 10 }, options, quotaDeps('2026-01-01T10:00:00Z'));

    // Assess
    expect(table.commands).toEqual(['UpdateCommand', 'PutCommand']);
    // The counter expires (TTL) two days after its day began.
    expect(counter()).toEqual({ owner: OWNER, photoId: `quota#${DAY}`, uploads: 1, expiresAt: Date.UTC(2026, 0, 3) / 1000 });
    // The pending photo expires a day after its presigned POST does.
    expect(table.item(OWNER, result.id)).toEqual({
      owner: OWNER,
      photoId: result.id,
      status: 'pending',
      createdAt: '2026-01-01T10:00:00.000Z',
      updatedAt: '2026-01-01T10:00:00.000Z',
      uploadKey: result.key,
      contentType: 'image/png',
      expiresAt: Date.UTC(2026, 0, 1, 10, 5) / 1000 + 86_400,
    });
    expect(presigned).toEqual([result.key]);
  });

  it('refuses the upload past the limit with 429 upload_quota_exceeded and Retry-After until 00:00 UTC; signs nothing', async () => {
    // Prepare
    table.put({ owner: OWNER, photoId: `quota#${DAY}`, uploads: 50, expiresAt: 0 });

    // Act
    const refused = await createUploadUrl(OWNER, { contentType: 'image/png', size: 10 }, options, quotaDeps('2026-01-01T22:30:00.250Z')).catch(
      (error: unknown) => error,
    );
    const answer = errorResponse(refused);

    // Assess: 1 h 29 min 59.75 s to midnight, rounded up
    expect(answer.statusCode).toBe(429);
    expect(answer.headers).toMatchObject({ 'retry-after': '5400', 'content-type': 'application/json; charset=utf-8' });
    expect(JSON.parse(answer.body ?? '')).toEqual({
      error: { code: 'upload_quota_exceeded', message: 'You can upload 50 photos a day; more from 00:00 UTC' },
    });
    expect(counter()?.uploads).toBe(50);
    expect(pending()).toEqual([]);
    expect(presigned).toEqual([]);
  });

  it('starts again at 00:00 UTC with a counter of the new day', async () => {
    // Prepare
    table.put({ owner: OWNER, photoId: `quota#${DAY}`, uploads: 50, expiresAt: 0 });

    // Act
    await createUploadUrl(OWNER, { contentType: 'image/png', size: 10 }, options, quotaDeps('2026-01-02T00:00:00.000Z'));

    // Assess
    expect(counter('2026-01-02')?.uploads).toBe(1);
    expect(pending()).toHaveLength(1);
  });

  it('counts nothing for a request refused for its type or size', async () => {
    // Act
    const svg = await httpError(createUploadUrl(OWNER, { contentType: 'image/svg+xml', size: 10 }, options, quotaDeps('2026-01-01T10:00:00Z')));
    const huge = await httpError(
      createUploadUrl(OWNER, { contentType: 'image/png', size: options.maxBytes + 1 }, options, quotaDeps('2026-01-01T10:00:00Z')),
    );

    // Assess
    expect([svg.statusCode, huge.statusCode]).toEqual([415, 413]);
    expect(table.items.size).toBe(0);
  });

  it('lets exactly one of 10 concurrent requests through at limit - 1; the other nine are 429', async () => {
    // Prepare
    table.put({ owner: OWNER, photoId: `quota#${DAY}`, uploads: 49, expiresAt: 0 });

    // Act: all ten are in flight before the first write is applied
    const settled = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        createUploadUrl(OWNER, { contentType: 'image/jpeg', size: 10 }, options, quotaDeps('2026-01-01T12:00:00Z')),
      ),
    );

    // Assess
    expect(settled.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const refusals = settled.flatMap((result) => (result.status === 'rejected' ? [errorResponse(result.reason)] : []));
    expect(refusals.map((answer) => [answer.statusCode, answer.headers?.['retry-after']])).toEqual(Array(9).fill([429, '43200']));
    expect(counter()?.uploads).toBe(50);
    expect(pending()).toHaveLength(1);
    expect(presigned).toHaveLength(1);
  });

  it('gives another user a counter of their own', async () => {
    // Prepare
    table.put({ owner: OWNER, photoId: `quota#${DAY}`, uploads: 50, expiresAt: 0 });

    // Act
    const other = await createUploadUrl('7d3f0a2b-1c4e-4f5a-8b6c-9d0e1f2a3b4c', { contentType: 'image/png', size: 10 }, options, quotaDeps('2026-01-01T10:00:00Z'));

    // Assess
    expect(other.key.startsWith('uploads/7d3f0a2b-1c4e-4f5a-8b6c-9d0e1f2a3b4c/')).toBe(true);
    expect(table.item('7d3f0a2b-1c4e-4f5a-8b6c-9d0e1f2a3b4c', `quota#${DAY}`)?.uploads).toBe(1);
  });
});

describe('quotaWindow', () => {
  it.each([
    ['2026-03-01T00:00:00.000Z', '2026-03-01', 86_400],
    ['2026-03-01T23:59:59.001Z', '2026-03-01', 1],
    ['2026-03-01T23:59:59.999Z', '2026-03-01', 1],
    ['2028-02-29T12:00:00.000Z', '2028-02-29', 43_200],
  ])('at %s counts on %s and renews in %i s', (now, day, seconds) => {
    const window = quotaWindow(new Date(now), 7);
    expect(window).toEqual({ counter: { day, limit: 7, expiresAt: Date.parse(`${day}T00:00:00Z`) / 1000 + 2 * 86_400 }, retryAfterSeconds: seconds });
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
