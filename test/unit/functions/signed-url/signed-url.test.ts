/** The signed-url use cases with in-memory ports: the premium check and the content check before signing. */
import { generateKeyPairSync } from 'node:crypto';
import type { UserStore } from '../../../../functions/lib/users';
import { registerUser } from '../../../../functions/registration/registration';
import type { ContentStore } from '../../../../functions/signed-url/content-store';
import {
  issueCookies, issueUrl, parseCookiesRequest, parseUrlRequest, type Deps,
} from '../../../../functions/signed-url/signed-url';
import { refusal, rejection } from '../../../support/errors';
import { MemoryUsers } from '../../../support/users';

const NOW = Date.parse('2030-01-01T00:00:00Z');

const content: ContentStore = {
  exists: async (key) => key === 'premium/a.pdf',
  folderHasFiles: async (folder) => folder === 'premium/videos/intro/',
  presignGet: async (key, expiresIn) => `https://bucket.s3.amazonaws.com/${key}?X-Amz-Expires=${expiresIn}`,
};

function deps(users: UserStore, overrides: Partial<Deps> = {}): Deps {
  return {
    users,
    content,
    signingKey: async () => ({ keyPairId: 'K1', privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }),
    settings: { baseUrl: 'https://d.example', prefix: 'premium/', ipLock: false, expiry: { defaultSeconds: 300, minSeconds: 60, maxSeconds: 3600 } },
    delivery: 'cloudfront',
    cookie: { domain: '', secure: true, sameSite: 'Strict' },
    now: () => NOW,
    ...overrides,
  };
}

async function status(promise: Promise<unknown>): Promise<[number, string]> {
  const { statusCode, code } = await rejection(promise);
  return [statusCode, code];
}

describe('request bodies', () => {
  const { settings } = deps(new MemoryUsers());

  it('reads a URL request: the key without a leading slash, the default or a requested expiry', () => {
    expect(parseUrlRequest({ key: '/premium/a.pdf' }, settings)).toEqual({ key: 'premium/a.pdf', expiresIn: 300 });
    expect(parseUrlRequest({ key: 'premium/a.pdf', expiresIn: '120' }, settings)).toEqual({ key: 'premium/a.pdf', expiresIn: 120 });
  });

  it('reads a cookies request: the folder with its trailing slash', () => {
    expect(parseCookiesRequest({ folder: 'premium/videos/intro', expiresIn: 600 }, settings)).toEqual({ folder: 'premium/videos/intro/', expiresIn: 600 });
  });

  it.each([
    ['no key', () => parseUrlRequest({ folder: 'premium/videos/intro/' }, settings), 'invalid_content_key'],
    ['a key that is not a string', () => parseUrlRequest({ key: 42 }, settings), 'invalid_content_key'],
    ['an expiry below the bounds', () => parseUrlRequest({ key: 'premium/a.pdf', expiresIn: 5 }, settings), 'invalid_expiry'],
    ['an expiry that is no number', () => parseUrlRequest({ key: 'premium/a.pdf', expiresIn: 'soon' }, settings), 'invalid_expiry'],
    ['no folder', () => parseCookiesRequest({ key: 'premium/a.pdf' }, settings), 'invalid_content_key'],
    ['the premium prefix itself', () => parseCookiesRequest({ folder: 'premium/' }, settings), 'invalid_content_key'],
  ])('refuses %s with 400', (_, act, code) => {
    expect(refusal(act)).toEqual({ statusCode: 400, code });
  });
});

describe('issuing URLs and cookies', () => {
  const users = new MemoryUsers();
  beforeAll(async () => {
    await registerUser({ userId: 'free', email: 'f@example.com' }, users, new Date(NOW));
    await registerUser({ userId: 'paid', email: 'p@example.com' }, users, new Date(NOW));
    await registerUser({ userId: 'lapsed', email: 'l@example.com' }, users, new Date(NOW));
    await users.setPlan('paid', { plan: 'premium' }, '');
    await users.setPlan('lapsed', { plan: 'premium', premiumUntil: '2029-12-31T00:00:00Z' }, '');
  });
  const caller = (userId: string) => ({ userId, sourceIp: '203.0.113.9' });

  it('gives a premium user a URL and refuses free, lapsed and unknown users with 403', async () => {
    await expect(issueUrl(caller('paid'), { key: 'premium/a.pdf' }, deps(users))).resolves.toMatchObject({
      url: expect.stringMatching(/^https:\/\/d\.example\/premium\/a\.pdf\?Expires=1893456300&Key-Pair-Id=K1&Signature=/) as string,
      expiresAt: '2030-01-01T00:05:00.000Z',
    });
    for (const who of ['free', 'lapsed', 'ghost']) {
      expect(await status(issueUrl(caller(who), { key: 'premium/a.pdf' }, deps(users)))).toEqual([403, 'not_premium']);
    }
  });

  it('answers 400 for a bad key before the plan, and 404 for unknown content', async () => {
    expect(await status(issueUrl(caller('free'), { key: 'premium/../x' }, deps(users)))).toEqual([400, 'invalid_content_key']);
    expect(await status(issueUrl(caller('paid'), { key: 'premium/none.pdf' }, deps(users)))).toEqual([404, 'content_not_found']);
    expect(await status(issueCookies(caller('paid'), { folder: 'premium/videos/none' }, deps(users)))).toEqual([404, 'content_not_found']);
  });

  it('presigns S3 URLs in S3 mode and has no cookies there', async () => {
    const s3 = deps(users, { delivery: 's3' });
    await expect(issueUrl(caller('paid'), { key: 'premium/a.pdf', expiresIn: 120 }, s3)).resolves.toEqual({
      url: 'https://bucket.s3.amazonaws.com/premium/a.pdf?X-Amz-Expires=120',
      expiresAt: '2030-01-01T00:02:00.000Z',
    });
    expect(await status(issueCookies(caller('paid'), { folder: 'premium/videos/intro' }, s3))).toEqual([404, 'cookies_unavailable']);
    // No request is good on a stage without cookies: the answer does not depend on the folder.
    expect(await status(issueCookies(caller('paid'), { folder: 'premium/../x' }, s3))).toEqual([404, 'cookies_unavailable']);
  });
});
