/**
 * Every JSON body route, driven through its handler with the event shapes API Gateway (payload 2.0) and
 * serverless-offline send: an odd body is the caller's 400 with a stable code, and no store is touched. Every route
 * behind the JWT authorizer answers a token that names no subject with 401, whatever the body.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

type Handler = (event: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
interface Route {
  name: string;
  module: string;
  method: string;
  /** As API Gateway names the matched route: method and path template. */
  routeKey: string;
  rawPath: string;
  /** Behind the Cognito JWT authorizer. */
  jwt: boolean;
  pathParameters?: Record<string, string>;
  /** A body the route accepts, and what the answer is once the (faked) stores have answered. */
  good: { body: Record<string, unknown>; status: number; answer: Record<string, unknown> };
  maxBytes: number;
}

const USER = '0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11';
const ROUTES: Route[] = [
  {
    name: 'POST /subscriptions', module: '../../../functions/subscribe/handler', method: 'POST', routeKey: 'POST /subscriptions', rawPath: '/subscriptions', jwt: false,
    good: { body: { email: 'ada@example.com', name: 'Ada' }, status: 202, answer: { status: 'accepted' } }, maxBytes: 2 * 1024,
  },
  {
    name: 'POST /uploads', module: '../../../functions/upload-url/handler', method: 'POST', routeKey: 'POST /uploads', rawPath: '/uploads', jwt: true,
    good: { body: { contentType: 'image/png', size: 1234 }, status: 201, answer: { maxBytes: 1234 } }, maxBytes: 16 * 1024,
  },
  {
    // The store has no such user: a 403 not_premium shows the body got through to the premium check.
    name: 'POST /premium/url', module: '../../../functions/signed-url/handler', method: 'POST', routeKey: 'POST /premium/url', rawPath: '/premium/url', jwt: true,
    good: { body: { key: 'premium/guides/intro.txt' }, status: 403, answer: { error: { code: 'not_premium' } } }, maxBytes: 16 * 1024,
  },
  {
    name: 'POST /premium/cookies', module: '../../../functions/signed-url/handler', method: 'POST', routeKey: 'POST /premium/cookies', rawPath: '/premium/cookies', jwt: true,
    good: { body: { folder: 'premium/videos/intro/' }, status: 403, answer: { error: { code: 'not_premium' } } }, maxBytes: 16 * 1024,
  },
  {
    name: 'PUT /users/{userId}/plan', module: '../../../functions/plan/handler', method: 'PUT', routeKey: 'PUT /users/{userId}/plan', rawPath: `/users/${USER}/plan`, jwt: true,
    pathParameters: { userId: USER }, good: { body: { plan: 'premium' }, status: 200, answer: { userId: USER, plan: 'premium' } }, maxBytes: 16 * 1024,
  },
];

const ENV = {
  SUBSCRIBERS_TABLE: 'subscribers',
  PHOTOS_TABLE: 'photos',
  UPLOADS_BUCKET: 'uploads',
  USERS_TABLE: 'users',
  PREMIUM_BUCKET: 'premium',
  PREMIUM_BASE_URL: 'https://premium.example',
  CLOUDFRONT_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
  CLOUDFRONT_PRIVATE_KEY_SECRET: 'cloudfront-private-key',
  // The presigned POST is signed locally; these never leave the process.
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

const JSON_TYPE = { 'content-type': 'application/json' };
const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

/** The request parts that vary; `body` left out means no body key at all, as API Gateway sends an empty request. */
interface Shape {
  headers: Record<string, string>;
  body?: string | null;
  isBase64Encoded?: boolean;
}

const ADMIN_CLAIMS = { sub: USER, 'cognito:groups': '[admins]' };

function event(route: Route, shape: Shape, claims: Record<string, unknown> = ADMIN_CLAIMS): Record<string, unknown> {
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: route.rawPath,
    rawQueryString: '',
    headers: { host: 'api.example', ...shape.headers },
    ...('body' in shape ? { body: shape.body } : {}),
    isBase64Encoded: shape.isBase64Encoded ?? false,
    pathParameters: route.pathParameters,
    requestContext: {
      http: { method: route.method, path: route.rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'jest' },
      authorizer: { jwt: { claims, scopes: null } },
    },
  };
}

const BAD: [string, string, Shape][] = [
  ['no body key (API Gateway, empty POST)', 'body_required', { headers: {} }],
  ['body null (serverless-offline, empty POST)', 'body_required', { headers: {}, body: null }],
  ['an empty body', 'body_required', { headers: JSON_TYPE, body: '' }],
  ['the JSON null', 'body_not_object', { headers: JSON_TYPE, body: 'null' }],
  ['a number', 'body_not_object', { headers: JSON_TYPE, body: '42' }],
  ['a string', 'body_not_object', { headers: JSON_TYPE, body: '"x"' }],
  ['an array', 'body_not_object', { headers: JSON_TYPE, body: '[]' }],
  ['true', 'body_not_object', { headers: JSON_TYPE, body: 'true' }],
  ['malformed JSON', 'invalid_json', { headers: JSON_TYPE, body: '{"a":' }],
  ['text/plain', 'unsupported_content_type', { headers: { 'content-type': 'text/plain' }, body: '{"a":1}' }],
  ['a form', 'unsupported_content_type', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=a%40example.com' }],
  ['multipart/form-data', 'unsupported_content_type', { headers: { 'content-type': 'multipart/form-data; boundary=b' }, body: b64('--b\r\n\r\n{}\r\n--b--'), isBase64Encoded: true }],
  ['malformed base64', 'invalid_body_encoding', { headers: JSON_TYPE, body: '{"a":1}', isBase64Encoded: true }],
  ['base64 of bytes that are not UTF-8', 'invalid_json', { headers: JSON_TYPE, body: b64(Buffer.from([0x7b, 0xff, 0x7d])), isBase64Encoded: true }],
];

describe.each(ROUTES)('$name handler', (route) => {
  const saved = { ...process.env };
  let handler: Handler;
  let storeCalls: jest.SpyInstance;
  let s3Calls: jest.SpyInstance;

  beforeAll(async () => {
    Object.assign(process.env, ENV);
    jest.resetModules();
    // The handlers' clients come from this module registry: spy on the same classes they will use.
    const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
    const { S3Client } = await import('@aws-sdk/client-s3');
    storeCalls = jest.spyOn(DynamoDBDocumentClient.prototype, 'send');
    s3Calls = jest.spyOn(S3Client.prototype, 'send');
    ({ handler } = (await import(route.module)) as { handler: Handler });
  });
  beforeEach(() => {
    storeCalls.mockReset();
    s3Calls.mockReset().mockRejectedValue(new Error('no S3 in unit tests'));
  });
  afterAll(() => {
    jest.restoreAllMocks();
    process.env = { ...saved };
  });

  it.each(BAD)('answers %s with 400 %s and touches no store', async (_, code, shape) => {
    // Act
    const response = await handler(event(route, shape));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8' });
    expect(JSON.parse(response.body!)).toEqual({ error: { code, message: expect.any(String) as string } });
    expect(storeCalls).not.toHaveBeenCalled();
    expect(s3Calls).not.toHaveBeenCalled();
  });

  if (route.jwt) {
    it.each([
      ['no sub', { 'cognito:groups': '[admins]', token_use: 'access' }],
      ['an empty sub', { sub: '', 'cognito:groups': '[admins]' }],
    ])('answers a token with %s with 401 unauthorized and touches no store', async (_, claims) => {
      // Act
      const response = await handler(event(route, { headers: JSON_TYPE, body: JSON.stringify(route.good.body) }, claims));

      // Assess
      expect(response.statusCode).toBe(401);
      expect(JSON.parse(response.body!)).toEqual({ error: { code: 'unauthorized', message: 'The token has no subject' } });
      expect(storeCalls).not.toHaveBeenCalled();
      expect(s3Calls).not.toHaveBeenCalled();
    });
  }

  it('answers a body over its limit with 413', async () => {
    const body = JSON.stringify({ ...route.good.body, padding: 'x'.repeat(route.maxBytes) });
    const response = await handler(event(route, { headers: JSON_TYPE, body }));
    expect(response.statusCode).toBe(413);
    expect(storeCalls).not.toHaveBeenCalled();
  });

  it.each([
    ['application/json, as the web app sends it', JSON_TYPE],
    ['a charset parameter in any case', { 'content-type': 'Application/JSON; Charset=UTF-8' }],
    ['no content-type header', {}],
  ])('takes a JSON object sent with %s', async (_, headers) => {
    // Prepare: the stores answer as DynamoDB would (a new subscriber; no user; the user whose plan changed)
    storeCalls.mockImplementation(async (command: { constructor: { name: string } }) => {
      if (command.constructor.name === 'UpdateCommand') {
        return { Attributes: { userId: USER, email: 'ada@example.com', plan: 'premium', createdAt: '2026-01-01T00:00:00.000Z' } };
      }
      return {};
    });

    // Act
    const response = await handler(event(route, { headers, body: JSON.stringify(route.good.body) }));

    // Assess
    expect(response.statusCode).toBe(route.good.status);
    expect(JSON.parse(response.body!)).toMatchObject(route.good.answer);
  });
});

describe('routes without a body keep working without one', () => {
  const saved = { ...process.env };
  afterAll(() => {
    jest.restoreAllMocks();
    process.env = { ...saved };
  });

  it('GET /me answers a token without sub with 401, and a normal one with the caller', async () => {
    // Prepare
    const { handler } = (await import('../../../functions/me/handler')) as { handler: Handler };
    const me = (claims: Record<string, unknown>) =>
      handler({ headers: {}, requestContext: { http: { method: 'GET' }, authorizer: { jwt: { claims, scopes: null } } } });

    // Act
    const withoutSub = await me({ email: 'a@example.com', token_use: 'access' });
    const withSub = await me({ sub: USER, email: 'a@example.com' });

    // Assess
    expect(withoutSub.statusCode).toBe(401);
    expect(JSON.parse(withoutSub.body!)).toEqual({ error: { code: 'unauthorized', message: 'The token has no subject' } });
    expect(withSub.statusCode).toBe(200);
    expect(JSON.parse(withSub.body!)).toEqual({ userId: USER, email: 'a@example.com', groups: [] });
  });

  it.each([
    ['GET', undefined, 200],
    ['POST', undefined, 200], // the page's button, or a mail client's one-click (any body, never read)
    ['POST', 'List-Unsubscribe=One-Click', 200],
    ['DELETE', null, 404],
  ])('/subscriptions/{token}: %s with body %p for a malformed token answers %i without a lookup', async (method, body, status) => {
    // Prepare
    Object.assign(process.env, ENV);
    jest.resetModules();
    const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
    const storeCalls = jest.spyOn(DynamoDBDocumentClient.prototype, 'send');
    const { handler } = (await import('../../../functions/unsubscribe/handler')) as { handler: Handler };

    // Act
    const response = await handler({
      headers: body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' },
      ...(body === undefined ? {} : { body }),
      isBase64Encoded: false,
      pathParameters: { token: 'not-a-token' },
      requestContext: { http: { method } },
    });

    // Assess
    expect(response.statusCode).toBe(status);
    expect(storeCalls).not.toHaveBeenCalled();
  });
});
