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

/** A request body as the body guard (lib/http.ts parseJsonObject) hands it over: a JSON object, fields unchecked. */
export type JsonObject = Readonly<Record<string, unknown>>;

export interface UrlRequest {
  key: string;
  expiresIn: number;
}

export interface CookiesRequest {
  folder: string;
  expiresIn: number;
}

/** `{ key, expiresIn? }`: a file below the premium prefix, and an expiry inside the stage's bounds. */
export function parseUrlRequest(body: JsonObject, settings: SigningSettings): UrlRequest {
  return { key: validateContentKey(body.key, settings.prefix), expiresIn: resolveExpiry(body.expiresIn, settings.expiry) };
}

/** `{ folder, expiresIn? }`: a folder below the premium prefix, and an expiry inside the stage's bounds. */
export function parseCookiesRequest(body: JsonObject, settings: SigningSettings): CookiesRequest {
  return { folder: validateContentFolder(body.folder, settings.prefix), expiresIn: resolveExpiry(body.expiresIn, settings.expiry) };
}

async function requirePremium(caller: Caller, deps: Deps): Promise<void> {
  const user = await deps.users.get(caller.userId);
  if (!isPremium(user, deps.now())) throw new ForbiddenError('not_premium', 'Premium content needs an active premium plan');
}

export async function issueUrl(caller: Caller, body: JsonObject, deps: Deps): Promise<SignedUrl> {
  // Input first: a malformed request is the caller's error whatever their plan.
  const { key, expiresIn } = parseUrlRequest(body, deps.settings);
  await requirePremium(caller, deps);
  if (!(await deps.content.exists(key))) throw new NotFoundError('content_not_found', 'No such premium content');
  const nowMs = deps.now();
  if (deps.delivery === 's3') {
    const url = await deps.content.presignGet(key, expiresIn);
    return { url, expiresAt: new Date((Math.floor(nowMs / 1000) + expiresIn) * 1000).toISOString() };
  }
  return signUrl({ key, sourceIp: caller.sourceIp, nowMs, expiresIn, settings: deps.settings, signingKey: await deps.signingKey() });
}

export async function issueCookies(caller: Caller, body: JsonObject, deps: Deps): Promise<SignedCookies> {
  // A stage without cookies has none for any request, well-formed or not.
  if (deps.delivery === 's3') {
    throw new NotFoundError('cookies_unavailable', 'Signed cookies need CloudFront delivery; this stage serves premium content from S3');
  }
  const { folder, expiresIn } = parseCookiesRequest(body, deps.settings);
  await requirePremium(caller, deps);
  if (!(await deps.content.folderHasFiles(folder))) throw new NotFoundError('content_not_found', 'No such premium folder');
  return signCookies({
    folder,
    cookie: deps.cookie,
    sourceIp: caller.sourceIp,
    nowMs: deps.now(),
    expiresIn,
    settings: deps.settings,
    signingKey: await deps.signingKey(),
  });
}
