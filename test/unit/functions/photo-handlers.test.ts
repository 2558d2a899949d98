/**
 * The three photo routes driven through their handlers with API Gateway's event (payload 2.0): a token that names
 * no subject is a 401 before any store is touched, query and path parameters reach the cores, a refusal has the
 * error shape, and a delete answers 204 with no body. The stores are the SDK clients' `send`, faked.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

type Handler = (event: unknown) => Promise<APIGatewayProxyStructuredResultV2>;

const OWNER = '0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11';
const ID = '3f2c6d1e-8a4b-4c5d-9e6f-7a8b9c0d1e2f';
const ENV = {
  PHOTOS_TABLE: 'photos',
  THUMBNAILS_BASE_URL: 'https://cdn.example/',
  UPLOADS_BUCKET: 'uploads',
  THUMBNAILS_BUCKET: 'thumbnails',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const ITEM = {
  owner: OWNER,
  photoId: ID,
  status: 'ready',
  createdAt: '2026-05-01T10:00:00.000Z',
  updatedAt: '2026-05-01T10:00:05.000Z',
  uploadKey: `uploads/${OWNER}/${ID}.jpg`,
  contentType: 'image/jpeg',
  thumbnails: [{ width: 160, height: 120, format: 'webp', contentType: 'image/webp', bytes: 10, key: `thumbnails/${OWNER}/${ID}/w160.webp` }],
};

function event(routeKey: string, options: { claims?: Record<string, unknown>; query?: Record<string, string>; id?: string } = {}) {
  const [method, path] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path!.replace('{id}', options.id ?? ''),
    rawQueryString: '',
    headers: { host: 'api.example' },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.id === undefined ? {} : { pathParameters: { id: options.id } }),
    isBase64Encoded: false,
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'jest' },
      authorizer: { jwt: { claims: options.claims ?? { sub: OWNER }, scopes: null } },
    },
  };
}

describe('the photo handlers', () => {
  const saved = { ...process.env };
  const handlers: Record<string, Handler> = {};
  let storeCalls: jest.SpyInstance;
  let s3Calls: jest.SpyInstance;

  beforeAll(async () => {
    Object.assign(process.env, ENV);
    jest.resetModules();
    const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
    const { S3Client } = await import('@aws-sdk/client-s3');
    storeCalls = jest.spyOn(DynamoDBDocumentClient.prototype, 'send');
    s3Calls = jest.spyOn(S3Client.prototype, 'send');
    for (const [route, module] of [
      ['GET /photos', '../../../functions/list-photos/handler'],
      ['GET /photos/{id}', '../../../functions/get-photo/handler'],
      ['DELETE /photos/{id}', '../../../functions/delete-photo/handler'],
    ]) {
      handlers[route!] = ((await import(module!)) as { handler: Handler }).handler;
    }
  });
  beforeEach(() => {
    storeCalls.mockReset();
    s3Calls.mockReset().mockResolvedValue({});
  });
  afterAll(() => {
    jest.restoreAllMocks();
    process.env = { ...saved };
  });

  it.each(['GET /photos', 'GET /photos/{id}', 'DELETE /photos/{id}'])('%s answers a token without sub with 401 and touches no store', async (route) => {
    // Act
    const response = await handlers[route]!(event(route, { claims: { token_use: 'access' }, id: ID }));

    // Assess
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body!)).toEqual({ error: { code: 'unauthorized', message: 'The token has no subject' } });
    expect(storeCalls).not.toHaveBeenCalled();
    expect(s3Calls).not.toHaveBeenCalled();
  });

  it('GET /photos passes limit on (one more, to know whether a page follows), and answers the page with thumbnail URLs of the base URL (no doubled slash)', async () => {
    // Prepare
    storeCalls.mockResolvedValue({ Items: [ITEM] });

    // Act
    const response = await handlers['GET /photos']!(event('GET /photos', { query: { limit: '5' } }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    expect(JSON.parse(response.body!)).toEqual({
      photos: [expect.objectContaining({ id: ID, thumbnails: [expect.objectContaining({ url: `https://cdn.example/thumbnails/${OWNER}/${ID}/w160.webp` })] })],
    });
    const [query] = storeCalls.mock.calls[0] as [{ input: Record<string, unknown> }];
    expect(query.input).toMatchObject({ TableName: 'photos', Limit: 6, ExpressionAttributeValues: { ':owner': OWNER } });
  });

  it('GET /photos refuses limit=abc with 400 invalid_limit before any query', async () => {
    const response = await handlers['GET /photos']!(event('GET /photos', { query: { limit: 'abc' } }));
    expect([response.statusCode, JSON.parse(response.body!)]).toEqual([400, { error: { code: 'invalid_limit', message: expect.any(String) as string } }]);
    expect(storeCalls).not.toHaveBeenCalled();
  });

  it('GET /photos/{id} reads the caller\'s own key and answers 404 not_found when there is no item', async () => {
    // Prepare
    storeCalls.mockResolvedValue({});

    // Act
    const response = await handlers['GET /photos/{id}']!(event('GET /photos/{id}', { id: ID }));

    // Assess
    expect([response.statusCode, JSON.parse(response.body!)]).toEqual([404, { error: { code: 'not_found', message: 'No such photo' } }]);
    const [get] = storeCalls.mock.calls[0] as [{ input: Record<string, unknown> }];
    expect(get.input).toMatchObject({ Key: { owner: OWNER, photoId: ID }, ConsistentRead: true });
  });

  it('DELETE /photos/{id} deletes in both buckets, then the record, and answers 204 with no body', async () => {
    // Prepare
    storeCalls.mockImplementation(async (command: { constructor: { name: string } }) => (command.constructor.name === 'GetCommand' ? { Item: ITEM } : {}));

    // Act
    const response = await handlers['DELETE /photos/{id}']!(event('DELETE /photos/{id}', { id: ID }));

    // Assess
    expect(response.statusCode).toBe(204);
    expect(response.body).toBeUndefined();
    const deletes = s3Calls.mock.calls
      .map(([command]) => command as { constructor: { name: string }; input: { Bucket: string; Key?: string } })
      .filter((command) => command.constructor.name === 'DeleteObjectCommand')
      .map((command) => `${command.input.Bucket}/${command.input.Key}`);
    expect(deletes.sort()).toEqual([`thumbnails/thumbnails/${OWNER}/${ID}/w160.webp`, `uploads/uploads/${OWNER}/${ID}.jpg`]);
    expect(storeCalls.mock.calls.map(([command]) => (command as { constructor: { name: string } }).constructor.name)).toEqual(['GetCommand', 'DeleteCommand']);
  });

  it('DELETE /photos/{id} answers 500 with the fixed message when S3 fails, and keeps the record', async () => {
    // Prepare
    storeCalls.mockResolvedValue({ Item: ITEM });
    s3Calls.mockRejectedValue(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));

    // Act
    const response = await handlers['DELETE /photos/{id}']!(event('DELETE /photos/{id}', { id: ID }));

    // Assess
    expect([response.statusCode, JSON.parse(response.body!)]).toEqual([500, { error: { code: 'internal_error', message: 'Internal server error' } }]);
    expect(storeCalls.mock.calls.map(([command]) => (command as { constructor: { name: string } }).constructor.name)).toEqual(['GetCommand']);
  });
});
