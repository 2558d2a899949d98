/**
 * Odd request bodies through the real local API (API front → serverless-offline → the bundled functions): every
 * JSON body route answers 400 with the stable error shape, never a 500; routes that take no body keep working.
 * Signed-in routes get a real token from cognito-local; the plan route's caller is in the admins group.
 */
import http from 'node:http';
import { CLIENT_ID, createUser, ISSUER, issuerKey, signJwt } from './cognito';
import { apiUrl } from './local';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  json(): unknown;
}

/**
 * node:http rather than fetch: at some port offsets the API port is on fetch's "bad ports" list (6000). A body always
 * goes with its Content-Length: node:http frames no DELETE body by itself, and the server would read it as the next
 * request.
 */
function send(method: string, route: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = http.request(`${apiUrl}${route}`, { method, headers: { ...headers, ...length } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json: () => JSON.parse(text) as unknown }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const USER_ID = '0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11';
const ROUTES = [
  { method: 'POST', route: '/subscriptions', as: 'anyone' },
  { method: 'POST', route: '/uploads', as: 'reader' },
  { method: 'POST', route: '/premium/url', as: 'reader' },
  { method: 'POST', route: '/premium/cookies', as: 'reader' },
  { method: 'PUT', route: `/users/${USER_ID}/plan`, as: 'admin' },
] as const;

/**
 * What is sent, and the code the function answers. serverless-offline replaces a JSON body whose value is falsy
 * by `null` and a JSON string by its unquoted text (it parses application/json bodies and hands the parsed value
 * on), so for `null` and `"x"` the local answer is body_required / invalid_json where API Gateway's event gives
 * body_not_object: each is still a 400 with the error shape.
 */
const BODIES: { name: string; contentType?: string; body?: string; codes: string[] }[] = [
  { name: 'an empty POST', codes: ['body_required'] },
  { name: 'an empty application/json body', contentType: 'application/json', body: '', codes: ['body_required'] },
  { name: 'null', contentType: 'application/json', body: 'null', codes: ['body_required', 'body_not_object'] },
  { name: '[]', contentType: 'application/json', body: '[]', codes: ['body_not_object'] },
  { name: '"x"', contentType: 'application/json', body: '"x"', codes: ['invalid_json', 'body_not_object'] },
  { name: '42', contentType: 'application/json', body: '42', codes: ['body_not_object'] },
  { name: 'true', contentType: 'application/json; charset=utf-8', body: 'true', codes: ['body_not_object'] },
  { name: 'a text/plain object', contentType: 'text/plain', body: '{"email":"a@example.com"}', codes: ['unsupported_content_type'] },
  { name: 'a form', contentType: 'application/x-www-form-urlencoded', body: 'email=a%40example.com', codes: ['unsupported_content_type'] },
  { name: 'a multipart form', contentType: 'multipart/form-data; boundary=b', body: '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n', codes: ['unsupported_content_type'] },
];

describe('JSON bodies on the local API', () => {
  const tokens: Record<(typeof ROUTES)[number]['as'], string | undefined> = { anyone: undefined, reader: '', admin: '' };

  beforeAll(async () => {
    tokens.reader = (await createUser()).accessToken;
    tokens.admin = (await createUser({ groups: ['admins'] })).accessToken;
  }, 60_000);

  describe.each(ROUTES)('$method $route', ({ method, route, as }) => {
    it.each(BODIES)('answers $name with 400 and the error shape', async ({ contentType, body, codes }) => {
      // Prepare
      const token = tokens[as];
      const headers: Record<string, string> = {
        ...(contentType === undefined ? {} : { 'content-type': contentType }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      };

      // Act
      const answer = await send(method, route, headers, body);

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      const { error } = answer.json() as { error: { code: string; message: string } };
      expect(Object.keys(answer.json() as object)).toEqual(['error']);
      expect(codes).toContain(error.code);
      expect(error.message).toEqual(expect.any(String));
    });
  });

  it('still takes the JSON the web app sends', async () => {
    // Act
    const answer = await send(
      'POST',
      '/uploads',
      { 'content-type': 'application/json', authorization: `Bearer ${tokens.reader!}` },
      JSON.stringify({ contentType: 'image/png', size: 1234 }),
    );

    // Assess
    expect(answer.status).toBe(201);
    expect(answer.json()).toMatchObject({ maxBytes: 1234 });
  });

  it('answers GET /me with a verified token that has no sub with 401, not 500', async () => {
    // Prepare: cognito-local's own key signs it, so the authorizer lets it through as API Gateway's would
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt(
      { alg: 'RS256', typ: 'JWT', kid: 'CognitoLocal' },
      { iss: ISSUER, client_id: CLIENT_ID, token_use: 'access', scope: 'aws.cognito.signin.user.admin', iat: now, exp: now + 600 },
      issuerKey,
    );

    // Act
    const answer = await send('GET', '/me', { authorization: `Bearer ${token}` });

    // Assess
    expect(answer.status).toBe(401);
    expect(answer.json()).toEqual({ error: { code: 'unauthorized', message: 'The token has no subject' } });
  });

  it.each([
    ['GET', '/subscriptions/not-a-token/unsubscribe', {}, undefined, 200],
    ['POST', '/subscriptions/not-a-token/unsubscribe', {}, undefined, 200],
    // A mail client's one-click unsubscribe (RFC 8058) posts this form; the body is never read.
    ['POST', '/subscriptions/not-a-token/unsubscribe', { 'content-type': 'application/x-www-form-urlencoded' }, 'List-Unsubscribe=One-Click', 200],
    ['DELETE', '/subscriptions/not-a-token', {}, undefined, 404],
    ['DELETE', '/subscriptions/not-a-token', { 'content-type': 'application/json' }, 'null', 404],
  ])('answers %s %s (headers %p, body %p) with %i', async (method, route, headers, body, status) => {
    const answer = await send(method, route, headers, body);
    expect(answer.status).toBe(status);
  });
});
