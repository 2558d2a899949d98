import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FRONT_SECRET_HEADER, MAX_PAYLOAD_BYTES, routeKey, startApiFront } from '../../../../scripts/local/api/front';
import type { TokenCheck } from '../../../../scripts/local/api/jwt';
import { corsConfiguration } from '../../../../scripts/local/api/routes';
import { createThrottle } from '../../../../scripts/local/api/throttle';
import type { ServiceConfig } from '../../../../scripts/local/service-config';
import { request, ROUTES, startBackend } from './fixtures';

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
