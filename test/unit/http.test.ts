import { errorResponse, HttpError, badRequest, json, parseJsonBody, payloadTooLarge } from '../../functions/lib/http';
import { logger } from '../../functions/lib/logger';

describe('errorResponse', () => {
  let logError: jest.SpyInstance;
  beforeEach(() => {
    logError = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('keeps the status and code of a known error in the stable JSON shape', () => {
    // Act
    const response = errorResponse(badRequest('email is not valid', 'invalid_email'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8' });
    expect(JSON.parse(response.body!)).toEqual({ error: { code: 'invalid_email', message: 'email is not valid' } });
  });

  it('answers anything else with a fixed 500 and logs the details instead of returning them', () => {
    // Prepare
    const secret = new Error('connect ECONNREFUSED 10.0.0.7:5432 password=hunter2');

    // Act
    const response = errorResponse(secret);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!)).toEqual({ error: { code: 'internal_error', message: 'Internal server error' } });
    expect(response.body).not.toContain('hunter2');
    expect(logError).toHaveBeenCalledWith('unhandled error', { error: secret });
  });

  it('passes extra headers of a known error through (e.g. Retry-After)', () => {
    // Act
    const response = errorResponse(new HttpError(429, 'too_many_requests', 'slow down', { 'retry-after': '5' }));

    // Assess
    expect(response.statusCode).toBe(429);
    expect(response.headers).toMatchObject({ 'retry-after': '5' });
  });
});

describe('json', () => {
  it('serialises the body and marks it uncacheable', () => {
    // Act
    const response = json(201, { id: 'a' });

    // Assess
    expect(response).toMatchObject({ statusCode: 201, body: '{"id":"a"}' });
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
  });
});

describe('parseJsonBody', () => {
  it('parses plain and base64-encoded JSON', () => {
    expect(parseJsonBody('{"a":1}', false)).toEqual({ a: 1 });
    expect(parseJsonBody(Buffer.from('{"a":2}').toString('base64'), true)).toEqual({ a: 2 });
  });

  it.each([
    [undefined, 'body_required'],
    ['', 'body_required'],
    ['{not json', 'invalid_json'],
  ])('refuses %p with a 400 %s', (body, code) => {
    expect(() => parseJsonBody(body, false)).toThrow(expect.objectContaining({ statusCode: 400, code }) as Error);
  });

  it('refuses a body over the limit with 413 before parsing it', () => {
    // Prepare
    const body = JSON.stringify({ text: 'x'.repeat(2048) });

    // Act / Assess
    expect(() => parseJsonBody(body, false, 1024)).toThrow(payloadTooLarge('Request body exceeds 1024 bytes'));
  });
});
