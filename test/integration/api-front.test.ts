/**
 * The local API front fails closed, as API Gateway does: no spelling of a protected route, and no method, reaches a
 * function with a forged token; serverless-offline answers nobody but the front; and the caller's own address —
 * never X-Forwarded-For — is the `sourceIp` that IP-locked signed URLs are locked to.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import http from 'node:http';
import { apiRoutes, type ApiRoute } from '../../scripts/local/api/routes';
import { HOST } from '../../scripts/local/ports';
import { loadServiceConfig } from '../../scripts/local/service-config';
import { createUser, decode, issuerKey, signJwt, strangerKey, type TestUser } from './cognito';
import { apiUrl, dynamodb, ports, s3 } from './local';

const USERS_TABLE = 'serverless-blog-local-users-table';
const PREMIUM_BUCKET = 'serverless-blog-local-premium-bucket';

interface Answer {
  status: number;
  body: string;
}

function send(
  base: string,
  options: { method: string; path: string; token?: string; body?: string; from?: string; headers?: Record<string, string> },
): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        method: options.method,
        path: options.path,
        localAddress: options.from,
        agent: false,
        headers: {
          'content-type': 'application/json',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }),
          ...options.headers,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Every way to spell a route's path that a lenient router might still send to it. */
function spellings(route: ApiRoute, userId: string): string[] {
  const path = route.path.replace(/\{[^}]+\}/g, userId);
  const encodeFirstLetter = path.replace(/\/([a-z])/, (_m, letter: string) => `/%${letter.charCodeAt(0).toString(16)}`);
  const lastSlash = path.lastIndexOf('/');
  return [
    path,
    encodeFirstLetter,
    path.toUpperCase(), // another case
    path.replace(/[a-z]/g, (letter) => `%${letter.charCodeAt(0).toString(16)}`), // every letter encoded
    lastSlash > 0 ? `${path.slice(0, lastSlash)}%2F${path.slice(lastSlash + 1)}` : `/%2F${path.slice(1)}`,
    `${path}/`,
    `/${path}`,
    path.replace('/', '//'),
    `/x/..${path}`,
    `/x/%2e%2e${path}`,
    `${path}/.`,
    `${path}%00`,
    `${path}?${'a'.repeat(2000)}=1`,
  ];
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

describe('the local API front fails closed', () => {
  let routes: ApiRoute[];
  let victim: TestUser;
  let victimId: string;

  beforeAll(async () => {
    routes = apiRoutes(await loadServiceConfig('local'));
    victim = await createUser();
    victimId = String(decode(victim.idToken).payload.sub);
    await dynamodb.send(new PutItemCommand({
      TableName: USERS_TABLE,
      Item: { userId: { S: victimId }, email: { S: victim.email }, plan: { S: 'free' }, createdAt: { S: new Date().toISOString() } },
    }));
  }, 60_000);

  it('no spelling of a protected route, with any method, reaches a function with a forged admin token', async () => {
    // Prepare: the victim's own claims, in the admins group, signed by a key nobody trusts
    const { header, payload } = decode(victim.idToken);
    const forged = signJwt(header, { ...payload, 'cognito:groups': ['admins'], exp: Math.floor(Date.now() / 1000) + 600 }, strangerKey);
    const protectedRoutes = routes.filter((route) => route.authorizer);
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(4);
    const body = JSON.stringify({ plan: 'premium', key: 'premium/guides/intro.txt', contentType: 'image/jpeg', size: 10 });

    // Act
    const answers: [string, string, number][] = [];
    for (const route of protectedRoutes) {
      for (const path of spellings(route, victimId)) {
        for (const method of METHODS) {
          if (method === 'OPTIONS') continue; // a preflight is answered without a route (below)
          const { status } = await send(apiUrl, { method, path, token: forged, body: method === 'GET' || method === 'HEAD' ? undefined : body });
          answers.push([method, path, status]);
        }
      }
    }

    // Assess: only the front's refusals — 401 (a route, a bad token), 404 (no route), 400 (no valid path)
    expect(answers.filter(([, , status]) => ![400, 401, 404].includes(status))).toEqual([]);
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: USERS_TABLE, Key: { userId: { S: victimId } } }));
    expect(Item?.plan?.S).toBe('free');
  }, 120_000);

  it('the same spellings with the victim\'s real token reach no other route than the one spelled', async () => {
    // Act: GET /me spelled with encoded letters is /me; spelled with `..` or `//` it is nothing
    const encoded = await send(apiUrl, { method: 'GET', path: '/%6De', token: victim.idToken });
    const dotted = await send(apiUrl, { method: 'GET', path: '/health/../me', token: victim.idToken });
    const head = await send(apiUrl, { method: 'HEAD', path: '/me', token: victim.idToken });

    // Assess
    expect(encoded.status).toBe(200);
    expect(JSON.parse(encoded.body)).toMatchObject({ userId: victimId });
    expect([dotted.status, head.status]).toEqual([404, 404]);
    expect(JSON.parse(dotted.body)).toEqual({ message: 'Not Found' });
  });

  it.each([
    ['without exp', (p: Record<string, unknown>) => ({ ...p, exp: undefined })],
    ['with nbf in the future', (p: Record<string, unknown>) => ({ ...p, nbf: Math.floor(Date.now() / 1000) + 600 })],
    ['with iat in the future', (p: Record<string, unknown>) => ({ ...p, iat: Math.floor(Date.now() / 1000) + 600 })],
  ])('refuses a token signed by the pool\'s own key %s', async (_case, change) => {
    // Prepare
    const { header, payload } = decode(victim.idToken);
    const token = signJwt(header, JSON.parse(JSON.stringify(change(payload))) as Record<string, unknown>, issuerKey);

    // Act
    const response = await send(apiUrl, { method: 'GET', path: '/me', token });

    // Assess
    expect(response.status).toBe(401);
  });

  it('serverless-offline answers nobody but the front, even a valid token on a valid route', async () => {
    // Act
    const health = await send(`http://${HOST}:${ports.apiBackend}`, { method: 'GET', path: '/health' });
    const me = await send(`http://${HOST}:${ports.apiBackend}`, { method: 'GET', path: '/me', token: victim.idToken });
    const guess = await send(`http://${HOST}:${ports.apiBackend}`, {
      method: 'GET', path: '/health', headers: { 'x-local-api-front': 'guess' },
    });

    // Assess
    expect([health.status, me.status, guess.status]).toEqual([403, 403, 403]);
  });

  it('locks a signed URL to the caller\'s own address, whatever X-Forwarded-For says', async () => {
    // Prepare: a premium user and a premium file
    const reader = await createUser();
    const readerId = String(decode(reader.idToken).payload.sub);
    await dynamodb.send(new PutItemCommand({
      TableName: USERS_TABLE,
      Item: { userId: { S: readerId }, email: { S: reader.email }, plan: { S: 'premium' }, createdAt: { S: new Date().toISOString() } },
    }));
    await s3.send(new PutObjectCommand({ Bucket: PREMIUM_BUCKET, Key: 'premium/front/ip.txt', Body: 'locked', ContentType: 'text/plain' }));

    // Act: asked for from 127.0.0.2, claiming to be 127.0.0.1
    const response = await send(apiUrl, {
      method: 'POST',
      path: '/premium/url',
      token: reader.idToken,
      from: '127.0.0.2',
      headers: { 'x-forwarded-for': '127.0.0.1' },
      body: JSON.stringify({ key: 'premium/front/ip.txt' }),
    });

    // Assess
    expect(response.status).toBe(200);
    const { url } = JSON.parse(response.body) as { url: string };
    const policy = JSON.parse(Buffer.from(new URL(url).searchParams.get('Policy')!.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64').toString()) as {
      Statement: { Condition: { IpAddress: { 'AWS:SourceIp': string } } }[];
    };
    expect(policy.Statement[0]?.Condition.IpAddress['AWS:SourceIp']).toBe('127.0.0.2/32');
    const parsed = new URL(url);
    const fromSecond = await send(parsed.origin, { method: 'GET', path: `${parsed.pathname}${parsed.search}`, from: '127.0.0.2' });
    const fromFirst = await send(parsed.origin, { method: 'GET', path: `${parsed.pathname}${parsed.search}`, from: '127.0.0.1' });
    expect(fromSecond).toEqual({ status: 200, body: 'locked' });
    expect(fromFirst.status).toBe(403);
  }, 30_000);

  it('answers a CORS preflight itself, and 404 for an OPTIONS that is not one', async () => {
    const preflight = await send(apiUrl, {
      method: 'OPTIONS', path: '/premium/url', headers: { origin: 'http://127.0.0.1:8080', 'access-control-request-method': 'POST' },
    });
    const plain = await send(apiUrl, { method: 'OPTIONS', path: '/premium/url' });
    expect([preflight.status, plain.status]).toEqual([204, 404]);
  });
});
