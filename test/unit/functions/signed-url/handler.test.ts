/** The signedUrl handler picks its route by API Gateway's routeKey, not by the look of the path. */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

type Handler = (event: unknown) => Promise<APIGatewayProxyStructuredResultV2>;

const ENV = {
  USERS_TABLE: 'users',
  PREMIUM_BUCKET: 'premium',
  PREMIUM_BASE_URL: 'https://premium.example',
  CLOUDFRONT_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
  CLOUDFRONT_PRIVATE_KEY_SECRET: 'cloudfront-private-key',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

function event(routeKey: string, rawPath: string, body: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '2.0',
    routeKey,
    rawPath,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'POST', path: rawPath, sourceIp: '203.0.113.7' },
      authorizer: { jwt: { claims: { sub: '0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11' }, scopes: null } },
    },
  };
}

describe('signedUrl handler', () => {
  const saved = { ...process.env };
  let handler: Handler;
  let storeCalls: jest.SpyInstance;

  beforeAll(async () => {
    Object.assign(process.env, ENV);
    jest.resetModules();
    const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
    // No such user: a 403 not_premium shows the request got through its route's checks to the premium check.
    storeCalls = jest.spyOn(DynamoDBDocumentClient.prototype, 'send').mockResolvedValue({} as never);
    ({ handler } = (await import('../../../../functions/signed-url/handler')) as { handler: Handler });
  });
  beforeEach(() => storeCalls.mockClear());
  afterAll(() => {
    jest.restoreAllMocks();
    process.env = { ...saved };
  });

  it('takes the cookies route for its routeKey, whatever the path ends with', async () => {
    // Act
    const response = await handler(event('POST /premium/cookies', '/premium/url', { folder: 'premium/videos/intro/' }));

    // Assess: the folder was read and checked, then the plan
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body!)).toMatchObject({ error: { code: 'not_premium' } });
  });

  it('takes the URL route for its routeKey, even for a path ending in /cookies', async () => {
    // Act
    const response = await handler(event('POST /premium/url', '/premium/cookies', { folder: 'premium/videos/intro/' }));

    // Assess: a URL request needs a key
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!)).toEqual({ error: { code: 'invalid_content_key', message: 'key is required' } });
    expect(storeCalls).not.toHaveBeenCalled();
  });

  it('answers a routeKey it does not serve with the fixed 500, having looked nothing up', async () => {
    // Act
    const response = await handler(event('POST /premium/{proxy+}', '/premium/cookies', { folder: 'premium/videos/intro/' }));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!)).toEqual({ error: { code: 'internal_error', message: 'Internal server error' } });
    expect(storeCalls).not.toHaveBeenCalled();
  });
});
