/**
 * Paid content end to end on the local stack: cognito-local (sign-up, confirmation, tokens), the registration trigger
 * through serverless-offline's Lambda API, DynamoDB Local, the signed-URL function, s3rver and the local edge.
 * Signatures of issued URLs are checked with node:crypto and the template's public key, not with project code.
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  AdminAddUserToGroupCommand, AdminCreateUserCommand, AdminSetUserPasswordCommand,
  ConfirmSignUpCommand, InitiateAuthCommand, SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ROOT } from '../../scripts/local/service-config';
import { TEST_PORT_OFFSET } from './global-setup';
import { CLIENT_ID, cognito, ISSUER, issuerKey, signJwt, strangerKey, USER_POOL_ID as POOL_ID } from './cognito';
import { apiUrl, dynamodb, s3, siteUrl } from './local';

const USERS_TABLE = 'serverless-blog-local-users-table';
const PREMIUM_BUCKET = 'serverless-blog-local-premium-bucket';
const PASSWORD = 'Correct-Horse-42';
const run = Date.now().toString(36);
const email = `reader-${run}@example.com`;
const adminEmail = `admin-${run}@example.com`;

const fromUrlSafe = (value: string) => Buffer.from(value.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');
/** A token as cognito-local would issue it (its signing key ships in its package), or signed by `key`. */
const cognitoLocalToken = (claims: Record<string, unknown>, key = issuerKey): string =>
  signJwt({ alg: 'RS256', typ: 'JWT', kid: 'CognitoLocal' }, claims, key);

async function signIn(username: string): Promise<string> {
  const out = await cognito.send(new InitiateAuthCommand({
    ClientId: CLIENT_ID, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD },
  }));
  return out.AuthenticationResult?.AccessToken ?? '';
}

/** The confirmation code cognito-local "mails" by printing it to its log. */
function confirmationCode(): string {
  const log = readFileSync(path.join(ROOT, '.local', `test-${TEST_PORT_OFFSET}`, 'logs', 'cognito.log'), 'utf8');
  const section = log.slice(log.lastIndexOf(email));
  const code = /Code:\s*│?\s*(\d{6})/.exec(section)?.[1] ?? /(\d{6})/.exec(section)?.[1];
  if (!code) throw new Error('no confirmation code in cognito-local log');
  return code;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): unknown;
}

/** node:http rather than fetch: at some port offsets the API port is on fetch's "bad ports" list (6000). */
function api(route: string, token: string | undefined, body: unknown, method = 'POST'): Promise<Answer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(`${apiUrl}${route}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
    }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** GET through the local edge from a chosen loopback address (the edge sees it as the viewer's IP), with an optional Host. */
function edgeGet(url: string, { from = '127.0.0.1', cookie, host }: { from?: string; cookie?: string; host?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...(cookie ? { cookie } : {}), ...(host ? { host } : {}) };
    const req = http.get(url, { localAddress: from, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

const publicKey = () => createPublicKey(readFileSync(path.join(ROOT, 'keys', 'local', 'key-1.public.pem')));

describe('paid content', () => {
  let userToken = '';
  let adminToken = '';
  let userId = '';

  beforeAll(async () => {
    // Prepare: premium files, and an admin (operators create admins; they need no UsersTable row)
    const files: Record<string, string> = {
      'premium/guides/intro.txt': 'premium guide',
      'premium/videos/intro/index.m3u8': '#EXTM3U intro',
      'premium/videos/intro/seg-1.ts': 'segment one',
      'premium/videos/other/index.m3u8': '#EXTM3U other',
    };
    for (const [Key, Body] of Object.entries(files)) {
      await s3.send(new PutObjectCommand({ Bucket: PREMIUM_BUCKET, Key, Body, ContentType: 'text/plain' }));
    }
    await cognito.send(new AdminCreateUserCommand({ UserPoolId: POOL_ID, Username: adminEmail, MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: adminEmail }] }));
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: POOL_ID, Username: adminEmail, Password: PASSWORD, Permanent: true }));
    await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: POOL_ID, Username: adminEmail, GroupName: 'admins' }));
    adminToken = await signIn(adminEmail);
  }, 60_000);

  it('signs a visitor up, and the confirmation records them as a free user', async () => {
    // Act
    await cognito.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
    await cognito.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: email, ConfirmationCode: confirmationCode() }));

    // Assess
    const { Items } = await dynamodb.send(new QueryCommand({
      TableName: USERS_TABLE, IndexName: 'byEmail', KeyConditionExpression: 'email = :e', ExpressionAttributeValues: { ':e': { S: email } },
    }));
    expect(Items).toHaveLength(1);
    userId = Items?.[0]?.userId?.S ?? '';
    const { Item } = await import('@aws-sdk/lib-dynamodb').then(({ DynamoDBDocumentClient, GetCommand }) =>
      DynamoDBDocumentClient.from(dynamodb).send(new GetCommand({ TableName: USERS_TABLE, Key: { userId } })));
    expect(Item).toMatchObject({ userId, email, plan: 'free', createdAt: expect.stringMatching(/^\d{4}-/) as string });
    userToken = await signIn(email);
    expect((JSON.parse(Buffer.from(userToken.split('.')[1] ?? '', 'base64url').toString()) as { sub?: string }).sub).toBe(userId);
  }, 30_000);

  it('refuses a free user with 403', async () => {
    const response = await api('/premium/url', userToken, { key: 'premium/guides/intro.txt' });
    expect(response.status).toBe(403);
    expect(response.json()).toEqual({ error: { code: 'not_premium', message: expect.any(String) as string } });
  });

  it('lets only an admin set the plan', async () => {
    // Act
    const byUser = await api(`/users/${userId}/plan`, userToken, { plan: 'premium' }, 'PUT');
    const byAdmin = await api(`/users/${userId}/plan`, adminToken, { plan: 'premium' }, 'PUT');

    // Assess
    expect(byUser.status).toBe(403);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.json()).toMatchObject({ userId, plan: 'premium' });
  });

  it('gives a premium user a 5-minute URL, IP-locked, that fetches the content through the local edge', async () => {
    // Act
    const response = await api('/premium/url', userToken, { key: 'premium/guides/intro.txt' });

    // Assess
    expect(response.status).toBe(200);
    const { url, expiresAt } = (response.json()) as { url: string; expiresAt: string };
    const seconds = (Date.parse(expiresAt) - Date.now()) / 1000;
    expect(seconds).toBeGreaterThan(290);
    expect(seconds).toBeLessThanOrEqual(300);
    const parsed = new URL(url);
    expect(`${parsed.origin}${parsed.pathname}`).toBe(`${siteUrl}/premium/guides/intro.txt`);
    const policy = fromUrlSafe(parsed.searchParams.get('Policy') ?? '').toString();
    expect(JSON.parse(policy)).toEqual({ Statement: [{
      Resource: `${siteUrl}/premium/guides/intro.txt`,
      Condition: { DateLessThan: { 'AWS:EpochTime': Date.parse(expiresAt) / 1000 }, IpAddress: { 'AWS:SourceIp': '127.0.0.1/32' } },
    }] });
    expect(verify('sha1', Buffer.from(policy), publicKey(), fromUrlSafe(parsed.searchParams.get('Signature') ?? ''))).toBe(true);
    expect(await edgeGet(url)).toEqual({ status: 200, body: 'premium guide' });
  });

  it('refuses through the edge: no signature, a tampered signature, another IP, an expired URL', async () => {
    // Prepare
    const { url } = (await api('/premium/url', userToken, { key: 'premium/guides/intro.txt', expiresIn: 60 })).json() as { url: string };
    const tampered = new URL(url);
    const signature = tampered.searchParams.get('Signature') ?? '';
    tampered.searchParams.set('Signature', `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`);
    const expired = new URL(url);
    const policy = JSON.stringify({ Statement: [{ Resource: `${siteUrl}/premium/guides/intro.txt`, Condition: { DateLessThan: { 'AWS:EpochTime': Math.floor(Date.now() / 1000) - 1 } } }] });
    const privatePem = readFileSync(path.join(ROOT, '.local', 'keys', 'local', 'key-1.private.pem'));
    expired.searchParams.set('Policy', Buffer.from(policy).toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~'));
    expired.searchParams.set('Signature', sign('sha1', Buffer.from(policy), createPrivateKey(privatePem)).toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~'));

    // Act + Assess
    expect((await edgeGet(`${siteUrl}/premium/guides/intro.txt`)).status).toBe(403);
    expect((await edgeGet(tampered.toString())).status).toBe(403);
    expect((await edgeGet(url, { from: '127.0.0.2' })).status).toBe(403);
    expect((await edgeGet(expired.toString())).status).toBe(403);
    expect((await edgeGet(url)).status).toBe(200);
  });

  it('answers 400 for traversal and bad expiry, 404 for unknown content', async () => {
    const traversal = await api('/premium/url', userToken, { key: 'premium/../secret.txt' });
    const expiry = await api('/premium/url', userToken, { key: 'premium/guides/intro.txt', expiresIn: 999999 });
    const unknown = await api('/premium/url', userToken, { key: 'premium/guides/none.txt' });
    expect([traversal.status, expiry.status, unknown.status]).toEqual([400, 400, 404]);
    expect(traversal.json()).toEqual({ error: { code: 'invalid_content_key', message: expect.any(String) as string } });
    expect(((unknown.json()) as { error: { code: string } }).error.code).toBe('content_not_found');
  });

  it('sets signed cookies that open two files of the folder and not a file of another folder', async () => {
    // Act
    const response = await api('/premium/cookies', userToken, { folder: 'premium/videos/intro' });

    // Assess
    expect(response.status).toBe(200);
    const setCookies = response.headers['set-cookie'] ?? [];
    expect(setCookies.map((line) => line.split('=')[0]).sort()).toEqual(['CloudFront-Key-Pair-Id', 'CloudFront-Policy', 'CloudFront-Signature']);
    // serverless-offline re-serialises Set-Cookie (attribute order, an added Max-Age): compare attributes as a set.
    for (const line of setCookies) {
      const attributes = line.split(';').slice(1).map((part) => part.trim().split('=')[0]);
      expect(line).toContain('Path=/premium/videos/intro/');
      expect(line).toContain('SameSite=Strict');
      expect(attributes).toEqual(expect.arrayContaining(['Expires', 'HttpOnly']));
      expect(attributes).not.toContain('Secure'); // the local edge speaks http (premiumCookieSecure: 'false' on local)
    }
    const cookie = setCookies.map((line) => line.split(';')[0]).join('; ');
    expect(await edgeGet(`${siteUrl}/premium/videos/intro/index.m3u8`, { cookie })).toEqual({ status: 200, body: '#EXTM3U intro' });
    expect(await edgeGet(`${siteUrl}/premium/videos/intro/seg-1.ts`, { cookie })).toEqual({ status: 200, body: 'segment one' });
    expect((await edgeGet(`${siteUrl}/premium/videos/other/index.m3u8`, { cookie })).status).toBe(403);
  });

  it('refuses the folder cookies for another folder under a Host crafted to make the URL begin with their folder', async () => {
    // Prepare: cookies for http://127.0.0.1:<edge>/premium/videos/intro/*
    const response = await api('/premium/cookies', userToken, { folder: 'premium/videos/intro' });
    const cookie = (response.headers['set-cookie'] ?? []).map((line) => line.split(';')[0]).join('; ');
    const crafted = `${new URL(siteUrl).host}/premium/videos/intro/`;

    // Act
    const otherFolder = await edgeGet(`${siteUrl}/premium/videos/other/index.m3u8`, { cookie, host: crafted });
    const ownFolder = await edgeGet(`${siteUrl}/premium/videos/intro/index.m3u8`, { cookie });

    // Assess
    expect(otherFolder.status).toBe(403);
    expect(otherFolder.body).not.toContain('#EXTM3U other');
    expect(ownFolder).toEqual({ status: 200, body: '#EXTM3U intro' });
  });

  it('refuses a signed URL under a Host that is not the edge\'s, and an unsigned //premium path', async () => {
    // Prepare
    const { url } = (await api('/premium/url', userToken, { key: 'premium/guides/intro.txt' })).json() as { url: string };

    // Act
    const foreignHost = await edgeGet(url, { host: 'evil.example' });
    const doubleSlash = await edgeGet(`${siteUrl}//premium/guides/intro.txt`);

    // Assess
    expect(foreignHost.status).toBe(403);
    expect(doubleSlash.status).toBe(404); // the content bucket has no key "/premium/guides/intro.txt"
    expect(doubleSlash.body).not.toContain('premium guide');
  });

  describe('tokens', () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = () => ({ sub: userId, client_id: CLIENT_ID, token_use: 'access', iss: ISSUER, iat: now, exp: now + 600 });

    it('answers 401 without a token', async () => {
      expect((await api('/premium/url', undefined, { key: 'premium/guides/intro.txt' })).status).toBe(401);
    });

    it('answers 401 for an expired token and one for another client', async () => {
      const expired = cognitoLocalToken({ ...claims(), iat: now - 7200, exp: now - 3600 });
      const otherClient = cognitoLocalToken({ ...claims(), client_id: 'someotherclient' });
      expect((await api('/premium/url', expired, { key: 'premium/guides/intro.txt' })).status).toBe(401);
      expect((await api('/premium/url', otherClient, { key: 'premium/guides/intro.txt' })).status).toBe(401);
    });

    it('answers 401 for a forged token (signed with another key)', async () => {
      const forged = cognitoLocalToken(claims(), strangerKey);
      const response = await api('/premium/url', forged, { key: 'premium/guides/intro.txt' });
      expect([response.status, response.json()]).toEqual([401, { message: 'Unauthorized' }]);
    });
  });

  it('npm run plan sets a plan by e-mail against the local stack', async () => {
    // Act
    const { stdout } = await promisify(execFile)(process.execPath, [require.resolve('tsx/cli'), 'scripts/plan.ts', '--stage', 'local', '--email', email, '--plan', 'free'], {
      cwd: ROOT, env: process.env,
    });

    // Assess
    expect(JSON.parse(stdout)).toMatchObject({ userId, plan: 'free' });
    expect((await api('/premium/url', userToken, { key: 'premium/guides/intro.txt' })).status).toBe(403);
  }, 60_000);
});
