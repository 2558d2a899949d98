import { apiRoutes, corsOrigins, matchRoute, startApiFront, type ApiRoute } from '../../scripts/local/api-gateway';
import type { ServiceConfig } from '../../scripts/local/service-config';

describe('matchRoute (API Gateway route selection)', () => {
  const routes: ApiRoute[] = [
    { method: 'GET', path: '/health' },
    { method: 'GET', path: '/premium/{key+}', authorizer: { name: 'cognito', scopes: [] } },
    { method: 'GET', path: '/premium/catalog' },
    { method: 'DELETE', path: '/subscriptions/{token}' },
    { method: 'ANY', path: '/things/{id}', authorizer: { name: 'cognito', scopes: [] } },
    { method: 'GET', path: '/things/{id}' },
  ];

  it.each([
    ['GET', '/health', '/health'],
    ['GET', '/premium/catalog', '/premium/catalog'],
    ['GET', '/premium/videos/intro/index.m3u8', '/premium/{key+}'],
    ['DELETE', '/subscriptions/abc', '/subscriptions/{token}'],
    ['GET', '/things/1', '/things/{id}'],
  ])('%s %s → %s', (method, path, expected) => {
    expect(matchRoute(routes, method, path)?.path).toBe(expected);
  });

  it('prefers a route for the method over ANY', () => {
    expect(matchRoute(routes, 'GET', '/things/1')?.authorizer).toBeUndefined();
    expect(matchRoute(routes, 'PUT', '/things/1')?.authorizer?.name).toBe('cognito');
  });

  it.each([
    ['POST', '/health'],
    ['GET', '/premium'],
    ['DELETE', '/subscriptions/a/b'],
    ['GET', '/nothing'],
  ])('finds no route for %s %s', (method, path) => {
    expect(matchRoute(routes, method, path)).toBeUndefined();
  });
});

describe('apiRoutes', () => {
  it('reads both the string and the object form of httpApi events, with their authorizer', () => {
    // Prepare
    const config = {
      functions: {
        a: { handler: 'a', events: [{ httpApi: 'GET /a' }] },
        b: { handler: 'b', events: [{ httpApi: { method: 'post', path: '/b', authorizer: { name: 'cognito', scopes: ['x'] } } }] },
        c: { handler: 'c', events: [{ httpApi: { method: 'GET', path: '/c', authorizer: 'cognito' } }, { s3: {} }] },
      },
    } as unknown as ServiceConfig;

    // Act
    const routes = apiRoutes(config);

    // Assess
    expect(routes).toEqual([
      { method: 'GET', path: '/a', authorizer: undefined },
      { method: 'POST', path: '/b', authorizer: { name: 'cognito', scopes: ['x'] } },
      { method: 'GET', path: '/c', authorizer: { name: 'cognito', scopes: [] } },
    ]);
  });
});

describe('localPorts', () => {
  it('moves every port by the offset', async () => {
    const { localPorts } = await import('../../scripts/local/ports');
    expect(localPorts(100)).toMatchObject({ api: 3100, edge: 8180, s3: 4669, dynamodb: 8100 });
  });

  it.each([2000, 3000])('refuses offset %i, which would put a port on one that fetch refuses', async (offset) => {
    const { localPorts } = await import('../../scripts/local/ports');
    expect(() => localPorts(offset)).toThrow(/which browsers and Node's fetch refuse/);
  });
});

describe('the API front\'s own 401 and CORS', () => {
  const withCors = (cors: unknown) => ({ provider: { httpApi: { cors } } }) as unknown as ServiceConfig;

  it.each([
    [true, ['*']],
    [{ allowedOrigins: ['https://blog.example.com'] }, ['https://blog.example.com']],
    [undefined, undefined],
    [false, undefined],
  ])('httpApi.cors %j allows %j', (cors, origins) => {
    expect(corsOrigins(withCors(cors))).toEqual(origins);
  });

  it.each([
    [['*'], 'http://127.0.0.1:8080', '*'],
    [['http://127.0.0.1:8080'], 'http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    [['https://blog.example.com'], 'http://evil.example', null],
    [undefined, 'http://127.0.0.1:8080', null],
  ])('origins %j: a 401 to %s allows %s, so the browser can read it', async (origins, origin, allowed) => {
    // Prepare: no backend is needed, the front answers 401 itself
    const routes: ApiRoute[] = [{ method: 'POST', path: '/premium/url', authorizer: { name: 'cognito', scopes: [] } }];
    const front = await startApiFront({
      host: '127.0.0.1', port: 0, backendPort: 9, routes, checks: new Map([['cognito', async () => false]]), corsOrigins: origins,
    });
    try {
      // Act
      const response = await fetch(`${front.url}/premium/url`, { method: 'POST', headers: { origin }, body: '{}' });

      // Assess
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ message: 'Unauthorized' });
      expect(response.headers.get('access-control-allow-origin')).toBe(allowed);
    } finally {
      await front.close();
    }
  });
});
