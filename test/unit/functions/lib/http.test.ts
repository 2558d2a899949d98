import {
  ForbiddenError, NotFoundError, TooLargeError, UnauthorizedError, UnsupportedTypeError, ValidationError, type DomainError,
} from '../../../../functions/lib/errors';
import { errorResponse, HttpError, json, parseJsonObject, type JsonRequest } from '../../../../functions/lib/http';
import { logger } from '../../../../functions/lib/logger';

describe('errorResponse', () => {
  let logError: jest.SpyInstance;
  beforeEach(() => {
    logError = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('keeps the status and code of a known error in the stable JSON shape', () => {
    // Act
    const response = errorResponse(new ValidationError('invalid_email', 'email is not valid'));

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

  it.each<[DomainError, number]>([
    [new ValidationError('invalid_plan', 'plan must be one of free, premium'), 400],
    [new UnauthorizedError('unauthorized', 'The token has no subject'), 401],
    [new ForbiddenError('not_premium', 'Premium content needs an active premium plan'), 403],
    [new NotFoundError('user_not_found', 'No such user'), 404],
    [new TooLargeError('payload_too_large', 'size exceeds the limit of 20 bytes'), 413],
    [new UnsupportedTypeError('unsupported_media_type', 'contentType must be one of image/png'), 415],
  ])('maps a domain error %p to %i with its own code and message, as a refusal, not a failure', (error, status) => {
    // Prepare
    const logInfo = jest.spyOn(logger, 'info').mockImplementation(() => undefined);

    // Act
    const response = errorResponse(error);

    // Assess
    expect(response.statusCode).toBe(status);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    expect(JSON.parse(response.body!)).toEqual({ error: { code: error.code, message: error.message } });
    expect(logInfo).toHaveBeenCalledWith('request refused', { statusCode: status, code: error.code });
    expect(logError).not.toHaveBeenCalled();
  });

  it.each([
    ['an error of the platform', Object.assign(new Error('ConditionalCheckFailed on users-table'), { name: 'ConditionalCheckFailedException' })],
    ['a thrown string', 'users-table is gone'],
    ['an error that only looks like a domain error', Object.assign(new Error('users-table'), { name: 'NotFoundError', code: 'user_not_found' })],
  ])('answers %s with the fixed 500, never its text', (_, thrown) => {
    // Act
    const response = errorResponse(thrown);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!)).toEqual({ error: { code: 'internal_error', message: 'Internal server error' } });
    expect(response.body).not.toContain('users-table');
    expect(logError).toHaveBeenCalledWith('unhandled error', { error: thrown });
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

describe('parseJsonObject', () => {
  const JSON_TYPE = { 'content-type': 'application/json' };
  const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
  const refusal = (request: JsonRequest, maxBytes?: number): { status: number; code: string } => {
    try {
      parseJsonObject(request, maxBytes);
    } catch (error) {
      if (error instanceof HttpError) return { status: error.statusCode, code: error.code };
      throw error;
    }
    throw new Error('the request was accepted');
  };

  it.each([
    ['application/json', { 'content-type': 'application/json' }],
    ['a charset parameter', { 'content-type': 'application/json; charset=utf-8' }],
    ['any case and a quoted charset', { 'content-type': 'Application/JSON ; Charset="UTF-8"' }],
    ['no content-type header (read as JSON)', {}],
    ['no headers at all', null],
  ])('reads a JSON object sent with %s', (_, headers) => {
    expect(parseJsonObject({ headers, body: '{"a":1}', isBase64Encoded: false })).toEqual({ a: 1 });
  });

  it('decodes a base64-encoded body (API Gateway encodes bodies it treats as binary)', () => {
    expect(parseJsonObject({ headers: JSON_TYPE, body: b64('{"a":"é"}'), isBase64Encoded: true })).toEqual({ a: 'é' });
  });

  it.each<[string, JsonRequest, string]>([
    ['no body key (API Gateway)', { headers: JSON_TYPE }, 'body_required'],
    ['a null body (serverless-offline)', { headers: JSON_TYPE, body: null }, 'body_required'],
    ['an empty body', { headers: JSON_TYPE, body: '' }, 'body_required'],
    ['an empty body without content-type', { headers: {}, body: null }, 'body_required'],
    ['malformed JSON', { headers: JSON_TYPE, body: '{not json' }, 'invalid_json'],
    ['blanks only', { headers: JSON_TYPE, body: '  ' }, 'invalid_json'],
    ['JSON null', { headers: JSON_TYPE, body: 'null' }, 'body_not_object'],
    ['a number', { headers: JSON_TYPE, body: '42' }, 'body_not_object'],
    ['a string', { headers: JSON_TYPE, body: '"x"' }, 'body_not_object'],
    ['an array', { headers: JSON_TYPE, body: '[{"a":1}]' }, 'body_not_object'],
    ['true', { headers: JSON_TYPE, body: 'true' }, 'body_not_object'],
    ['text/plain', { headers: { 'content-type': 'text/plain' }, body: '{"a":1}' }, 'unsupported_content_type'],
    ['a form', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' }, 'unsupported_content_type'],
    [
      'multipart/form-data',
      { headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: b64('--x\r\n\r\n{}\r\n--x--'), isBase64Encoded: true },
      'unsupported_content_type',
    ],
    ['JSON in another charset', { headers: { 'content-type': 'application/json; charset=iso-8859-1' }, body: '{}' }, 'unsupported_content_type'],
    ['a JSON lookalike type', { headers: { 'content-type': 'application/jsonp' }, body: '{}' }, 'unsupported_content_type'],
    // Payload format 2.0 joins a repeated header with commas: two content types are no content type.
    ['two content types', { headers: { 'content-type': 'application/json,text/plain' }, body: '{}' }, 'unsupported_content_type'],
    ['an empty content-type', { headers: { 'content-type': '' }, body: '{}' }, 'unsupported_content_type'],
    ['malformed base64', { headers: JSON_TYPE, body: '{"a":1}', isBase64Encoded: true }, 'invalid_body_encoding'],
    ['base64 with stray characters', { headers: JSON_TYPE, body: `${b64('{"a":1}')}!`, isBase64Encoded: true }, 'invalid_body_encoding'],
    ['base64 of bytes that are not UTF-8', { headers: JSON_TYPE, body: b64(Buffer.from([0x7b, 0xff, 0x7d])), isBase64Encoded: true }, 'invalid_json'],
    ['base64 of an array', { headers: JSON_TYPE, body: b64('[]'), isBase64Encoded: true }, 'body_not_object'],
  ])('refuses %s with 400 %s', (_, request, code) => {
    expect(refusal(request)).toEqual({ status: 400, code });
  });

  it('says what was wrong in the stable error shape', () => {
    // Act
    const response = errorResponse(
      (() => {
        try {
          return parseJsonObject({ headers: JSON_TYPE, body: '[]' });
        } catch (error) {
          return error;
        }
      })(),
    );

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!)).toEqual({ error: { code: 'body_not_object', message: 'Request body must be a JSON object' } });
  });

  it('refuses a body over the limit with 413 before parsing it', () => {
    // Prepare
    const body = JSON.stringify({ text: 'x'.repeat(2048) });

    // Act / Assess
    expect(() => parseJsonObject({ headers: JSON_TYPE, body }, 1024)).toThrow(new HttpError(413, 'payload_too_large', 'Request body exceeds 1024 bytes'));
    expect(refusal({ headers: JSON_TYPE, body: `[${'1,'.repeat(1024)}1]` }, 1024)).toEqual({ status: 413, code: 'payload_too_large' });
  });

  it('counts bytes, not characters, and the decoded bytes of a base64 body', () => {
    // Prepare: 8 characters of 3 UTF-8 bytes each in an 8-byte frame = 32 bytes
    const text = JSON.stringify({ t: '€'.repeat(8) });

    // Act / Assess
    expect(refusal({ headers: JSON_TYPE, body: text }, 31)).toEqual({ status: 413, code: 'payload_too_large' });
    expect(parseJsonObject({ headers: JSON_TYPE, body: text }, 32)).toEqual({ t: '€'.repeat(8) });
    expect(parseJsonObject({ headers: JSON_TYPE, body: b64(text), isBase64Encoded: true }, 32)).toEqual({ t: '€'.repeat(8) });
  });
});
