/**
 * The site's runtime settings, read from /config.json. `npm run publish:site` writes that file from the stack it
 * publishes to (CloudFormation outputs on AWS, the local stack's ports locally), so one build serves every stage.
 * No DOM here: the publisher imports this module to check what it writes.
 */

/**
 * How the browser signs in. SRP keeps the password in the browser (AWS); cognito-local implements no SRP, so the
 * local stage's app client also allows USER_PASSWORD_AUTH and the local config selects it.
 */
export type AuthFlow = 'USER_SRP_AUTH' | 'USER_PASSWORD_AUTH';

export interface SiteConfig {
  stage: string;
  region: string;
  /** The HTTP API's base URL, without a trailing slash. */
  apiUrl: string;
  /** The distribution's URL (locally the local edge's), without a trailing slash: thumbnails are served there. */
  siteUrl: string;
  auth: {
    userPoolId: string;
    userPoolClientId: string;
    /** Set only where Cognito is not AWS's own endpoint (cognito-local). */
    endpoint?: string;
    flow: AuthFlow;
    /** Where a local developer finds the sign-up code (cognito-local sends no mail); absent on AWS. */
    codeHint?: string;
  };
  uploads: { maxBytes: number; types: string[] };
  thumbnails: { widths: number[]; format: string };
  /** Whether the stack takes analytics events (POST /events): the pages then send them (analytics.ts). */
  analytics: boolean;
  /**
   * The release keys clients trust (keyId → Ed25519 public key, SPKI PEM), from keys/<stage>/releases/. Absent when
   * the stage has none: the Downloads page then says downloads are unavailable.
   */
  releases?: { keys: Record<string, string> };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Json = Record<string, unknown>;

function object(value: unknown, where: string): Json {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
  throw new ConfigError(`${where} must be an object`);
}

function text(value: unknown, where: string): string {
  if (typeof value === 'string' && value.trim() !== '') return value;
  throw new ConfigError(`${where} must be a non-empty string`);
}

function url(value: unknown, where: string): string {
  const raw = text(value, where);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${where} must be an absolute URL, got ${raw}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new ConfigError(`${where} must be http(s)`);
  return raw.replace(/\/+$/, '');
}

function positiveInteger(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  throw new ConfigError(`${where} must be a positive integer`);
}

function flag(value: unknown, where: string): boolean {
  if (typeof value === 'boolean') return value;
  throw new ConfigError(`${where} must be true or false`);
}

function list<T>(value: unknown, where: string, item: (v: unknown, where: string) => T): T[] {
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError(`${where} must be a non-empty list`);
  return value.map((v, i) => item(v, `${where}[${i}]`));
}

// A key id names a file (keys/<stage>/releases/<keyId>.public.pem) and is compared with a manifest's keyId.
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const PUBLIC_KEY_PEM = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\r?\n?$/;

function releases(value: unknown): { keys: Record<string, string> } {
  const keys = object(object(value, 'releases').keys, 'releases.keys');
  const entries = Object.entries(keys);
  if (entries.length === 0) throw new ConfigError('releases.keys must name at least one key');
  for (const [keyId, pem] of entries) {
    if (!KEY_ID.test(keyId)) throw new ConfigError(`releases.keys: ${JSON.stringify(keyId)} is not a key id`);
    if (typeof pem !== 'string' || !PUBLIC_KEY_PEM.test(pem)) throw new ConfigError(`releases.keys.${keyId} must be a public key PEM`);
  }
  return { keys: Object.fromEntries(entries) as Record<string, string> };
}

/** Checks a parsed config.json; throws ConfigError naming the first field that is wrong. */
export function parseConfig(raw: unknown): SiteConfig {
  const config = object(raw, 'config');
  const auth = object(config.auth, 'auth');
  const uploads = object(config.uploads, 'uploads');
  const thumbnails = object(config.thumbnails, 'thumbnails');
  const flow = text(auth.flow, 'auth.flow');
  if (flow !== 'USER_SRP_AUTH' && flow !== 'USER_PASSWORD_AUTH') {
    throw new ConfigError(`auth.flow must be USER_SRP_AUTH or USER_PASSWORD_AUTH, got ${flow}`);
  }
  return {
    stage: text(config.stage, 'stage'),
    region: text(config.region, 'region'),
    apiUrl: url(config.apiUrl, 'apiUrl'),
    siteUrl: url(config.siteUrl, 'siteUrl'),
    auth: {
      userPoolId: text(auth.userPoolId, 'auth.userPoolId'),
      userPoolClientId: text(auth.userPoolClientId, 'auth.userPoolClientId'),
      ...(auth.endpoint === undefined ? {} : { endpoint: url(auth.endpoint, 'auth.endpoint') }),
      flow,
      ...(auth.codeHint === undefined ? {} : { codeHint: text(auth.codeHint, 'auth.codeHint') }),
    },
    uploads: {
      maxBytes: positiveInteger(uploads.maxBytes, 'uploads.maxBytes'),
      types: list(uploads.types, 'uploads.types', text),
    },
    thumbnails: {
      widths: list(thumbnails.widths, 'thumbnails.widths', positiveInteger),
      format: text(thumbnails.format, 'thumbnails.format'),
    },
    // Absent in a config.json written before the analytics existed: no events are sent.
    analytics: config.analytics === undefined ? false : flag(config.analytics, 'analytics'),
    // Absent where the stage has no release keys.
    ...(config.releases === undefined ? {} : { releases: releases(config.releases) }),
  };
}
