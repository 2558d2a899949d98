import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtChecker } from '../../../../scripts/local/api/jwt';

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
