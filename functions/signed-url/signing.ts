/**
 * The signing core: which content a premium user may ask for, for how long, and the CloudFront policy that says so.
 * Plain values in, plain values out; the private key and the object store come in as ports.
 */
import type { KeyObject } from 'node:crypto';
import { getSignedCookies, getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { ValidationError } from '../lib/errors';

export interface ExpiryBounds {
  defaultSeconds: number;
  minSeconds: number;
  maxSeconds: number;
}

export interface SigningSettings {
  /** `https://<distribution domain>` (no trailing slash): the address viewers fetch premium content from. */
  baseUrl: string;
  /** The key prefix the `/premium/*` behaviour serves, with a trailing slash, e.g. `premium/`. */
  prefix: string;
  expiry: ExpiryBounds;
  /** Lock each URL/cookie to the caller's IPv4 address (custom policy with `IpAddress`). */
  ipLock: boolean;
}

export interface SigningKey {
  keyPairId: string;
  /** Parsed once per container: the signer would otherwise re-parse a PEM string on every call. */
  privateKey: KeyObject;
}

// S3 accepts nearly any key, but every character outside this set needs percent-encoding in the URL and then must
// be encoded identically in the signed policy; refusing them is simpler and safer than matching CloudFront's
// normalisation. `..` and empty segments are refused so a key can never climb out of the premium prefix.
const KEY_CHARACTERS = /^[A-Za-z0-9._\-/]+$/;
const MAX_KEY_LENGTH = 512;

function checkPath(value: unknown, prefix: string, what: string): string {
  if (typeof value !== 'string' || value === '') throw new ValidationError('invalid_content_key', `${what} is required`);
  const path = value.replace(/^\/+/, '');
  if (path.length > MAX_KEY_LENGTH || !KEY_CHARACTERS.test(path)) {
    throw new ValidationError('invalid_content_key', `${what} may only contain letters, digits, '.', '_', '-' and '/'`);
  }
  const segments = path.split('/');
  if (segments.some((segment) => segment === '..' || segment === '.')) {
    throw new ValidationError('invalid_content_key', `${what} must not contain '.' or '..' segments`);
  }
  if (!path.startsWith(prefix)) throw new ValidationError('invalid_content_key', `${what} must be inside ${prefix}`);
  return path;
}

/** A premium object's key, e.g. `premium/guides/intro.pdf`. */
export function validateContentKey(value: unknown, prefix: string): string {
  const key = checkPath(value, prefix, 'key');
  if (key.endsWith('/') || key.includes('//')) throw new ValidationError('invalid_content_key', 'key must name a file');
  return key;
}

/** A premium folder, e.g. `premium/videos/intro/` (the trailing slash is added when missing). */
export function validateContentFolder(value: unknown, prefix: string): string {
  const folder = checkPath(value, prefix, 'folder');
  const withSlash = folder.endsWith('/') ? folder : `${folder}/`;
  if (withSlash.includes('//') || withSlash === prefix) {
    throw new ValidationError('invalid_content_key', 'folder must name a folder below the premium prefix');
  }
  return withSlash;
}

/** Seconds until the URL or cookie expires: the default, or a requested value inside the stage's bounds. */
export function resolveExpiry(requested: unknown, bounds: ExpiryBounds): number {
  if (requested === undefined || requested === null) return bounds.defaultSeconds;
  const seconds = typeof requested === 'string' && requested.trim() !== '' ? Number(requested) : requested;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < bounds.minSeconds || seconds > bounds.maxSeconds) {
    throw new ValidationError(
      'invalid_expiry',
      `expiresIn must be a whole number of seconds from ${bounds.minSeconds} to ${bounds.maxSeconds}`,
    );
  }
  return seconds;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * The `/32` for the caller. CloudFront matches `AWS:SourceIp` against IPv4 only, which is why the distribution runs
 * with IPv6 disabled when IP lock is on (DistributionConfig.IPV6Enabled: "if you're using a custom policy that
 * includes the IpAddress parameter … don't enable IPv6"). An IPv6 caller (possible only on a dual-stack API) cannot be
 * locked, so it is refused rather than given an unlocked URL.
 */
export function sourceCidr(sourceIp: string | undefined): string {
  if (sourceIp === undefined || !IPV4.test(sourceIp)) {
    throw new ValidationError('ipv4_required', 'IP-locked content needs an IPv4 caller address');
  }
  return `${sourceIp}/32`;
}

export interface PolicyInput {
  resource: string;
  expiresAt: number; // epoch seconds
  sourceCidr?: string;
}

/**
 * A custom policy (CloudFront Developer Guide, "Create a signed URL using a custom policy"), or undefined when a
 * canned policy says the same: one exact resource, no start time, no IP condition. Canned URLs are shorter and
 * CloudFront rebuilds their policy from the URL itself.
 */
export function buildPolicy(input: PolicyInput): string | undefined {
  const wildcard = input.resource.includes('*') || input.resource.includes('?');
  if (input.sourceCidr === undefined && !wildcard) return undefined;
  const condition: Record<string, unknown> = { DateLessThan: { 'AWS:EpochTime': input.expiresAt } };
  if (input.sourceCidr !== undefined) condition.IpAddress = { 'AWS:SourceIp': input.sourceCidr };
  return JSON.stringify({ Statement: [{ Resource: input.resource, Condition: condition }] });
}

// The signer's types say string | Buffer, but it hands the key to crypto's sign() as { key }, which takes a
// KeyObject too; passing the parsed key is what keeps issuance near the cost of one RSA signature (bench/signing.ts).
const asSignerKey = (key: KeyObject) => key as unknown as string;

/** What every signature needs besides the content it is for. */
export interface SigningInput {
  /** The caller's address (the API's request context), for IP lock. */
  sourceIp: string | undefined;
  nowMs: number;
  /** Seconds from now until the URL or cookies expire (resolveExpiry). */
  expiresIn: number;
  settings: SigningSettings;
  signingKey: SigningKey;
}

export interface SignedUrl {
  url: string;
  expiresAt: string;
}

export function signUrl({ key, sourceIp, nowMs, expiresIn, settings, signingKey }: SigningInput & { key: string }): SignedUrl {
  const expiresAt = Math.floor(nowMs / 1000) + expiresIn;
  const url = `${settings.baseUrl}/${key}`;
  const policy = buildPolicy({
    resource: url,
    expiresAt,
    sourceCidr: settings.ipLock ? sourceCidr(sourceIp) : undefined,
  });
  const credentials = { keyPairId: signingKey.keyPairId, privateKey: asSignerKey(signingKey.privateKey) };
  const signed = policy === undefined
    ? getSignedUrl({ ...credentials, url, dateLessThan: expiresAt * 1000 })
    : getSignedUrl({ ...credentials, url, policy });
  return { url: signed, expiresAt: new Date(expiresAt * 1000).toISOString() };
}

export interface CookieSettings {
  /** Domain attribute; empty for a host-only cookie (the distribution's own domain). */
  domain: string;
  secure: boolean;
  sameSite: 'Strict' | 'Lax' | 'None';
}

export interface SignedCookies {
  folder: string;
  expiresAt: string;
  /** Ready-made `Set-Cookie` values, one per cookie. */
  setCookies: string[];
}

/**
 * Signed cookies for every file below a folder: a custom policy with a wildcard resource (canned policies cannot
 * hold wildcards). Path limits each cookie to the folder, so the browser sends them only where they are valid.
 */
export function signCookies(
  { folder, cookie, sourceIp, nowMs, expiresIn, settings, signingKey }: SigningInput & { folder: string; cookie: CookieSettings },
): SignedCookies {
  const expiresAt = Math.floor(nowMs / 1000) + expiresIn;
  const policy = buildPolicy({
    resource: `${settings.baseUrl}/${folder}*`,
    expiresAt,
    sourceCidr: settings.ipLock ? sourceCidr(sourceIp) : undefined,
  });
  if (policy === undefined) throw new Error('a wildcard resource always needs a custom policy');
  const values = getSignedCookies({ keyPairId: signingKey.keyPairId, privateKey: asSignerKey(signingKey.privateKey), policy });
  const expires = new Date(expiresAt * 1000);
  const attributes = [
    `Path=/${folder}`,
    cookie.domain === '' ? undefined : `Domain=${cookie.domain}`,
    `Expires=${expires.toUTCString()}`,
    cookie.secure ? 'Secure' : undefined,
    'HttpOnly',
    `SameSite=${cookie.sameSite}`,
  ].filter((part): part is string => part !== undefined);
  const setCookies = Object.entries(values)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => [`${name}=${value}`, ...attributes].join('; '));
  return { folder, expiresAt: expires.toISOString(), setCookies };
}
