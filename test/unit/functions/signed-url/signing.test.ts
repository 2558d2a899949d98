/**
 * The signing core. Signatures are checked with node:crypto and the public key, following the CloudFront
 * Developer Guide, not with any code of the project: a bug in the production signing shows up here.
 */
import { createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import {
  buildPolicy, resolveExpiry, signCookies, signUrl, sourceCidr, validateContentFolder, validateContentKey,
  type SigningSettings,
} from '../../../../functions/signed-url/signing';
import { refusal as errorOf } from '../../../support/errors';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { keyPairId: 'K2TESTKEYID', privateKey };
const NOW = Date.parse('2030-01-01T00:00:00Z');
const settings: SigningSettings = {
  baseUrl: 'https://d111111abcdef8.cloudfront.net',
  prefix: 'premium/',
  ipLock: false,
  expiry: { defaultSeconds: 300, minSeconds: 60, maxSeconds: 3600 },
};

const fromUrlSafe = (value: string) => Buffer.from(value.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');

function verifies(policy: string, signature: string, key: KeyObject = publicKey): boolean {
  return verify('sha1', Buffer.from(policy), key, fromUrlSafe(signature));
}

describe('validateContentKey', () => {
  it.each(['premium/guides/intro.pdf', '/premium/v/a_b-c.1.m3u8'])('accepts %s', (key) => {
    expect(validateContentKey(key, 'premium/')).toBe(key.replace(/^\//, ''));
  });

  it.each([
    ['premium/../secret.txt', 'traversal'],
    ['premium/a/./b', 'dot segment'],
    ['public/file.txt', 'outside the prefix'],
    ['premium/a b.txt', 'a space'],
    ['premium/%2e%2e/x', 'percent-encoding'],
    ['premium/folder/', 'a folder'],
    ['premium//x', 'an empty segment'],
    ['', 'empty'],
    [42, 'not a string'],
    [`premium/${'a'.repeat(600)}`, 'too long'],
  ] as [unknown, string][])('refuses %p (%s) with 400 invalid_content_key', (key) => {
    const error = errorOf(() => validateContentKey(key, 'premium/'));
    expect([error.statusCode, error.code]).toEqual([400, 'invalid_content_key']);
  });
});

describe('validateContentFolder', () => {
  it('adds the trailing slash', () => {
    expect(validateContentFolder('premium/videos/intro', 'premium/')).toBe('premium/videos/intro/');
  });

  it.each(['premium/', 'premium', 'premium/../', 'premium/a//'])('refuses %p', (folder) => {
    expect(errorOf(() => validateContentFolder(folder, 'premium/')).statusCode).toBe(400);
  });
});

describe('resolveExpiry', () => {
  const bounds = settings.expiry;

  it('defaults to 300 seconds', () => {
    expect(resolveExpiry(undefined, bounds)).toBe(300);
  });

  it.each([60, 3600, '900'])('accepts %p inside the bounds', (value) => {
    expect(resolveExpiry(value, bounds)).toBe(Number(value));
  });

  it.each([59, 3601, 1.5, -1, 'soon', '', true])('refuses %p with 400 invalid_expiry', (value) => {
    const error = errorOf(() => resolveExpiry(value, bounds));
    expect([error.statusCode, error.code]).toEqual([400, 'invalid_expiry']);
  });
});

describe('buildPolicy', () => {
  it('leaves a plain URL to a canned policy', () => {
    expect(buildPolicy({ resource: 'https://d/premium/a.pdf', expiresAt: 100 })).toBeUndefined();
  });

  it('writes a custom policy with the caller /32 when IP-locked', () => {
    const policy = buildPolicy({ resource: 'https://d/premium/a.pdf', expiresAt: 100, sourceCidr: '203.0.113.7/32' });
    expect(JSON.parse(policy ?? '')).toEqual({
      Statement: [{
        Resource: 'https://d/premium/a.pdf',
        Condition: { DateLessThan: { 'AWS:EpochTime': 100 }, IpAddress: { 'AWS:SourceIp': '203.0.113.7/32' } },
      }],
    });
  });

  it('writes a custom policy for a wildcard resource', () => {
    const policy = JSON.parse(buildPolicy({ resource: 'https://d/premium/v/*', expiresAt: 100 }) ?? '') as unknown;
    expect(policy).toEqual({ Statement: [{ Resource: 'https://d/premium/v/*', Condition: { DateLessThan: { 'AWS:EpochTime': 100 } } }] });
  });
});

describe('sourceCidr', () => {
  it('locks an IPv4 caller to /32', () => expect(sourceCidr('198.51.100.4')).toBe('198.51.100.4/32'));
  it.each(['2001:db8::1', undefined, '999.1.1.1'])('refuses %p (no IPv4 to lock to)', (ip) => {
    expect(errorOf(() => sourceCidr(ip)).statusCode).toBe(400);
  });
});

describe('signUrl', () => {
  it('gives a canned-policy URL that expires in the requested seconds and verifies with the public key', () => {
    // Act
    const { url, expiresAt } = signUrl({ key: 'premium/a.pdf', sourceIp: '198.51.100.4', nowMs: NOW, expiresIn: 300, settings, signingKey });

    // Assess
    const parsed = new URL(url);
    const expires = Number(parsed.searchParams.get('Expires'));
    expect(expires).toBe(NOW / 1000 + 300);
    expect(expiresAt).toBe('2030-01-01T00:05:00.000Z');
    expect(parsed.searchParams.get('Key-Pair-Id')).toBe('K2TESTKEYID');
    expect(parsed.searchParams.has('Policy')).toBe(false);
    const canned = `{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/premium/a.pdf","Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
    expect(verifies(canned, parsed.searchParams.get('Signature') ?? '')).toBe(true);
    expect(verifies(canned.replace('a.pdf', 'b.pdf'), parsed.searchParams.get('Signature') ?? '')).toBe(false);
  });

  it('gives an IP-locked custom-policy URL when IP lock is on', () => {
    // Act
    const { url } = signUrl({
      key: 'premium/a.pdf', sourceIp: '198.51.100.4', nowMs: NOW, expiresIn: 60, settings: { ...settings, ipLock: true }, signingKey,
    });

    // Assess
    const parsed = new URL(url);
    const policy = fromUrlSafe(parsed.searchParams.get('Policy') ?? '').toString('utf8');
    expect(JSON.parse(policy)).toMatchObject({
      Statement: [{ Resource: 'https://d111111abcdef8.cloudfront.net/premium/a.pdf', Condition: { IpAddress: { 'AWS:SourceIp': '198.51.100.4/32' } } }],
    });
    expect(verifies(policy, parsed.searchParams.get('Signature') ?? '')).toBe(true);
    expect(verifies(policy, parsed.searchParams.get('Signature') ?? '', createPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' })))).toBe(false);
  });
});

describe('signCookies', () => {
  it('sets the three CloudFront cookies for the folder with a wildcard policy and the cookie attributes', () => {
    // Act
    const cookies = signCookies({
      folder: 'premium/videos/intro/',
      cookie: { domain: 'example.com', secure: true, sameSite: 'Strict' },
      sourceIp: undefined,
      nowMs: NOW,
      expiresIn: 600,
      settings,
      signingKey,
    });

    // Assess
    const byName = new Map(cookies.setCookies.map((line) => [line.slice(0, line.indexOf('=')), line]));
    expect([...byName.keys()].sort()).toEqual(['CloudFront-Key-Pair-Id', 'CloudFront-Policy', 'CloudFront-Signature']);
    for (const line of cookies.setCookies) {
      expect(line).toContain('; Path=/premium/videos/intro/; Domain=example.com; Expires=Tue, 01 Jan 2030 00:10:00 GMT; Secure; HttpOnly; SameSite=Strict');
    }
    const value = (name: string) => (byName.get(name) ?? '').split(';')[0]?.split('=')[1] ?? '';
    const policy = fromUrlSafe(value('CloudFront-Policy')).toString('utf8');
    expect(JSON.parse(policy)).toEqual({
      Statement: [{ Resource: 'https://d111111abcdef8.cloudfront.net/premium/videos/intro/*', Condition: { DateLessThan: { 'AWS:EpochTime': NOW / 1000 + 600 } } }],
    });
    expect(verifies(policy, value('CloudFront-Signature'))).toBe(true);
  });
});
