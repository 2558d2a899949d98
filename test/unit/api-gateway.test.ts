import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FRONT_SECRET_HEADER, MAX_PAYLOAD_BYTES, routeKey, startApiFront } from '../../scripts/local/api/front';
import { jwtChecker, type TokenCheck } from '../../scripts/local/api/jwt';
import { apiRoutes, corsConfiguration, resolveRoute, type ApiRoute } from '../../scripts/local/api/routes';
import type { ServiceConfig } from '../../scripts/local/service-config';
import { createThrottle } from '../../scripts/local/api/throttle';

const cognito = { name: 'cognito', scopes: [] };
/** The routes of serverless.yml (the template tests hold them to the packaged API). */
const ROUTES: ApiRoute[] = [
  { method: 'GET', path: '/health' },
  { method: 'PUT', path: '/users/{userId}/plan', authorizer: cognito },
  { method: 'POST', path: '/premium/url', authorizer: cognito },
  { method: 'POST', path: '/premium/cookies', authorizer: cognito },
  { method: 'GET', path: '/me', authorizer: cognito },
  { method: 'POST', path: '/subscriptions' },
  { method: 'DELETE', path: '/subscriptions/{token}' },
  { method: 'GET', path: '/subscriptions/{token}/unsubscribe' },
  { method: 'POST', path: '/subscriptions/{token}/unsubscribe' },
  { method: 'POST', path: '/uploads', authorizer: cognito },
];
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

  it.each([undefined, false])('cors %j: no CORS configuration', (cors) => {
    expect(corsConfiguration(withCors(cors))).toBeUndefined();
  });
});

/** A stand-in for serverless-offline that records what reaches it. */
async function startBackend() {
  const seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; remoteAddress?: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, remoteAddress: req.socket.remoteAddress, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': 'http://evil.example' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** node:http, so that the test chooses the method, raw path, headers and source address exactly. */
function request(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; localAddress?: string; body?: string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, method: options.method ?? 'GET', path: options.path, headers: options.headers, localAddress: options.localAddress, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the API front (fails closed in front of serverless-offline)', () => {
  const tokens: TokenCheck = async (token) => token === 'good';
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let front: Awaited<ReturnType<typeof startApiFront>>;

  beforeEach(async () => {
    backend = await startBackend();
    front = await startApiFront({
      host: '127.0.0.1',
      port: 0,
      backendPort: backend.port,
      routes: ROUTES,
      checks: new Map([['cognito', tokens]]),
      cors: corsConfiguration({ provider: { httpApi: { cors: true } }, functions: {} } as unknown as ServiceConfig),
      backendSecret: 'the-secret',
    });
  });
  afterEach(async () => {
    await front.close();
    await backend.close();
  });

  it.each([
    ['GET', '/%6De'],
    ['POST', '/%75ploads'],
    ['POST', '/premium/%75rl'],
    ['POST', '/premium%2Fcookies'],
    ['PUT', '/users/abc/%70lan'],
    ['GET', '/me'],
  ])('%s %s with a bad token: 401, and nothing reaches the backend', async (method, path) => {
    // Act
    const response = await request(front.url, { method, path, headers: { authorization: 'Bearer forged' } });

    // Assess
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toEqual({ message: 'Unauthorized' });
    expect(backend.seen).toHaveLength(0);
  });

  it.each([
    ['HEAD', '/me'],
    ['GET', '/me/'],
    ['GET', '//me'],
    ['GET', '/premium/../me'],
    ['PUT', '/users/%2e%2e/plan'],
    ['PATCH', '/users/abc/plan'],
    ['GET', '/nothing'],
  ])('%s %s (no route): API Gateway\'s 404, even with a good token, and nothing reaches the backend', async (method, path) => {
    // Act
    const response = await request(front.url, { method, path, headers: { authorization: 'Bearer good' } });

    // Assess
    expect(response.status).toBe(404);
    if (method !== 'HEAD') expect(JSON.parse(response.body)).toEqual({ message: 'Not Found' });
    expect(backend.seen).toHaveLength(0);
  });

  it('a bad percent-encoding: 400, nothing reaches the backend', async () => {
    const response = await request(front.url, { path: '/%zz' });
    expect(response.status).toBe(400);
    expect(backend.seen).toHaveLength(0);
  });

  it('passes an admitted request on the path it matched, with the secret, from the caller\'s own address', async () => {
    // Act: from 127.0.0.2, claiming another address in X-Forwarded-For and sending a secret of its own
    const response = await request(front.url, {
      method: 'PUT',
      path: '/users/u%2D1/%70lan?dry=1',
      localAddress: '127.0.0.2',
      headers: { authorization: 'Bearer good', 'x-forwarded-for': '203.0.113.9', [FRONT_SECRET_HEADER]: 'guess', 'content-type': 'application/json' },
      body: '{"plan":"premium"}',
    });

    // Assess
    expect(response.status).toBe(200);
    expect(backend.seen).toHaveLength(1);
    const [seen] = backend.seen;
    expect(seen).toMatchObject({ method: 'PUT', url: '/users/u-1/plan?dry=1', remoteAddress: '127.0.0.2', body: '{"plan":"premium"}' });
    expect(seen?.headers[FRONT_SECRET_HEADER]).toBe('the-secret');
    expect(seen?.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.2');
  });

  it('answers a CORS preflight itself, for any path, without the authorizer or the backend', async () => {
    // Act
    const response = await request(front.url, {
      method: 'OPTIONS',
      path: '/premium/url',
      headers: { origin: 'http://127.0.0.1:8080', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });

    // Assess
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(backend.seen).toHaveLength(0);
  });

  it('puts the API\'s CORS headers on the backend\'s answers and drops the backend\'s own', async () => {
    const response = await request(front.url, { path: '/health', headers: { origin: 'http://127.0.0.1:8080' } });
    expect(response.headers['access-control-allow-origin']).toBe('*');
  });

  it('a 401 carries the CORS header too, so a browser can read it and send its user to sign in', async () => {
    const response = await request(front.url, { method: 'POST', path: '/premium/url', headers: { origin: 'http://127.0.0.1:8080' } });
    expect(response.status).toBe(401);
    expect(response.headers['access-control-allow-origin']).toBe('*');
  });

  it('refuses a body over the 10 MB payload quota with 413, before the backend', async () => {
    // Act
    const response = await request(front.url, {
      method: 'POST',
      path: '/subscriptions',
      headers: { 'content-type': 'application/json', 'content-length': String(MAX_PAYLOAD_BYTES + 1) },
      body: 'x'.repeat(MAX_PAYLOAD_BYTES + 1),
    });

    // Assess
    expect(response.status).toBe(413);
    expect(backend.seen).toHaveLength(0);
  });

  it('refuses to start when a route names an authorizer it cannot check (it would otherwise pass every token)', async () => {
    await expect(
      startApiFront({ host: '127.0.0.1', port: 0, backendPort: 9, routes: ROUTES, checks: new Map(), backendSecret: 's' }),
    ).rejects.toThrow(/authorizer "cognito"/);
  });
});

describe('the API front: route throttling (429) and the integration timeout (503)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function frontWith(backendPort: number, extra: Partial<Parameters<typeof startApiFront>[0]>) {
    const front = await startApiFront({
      host: '127.0.0.1',
      port: 0,
      backendPort,
      routes: ROUTES,
      checks: new Map([['cognito', async () => true]]),
      cors: corsConfiguration({ provider: { httpApi: { cors: true } }, functions: {} } as unknown as ServiceConfig),
      backendSecret: 's',
      ...extra,
    });
    closers.push(() => front.close());
    return front;
  }

  it('names routes as RouteSettings do', () => {
    expect(routeKey({ method: 'POST', path: '/subscriptions' })).toBe('POST /subscriptions');
    expect(routeKey({ method: '*', path: '/x/{proxy+}' })).toBe('ANY /x/{proxy+}');
    expect(routeKey({ method: '*', path: '*' })).toBe('$default');
  });

  it('past the route\'s burst: 429 {"message":"Too Many Requests"} with the CORS headers, and the backend sees none of them', async () => {
    // Arrange: the stage's settings for POST /subscriptions, on a clock that does not move
    const backend = await startBackend();
    closers.push(backend.close);
    const throttle = createThrottle({ routes: new Map([['POST /subscriptions', { rate: 5, burst: 3 }]]) }, () => 0);
    const front = await frontWith(backend.port, { throttle });
    const post = () =>
      request(front.url, { method: 'POST', path: '/subscriptions', headers: { origin: 'http://127.0.0.1:8080', 'content-type': 'application/json' }, body: '{}' });

    // Act
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await post());
    const other = await request(front.url, { path: '/health' });

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429, 429]);
    expect(JSON.parse(answers[4]!.body)).toEqual({ message: 'Too Many Requests' });
    expect(answers[4]!.headers['access-control-allow-origin']).toBe('*');
    expect(backend.seen.filter((seen) => seen.url === '/subscriptions')).toHaveLength(3);
    expect(other.status).toBe(200); // another route has its own bucket (none here)
  });

  it('a backend that does not answer in time: 503 {"message":"Service Unavailable"}, the API Gateway answer', async () => {
    // Arrange: a backend that takes the request and never answers
    const held: http.ServerResponse[] = [];
    const silent = http.createServer((_req, res) => held.push(res));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const front = await frontWith((silent.address() as AddressInfo).port, { integrationTimeoutMs: 200 });

    // Act
    const response = await request(front.url, { path: '/health', headers: { origin: 'http://127.0.0.1:8080' } });

    // Assess
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toEqual({ message: 'Service Unavailable' });
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(held).toHaveLength(1);
  });
});

describe('jwtChecker: the claims API Gateway\'s JWT authorizer validates', () => {
  const issuerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const NOW = Date.now();
  const now = Math.floor(NOW / 1000);
  let issuer: http.Server;
  let issuerUrl: string;

  beforeAll(async () => {
    const jwk = { ...issuerKey.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
    issuer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => issuer.listen(0, '127.0.0.1', resolve));
    issuerUrl = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}/pool`;
  });
  afterAll(() => new Promise<void>((resolve) => issuer.close(() => resolve())));

  const b64 = (value: object | Buffer) => Buffer.from(value instanceof Buffer ? value : JSON.stringify(value)).toString('base64url');
  const token = (claims: Record<string, unknown>, options: { key?: KeyObject; header?: Record<string, unknown> } = {}) => {
    const input = `${b64(options.header ?? { alg: 'RS256', kid: 'k1' })}.${b64({ iss: issuerUrl, aud: 'client', token_use: 'id', iat: now - 10, exp: now + 300, ...claims })}`;
    return `${input}.${b64(sign('RSA-SHA256', Buffer.from(input), options.key ?? issuerKey.privateKey))}`;
  };
  const check = () => jwtChecker({ issuerUrl, audience: ['client'] }, () => NOW);

  it('accepts a well-formed token (the control for the refusals below), by aud or by client_id', async () => {
    expect(await check()(token({}), [])).toBe(true);
    expect(await check()(token({ aud: undefined, client_id: 'client', token_use: 'access' }), [])).toBe(true);
  });

  it.each([
    ['without exp', { exp: undefined }],
    ['expired', { exp: now - 1 }],
    ['not valid yet (nbf in the future)', { nbf: now + 60 }],
    ['issued in the future (iat)', { iat: now + 60 }],
    ['for another audience', { aud: 'other' }],
    ['from another issuer', { iss: 'http://127.0.0.1:1/pool' }],
    ['without iss', { iss: undefined }],
    ['without aud or client_id', { aud: undefined }],
    ['with exp as a string', { exp: String(now + 300) }],
  ])('refuses a token %s', async (_case, claims) => {
    expect(await check()(token(claims), [])).toBe(false);
  });

  it.each([
    ['signed by another key', () => token({}, { key: strangerKey })],
    ['with an unknown kid', () => token({}, { header: { alg: 'RS256', kid: 'k2' } })],
    ['with no kid', () => token({}, { header: { alg: 'RS256' } })],
    ['with alg none and no signature', () => `${b64({ alg: 'none', kid: 'k1' })}.${b64({ iss: issuerUrl, aud: 'client', exp: now + 300 })}.`],
    ['that is not a JWT', () => 'not.a.jwt'],
  ])('refuses a token %s', async (_case, make) => {
    expect(await check()(make(), [])).toBe(false);
  });

  it('where the route names scopes, wants one of them in scope (a string) or scp (a list)', async () => {
    expect(await check()(token({ scope: 'blog/read blog/write' }), ['blog/write'])).toBe(true);
    expect(await check()(token({ scp: ['blog/write'] }), ['blog/write'])).toBe(true);
    expect(await check()(token({ scope: 'blog/read' }), ['blog/write'])).toBe(false);
    expect(await check()(token({}), ['blog/write'])).toBe(false);
  });
});
