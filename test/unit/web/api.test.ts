/**
 * What a visitor reads when the API answers with one of API Gateway's own errors (the bodies are API Gateway's, as
 * the local API front sends them too) or with a 2xx that says nothing: a sentence, never "subscribed".
 */
import { Api } from '../../../web/src/api';
import { ApiError, describeApiError } from '../../../web/src/messages';
import type { SiteConfig } from '../../../web/src/config';

jest.mock('../../../web/src/auth', () => ({ accessToken: async () => undefined }));

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
