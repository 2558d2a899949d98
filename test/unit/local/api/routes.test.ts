import { apiRoutes, corsConfiguration, resolveRoute, type ApiRoute } from '../../../../scripts/local/api/routes';
import type { ServiceConfig } from '../../../../scripts/local/service-config';
import { cognito, ROUTES } from './fixtures';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'];

/** A concrete path for a route pattern. */
const pathOf = (route: ApiRoute) => route.path.replace(/\{[^}]+\}/g, 'abc');

describe('resolveRoute: API Gateway route selection ("Create routes for HTTP APIs")', () => {
  it.each(ROUTES.flatMap((route) => METHODS.map((method) => [method, route] as const)))(
    '%s on %j: selects the route only for its own method (HEAD is not GET), else 404',
    (method, route) => {
      // Act
      const decision = resolveRoute(ROUTES, method, pathOf(route));

      // Assess
      if (method === route.method) {
        expect(decision).toMatchObject({ kind: 'route', route });
      } else {
        const other = ROUTES.find((r) => r.method === method && pathOf(r) === pathOf(route));
        expect(decision).toEqual(other ? expect.objectContaining({ route: other }) : { kind: 'not-found' });
      }
    },
  );

  it.each([
    // The path is decoded once, then matched: an encoded letter is the letter, so the protected route (and its
    // authorizer) is what the request selects.
    ['GET', '/%6De', '/me', {}],
    ['GET', '/%6d%65', '/me', {}],
    ['POST', '/%75ploads', '/uploads', {}],
    ['POST', '/premium/%75rl', '/premium/url', {}],
    ['PUT', '/users/u-1/%70lan', '/users/{userId}/plan', { userId: 'u-1' }],
    // An encoded slash is a slash once decoded.
    ['POST', '/premium%2Furl', '/premium/url', {}],
    ['POST', '/premium%2fcookies', '/premium/cookies', {}],
    // Parameters are handed on decoded.
    ['DELETE', '/subscriptions/a%20b%3Fc', '/subscriptions/{token}', { token: 'a b?c' }],
  ])('%s %s selects %s with params %j', (method, target, path, params) => {
    // Act
    const decision = resolveRoute(ROUTES, method, target);

    // Assess
    expect(decision).toMatchObject({ kind: 'route', route: { path }, params });
    expect(decision.kind === 'route' && decision.route.authorizer).toEqual(ROUTES.find((r) => r.path === path)?.authorizer ?? undefined);
  });

  it.each([
    ['an encoded slash inside a parameter (two segments)', 'PUT', '/users/a%2Fb/plan'],
    ['a doubled slash', 'GET', '//me'],
    ['a doubled slash inside', 'PUT', '/users//plan'],
    ['a trailing slash', 'GET', '/me/'],
    ['a trailing slash after a parameter', 'DELETE', '/subscriptions/abc/'],
    ['a dot-dot segment', 'GET', '/premium/../me'],
    ['an encoded dot-dot segment', 'PUT', '/users/%2e%2e/plan'],
    ['an encoded dot-dot that would climb to another route', 'GET', '/subscriptions/x/%2E%2E/%2E%2E/me'],
    ['a dot segment', 'GET', '/./me'],
    ['another case', 'GET', '/ME'],
    ['another case of a literal segment', 'PUT', '/users/abc/Plan'],
    ['a path below a route', 'GET', '/me/more'],
    ['a prefix of a route', 'POST', '/premium'],
    ['the root', 'GET', '/'],
  ])('%s selects no route: %s %s → 404', (_case, method, target) => {
    expect(resolveRoute(ROUTES, method, target)).toEqual({ kind: 'not-found' });
  });

  it.each([
    ['invalid percent-encoding', '/%zz'],
    ['a truncated escape', '/me%'],
    ['an escape that is not UTF-8', '/%C0%AF'],
    ['an absolute-form target', 'http://evil.example/me'],
    ['an asterisk-form target', '*'],
    ['an empty target', ''],
  ])('%s is a bad request: %s', (_case, target) => {
    expect(resolveRoute(ROUTES, 'GET', target)).toEqual({ kind: 'bad-request' });
  });

  it('hands the backend the matched path, re-encoded segment by segment, with the query string as sent', () => {
    // Act
    const decision = resolveRoute(ROUTES, 'GET', '/subscriptions/a%20b%2Fc/%75nsubscribe?x=1&y=%2F');

    // Assess: the encoded slash became a separator (three segments would not match), so use a plain one
    expect(decision).toEqual({ kind: 'not-found' });
    expect(resolveRoute(ROUTES, 'GET', '/subscriptions/a%20b%3F/%75nsubscribe?x=1&y=%2F')).toMatchObject({
      kind: 'route',
      backendPath: '/subscriptions/a%20b%3F/unsubscribe?x=1&y=%2F',
    });
  });

  it('prefers a literal segment over a parameter, a parameter over a greedy one, a method over ANY', () => {
    // Prepare
    const routes: ApiRoute[] = [
      { method: 'GET', path: '/premium/{key+}', authorizer: cognito },
      { method: 'GET', path: '/premium/catalog' },
      { method: 'ANY', path: '/things/{id}', authorizer: cognito },
      { method: 'GET', path: '/things/{id}' },
      { method: 'GET', path: '/things/{id}/{rest+}' },
    ];

    // Act + Assess
    expect(resolveRoute(routes, 'GET', '/premium/catalog')).toMatchObject({ route: { path: '/premium/catalog' } });
    expect(resolveRoute(routes, 'GET', '/premium/videos/intro.m3u8')).toMatchObject({
      route: { path: '/premium/{key+}' },
      params: { key: 'videos/intro.m3u8' },
    });
    expect(resolveRoute(routes, 'GET', '/premium')).toEqual({ kind: 'not-found' }); // greedy needs a segment
    expect(resolveRoute(routes, 'GET', '/things/1')).toMatchObject({ route: { method: 'GET', path: '/things/{id}' } });
    expect(resolveRoute(routes, 'PUT', '/things/1')).toMatchObject({ route: { method: 'ANY' } });
  });
});

describe('apiRoutes and corsConfiguration (from the resolved serverless.yml)', () => {
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

  const withCors = (cors: unknown) =>
    ({ provider: { httpApi: { cors } }, functions: { a: { handler: 'a', events: [{ httpApi: 'PUT /a' }] } } }) as unknown as ServiceConfig;

  it('cors: true is the framework default: any origin, its headers, OPTIONS plus the routes\' methods', () => {
    expect(corsConfiguration(withCors(true))).toEqual({
      allowOrigins: ['*'],
      allowHeaders: expect.arrayContaining(['Content-Type', 'Authorization']) as string[],
      allowMethods: ['OPTIONS', 'PUT'],
      exposeHeaders: [],
      allowCredentials: false,
      maxAge: undefined,
    });
  });

  it('an object keeps the defaults it does not name, and exposes the headers it lists (serverless.yml: Retry-After)', () => {
    expect(corsConfiguration(withCors({ exposedResponseHeaders: ['Retry-After'] }))).toEqual({
      allowOrigins: ['*'],
      allowHeaders: expect.arrayContaining(['Content-Type', 'Authorization']) as string[],
      allowMethods: ['OPTIONS', 'PUT'],
      exposeHeaders: ['Retry-After'],
      allowCredentials: false,
      maxAge: undefined,
    });
  });

  it.each([undefined, false])('cors %j: no CORS configuration', (cors) => {
    expect(corsConfiguration(withCors(cors))).toBeUndefined();
  });
});
