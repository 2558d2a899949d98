/** The use cases behind POST /premium/url and POST /premium/cookies: premium check, content check, then signing. */
import { ForbiddenError, NotFoundError } from '../lib/errors';
import { isPremium, type UserStore } from '../lib/users';
import type { ContentStore } from './content-store';
import {
  resolveExpiry, signCookies, signUrl, validateContentFolder, validateContentKey,
  type CookieSettings, type SignedCookies, type SignedUrl, type SigningKey, type SigningSettings,
} from './signing';

export interface Caller {
  userId: string;
  sourceIp: string | undefined;
}

export interface Deps {
  users: UserStore;
  content: ContentStore;
  signingKey: () => Promise<SigningKey>;
  settings: SigningSettings;
  delivery: 'cloudfront' | 's3';
  cookie: CookieSettings;
  now: () => number;
}

async function requirePremium(caller: Caller, deps: Deps): Promise<void> {
  const user = await deps.users.get(caller.userId);
  if (!isPremium(user, deps.now())) throw new ForbiddenError('not_premium', 'Premium content needs an active premium plan');
}

export async function issueUrl(
  caller: Caller, request: { key?: unknown; expiresIn?: unknown }, deps: Deps,
): Promise<SignedUrl> {
  // Input first: a malformed request is the caller's error whatever their plan.
  const key = validateContentKey(request.key, deps.settings.prefix);
  const expiresIn = resolveExpiry(request.expiresIn, deps.settings.expiry);
  await requirePremium(caller, deps);
  if (!(await deps.content.exists(key))) throw new NotFoundError('content_not_found', 'No such premium content');
  const now = deps.now();
  if (deps.delivery === 's3') {
    const url = await deps.content.presignGet(key, expiresIn);
    return { url, expiresAt: new Date((Math.floor(now / 1000) + expiresIn) * 1000).toISOString() };
  }
  return signUrl(key, caller.sourceIp, now, expiresIn, deps.settings, await deps.signingKey());
}

export async function issueCookies(
  caller: Caller, request: { folder?: unknown; expiresIn?: unknown }, deps: Deps,
): Promise<SignedCookies> {
  if (deps.delivery === 's3') {
    throw new NotFoundError('cookies_unavailable', 'Signed cookies need CloudFront delivery; this stage serves premium content from S3');
  }
  const folder = validateContentFolder(request.folder, deps.settings.prefix);
  const expiresIn = resolveExpiry(request.expiresIn, deps.settings.expiry);
  await requirePremium(caller, deps);
  if (!(await deps.content.folderHasFiles(folder))) throw new NotFoundError('content_not_found', 'No such premium folder');
  return signCookies(folder, caller.sourceIp, deps.now(), expiresIn, deps.settings, await deps.signingKey(), deps.cookie);
}
