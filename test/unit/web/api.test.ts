/**
 * What a visitor reads when the API answers with one of API Gateway's own errors (the bodies are API Gateway's, as
 * the local API front sends them too) or with a 2xx that says nothing: a sentence, never "subscribed".
 */
import { Api, retryAfterSeconds } from '../../../web/src/api';
import { accessToken } from '../../../web/src/auth';
import { ApiError, describeApiError } from '../../../web/src/messages';
import type { SiteConfig } from '../../../web/src/config';

jest.mock('../../../web/src/auth', () => ({ accessToken: jest.fn(async () => undefined) }));

const api = new Api({ apiUrl: 'https://api.example' } as SiteConfig);
const realFetch = global.fetch;
afterEach(() => {
  global.fetch = realFetch;
});

function answer(status: number, body: string, contentType = 'application/json') {
  global.fetch = jest.fn(async () => new Response(body, { status, headers: { 'content-type': contentType } }));
}

async function sentenceFor(): Promise<string> {
  const error = await api.subscribe('reader@example.com').then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiError);
  return describeApiError(error as ApiError, 'subscribe');
}

describe('the subscribe form\'s message for API Gateway\'s own answers', () => {
  it.each([
    [429, '{"message":"Too Many Requests"}', 'Too many requests right now. Please try again in a moment.'],
    [500, '{"message":"Internal Server Error"}', 'Something went wrong on our side. Please try again in a moment.'],
    [503, '{"message":"Service Unavailable"}', 'Something went wrong on our side. Please try again in a moment.'],
    [502, '<html>Bad Gateway</html>', 'Something went wrong on our side. Please try again in a moment.'],
  ])('%i %s reads as a sentence', async (status, body, expected) => {
    answer(status, body);
    await expect(sentenceFor()).resolves.toBe(expected);
  });

  it.each([
    ['a 200 with serverless-offline\'s error object', 200, '{"errorMessage":"[504] - Lambda timeout.","errorType":"LambdaTimeoutError","stackTrace":[]}'],
    ['a 200 that is not JSON', 200, 'OK'],
    ['a 204 without a body', 204, ''],
  ])('%s is not a subscription: the server had a problem', async (_name, status, body) => {
    answer(status, status === 204 ? null! : body);
    await expect(sentenceFor()).resolves.toBe('Something went wrong on our side. Please try again in a moment.');
  });

  it('resolves for the API\'s 202 {"status":"accepted"} (the control)', async () => {
    answer(202, '{"status":"accepted"}');
    await expect(api.subscribe('reader@example.com')).resolves.toEqual({ status: 'accepted' });
  });
});

describe('Api.report: GET /reports/{name} for the dashboard', () => {
  const token = accessToken as jest.MockedFunction<typeof accessToken>;

  it('sends the access token, no body and no Content-Type, and reads the rows and Last-Modified', async () => {
    // Prepare
    token.mockResolvedValueOnce('header.payload.signature');
    const fetchMock = jest.fn(async () =>
      new Response('[{"dt":"2026-12-02","visitors":3}]', {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'last-modified': 'Wed, 02 Dec 2026 06:04:00 GMT' },
      }),
    );
    global.fetch = fetchMock;

    // Act
    const report = await api.report('unique-visitors');

    // Assess
    expect(report).toEqual({ rows: [{ dt: '2026-12-02', visitors: 3 }], builtAt: new Date('2026-12-02T06:04:00Z') });
    expect(fetchMock).toHaveBeenCalledWith('https://api.example/reports/unique-visitors', {
      method: 'GET',
      headers: { authorization: 'Bearer header.payload.signature' },
      body: undefined,
    });
  });

  it('no Last-Modified (or an unreadable one): no built time, never a wrong one', async () => {
    answer(200, '[]');
    await expect(api.report('uploads')).resolves.toEqual({ rows: [] });
    global.fetch = jest.fn(async () => new Response('[]', { status: 200, headers: { 'last-modified': 'yesterday' } }));
    await expect(api.report('uploads')).resolves.toEqual({ rows: [] });
  });

  it.each([
    [404, '{"error":{"code":"report_not_built","message":"The report has not been built yet"}}', 'report_not_built'],
    [403, '{"error":{"code":"not_admin","message":"Only members of admins may read reports"}}', 'not_admin'],
    [401, '{"message":"Unauthorized"}', 'http_401'],
  ])('%i is an ApiError with the stable code %s', async (status, body, code) => {
    answer(status, body);
    await expect(api.report('top-referrers')).rejects.toMatchObject({ status, code });
  });
});

describe('the photos calls: GET /photos, GET /photos/{id}, DELETE /photos/{id}', () => {
  const token = accessToken as jest.MockedFunction<typeof accessToken>;
  const photo = { id: 'a1b2c3d4-0000-4000-8000-000000000001', status: 'pending', createdAt: '2026-12-02T06:04:00.000Z', contentType: 'image/jpeg' };

  it('GET /photos sends the token, the page size and the cursor, and reads the page', async () => {
    // Prepare
    token.mockResolvedValueOnce('header.payload.signature');
    const fetchMock = jest.fn(async () => new Response(JSON.stringify({ photos: [photo], nextCursor: 'abc_-' }), { status: 200 }));
    global.fetch = fetchMock;

    // Act
    const page = await api.photos({ limit: 20, cursor: 'eyJ+/=' });

    // Assess
    expect(page).toEqual({ photos: [photo], nextCursor: 'abc_-' });
    expect(fetchMock).toHaveBeenCalledWith('https://api.example/photos?limit=20&cursor=eyJ%2B%2F%3D', {
      method: 'GET',
      headers: { authorization: 'Bearer header.payload.signature' },
      body: undefined,
    });
  });

  it('GET /photos without options asks for the first page at the API\'s default size', async () => {
    const fetchMock = jest.fn(async () => new Response('{"photos":[]}', { status: 200 }));
    global.fetch = fetchMock;
    await expect(api.photos()).resolves.toEqual({ photos: [] });
    expect(fetchMock).toHaveBeenCalledWith('https://api.example/photos', expect.anything());
  });

  it('a 200 that is not the contract\'s shape is a server problem (502), not an empty gallery', async () => {
    answer(200, '{"items":[]}');
    await expect(api.photos()).rejects.toMatchObject({ status: 502, code: 'unreadable_response' });
  });

  it('GET /photos/{id} escapes the id and reads the photo; 404 is not_found', async () => {
    const fetchMock = jest.fn(async () => new Response(JSON.stringify(photo), { status: 200 }));
    global.fetch = fetchMock;
    await expect(api.photo('a/b')).resolves.toEqual(photo);
    expect(fetchMock).toHaveBeenCalledWith('https://api.example/photos/a%2Fb', expect.objectContaining({ method: 'GET' }));

    answer(404, '{"error":{"code":"not_found","message":"No such photo"}}');
    await expect(api.photo(photo.id)).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  it('DELETE /photos/{id} resolves on 204 without a body, and is an ApiError otherwise', async () => {
    const fetchMock = jest.fn(async () => new Response(null, { status: 204 }));
    global.fetch = fetchMock;
    await expect(api.deletePhoto(photo.id)).resolves.toBeUndefined();
    expect(fetchMock).toHaveBeenCalledWith(`https://api.example/photos/${photo.id}`, expect.objectContaining({ method: 'DELETE', body: undefined }));

    answer(500, '{"error":{"code":"internal_error","message":"Internal error"}}');
    await expect(api.deletePhoto(photo.id)).rejects.toMatchObject({ status: 500, code: 'internal_error' });
  });

  it('POST /uploads 429 upload_quota_exceeded carries Retry-After, in seconds, into the sentence', async () => {
    // Prepare
    global.fetch = jest.fn(async () =>
      new Response('{"error":{"code":"upload_quota_exceeded","message":"50 uploads a day"}}', {
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '18000' },
      }),
    );

    // Act
    const error = await api.uploadUrl({ type: 'image/jpeg', size: 10 }).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ status: 429, code: 'upload_quota_exceeded', retryAfterSeconds: 18_000 });
    expect(describeApiError(error as ApiError, 'upload')).toBe("You've reached today's upload limit. You can upload more photos in about 5 hours.");
  });
});

describe('retryAfterSeconds', () => {
  const now = Date.parse('2026-12-02T20:00:00Z');

  it.each([
    ['120', 120],
    [' 0 ', 0],
    ['Thu, 03 Dec 2026 00:00:00 GMT', 4 * 3600],
    ['Wed, 02 Dec 2026 19:00:00 GMT', 0],
  ])('%p is %i s', (value, seconds) => {
    expect(retryAfterSeconds(value, now)).toBe(seconds);
  });

  it.each([null, '', 'soon', '-5', '1.5'])('%p is none', (value) => {
    expect(retryAfterSeconds(value, now)).toBeUndefined();
  });
});
