/**
 * Release manifests: what a version of a channel is (file, size, SHA-256), signed with Ed25519 so that a client trusts
 * the bytes it downloads from the CDN only as far as it trusts the release key, never the CDN or the bucket.
 *
 * The signed document is an envelope whose `payload` is the manifest's exact JSON bytes (base64url), as JWS does: the
 * signature covers bytes, so no JSON canonicalisation is needed and a re-serialised or re-ordered manifest cannot pass.
 * Web Crypto only (Ed25519 is in Node 20 and in every current browser), so the publisher, the command-line client and
 * the Downloads page share this module.
 */
import compareVersions from 'semver/functions/compare';
import parseVersion from 'semver/functions/parse';

/** Bumped when a field changes meaning; a client refuses a format it does not know. */
export const MANIFEST_FORMAT = 1;

/** What one published version is. The key of the file is derived from channel, version and file (releaseKeys). */
export interface ReleaseManifest {
  format: typeof MANIFEST_FORMAT;
  channel: string;
  /** Semantic version (semver.org 2.0.0), without a leading `v`. */
  version: string;
  /** The file's name, also the last segment of its key. */
  file: string;
  size: number;
  /** Lower-case hex SHA-256 of the whole file. */
  sha256: string;
  /** ISO 8601, when the version was first published. */
  releasedAt: string;
  /** ISO 8601, when this signature was made (a rollback re-signs an older version). */
  signedAt: string;
  /** ISO 8601: a client refuses the manifest after it, so a stale copy cannot be replayed for ever (a freeze attack). */
  expiresAt: string;
  /** Which release key signed it (its name under keys/<stage>/), so keys can be rotated. */
  keyId: string;
}

/** The signed document: `releases/<channel>/<version>/manifest.json` and `releases/<channel>/latest.json`. */
export interface SignedManifest {
  payload: string;
  signature: string;
  keyId: string;
}

/** Why a manifest or a file is refused; `code` is stable (tests, messages), `message` is for a person. */
export class ReleaseVerificationError extends Error {
  override readonly name = 'ReleaseVerificationError';
  constructor(
    readonly code:
      | 'malformed' | 'unknown-key' | 'bad-signature' | 'unknown-format' | 'wrong-channel' | 'expired'
      | 'not-yet-valid' | 'rollback' | 'size-mismatch' | 'hash-mismatch',
    message: string,
  ) {
    super(message);
  }
}

// Channel and file names become S3 keys and URL path segments: a conservative alphabet, so no encoding question
// arises between the publisher, the CDN and the client.
const CHANNEL = /^[a-z0-9][a-z0-9-]{0,39}$/;
const FILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const SHA256 = /^[0-9a-f]{64}$/;

export const isChannel = (value: string): boolean => CHANNEL.test(value);
export const isFileName = (value: string): boolean => FILE.test(value) && !value.includes('..');

/** The normalised semantic version, or undefined when it is not one (a leading `v` is not accepted). */
export function normalVersion(value: string): string | undefined {
  const parsed = parseVersion(value);
  return parsed !== null && parsed.version === value ? parsed.version : undefined;
}

/** semver precedence: negative when a is older than b, 0 when equal (build metadata is ignored, as semver says). */
export const compareReleaseVersions = (a: string, b: string): number => compareVersions(a, b);

/** Where a release lives, in the ReleasesBucket and below the distribution's `/releases/*` behaviour. */
export const releaseKeys = {
  file: (channel: string, version: string, file: string) => `releases/${channel}/${version}/${file}`,
  manifest: (channel: string, version: string) => `releases/${channel}/${version}/manifest.json`,
  latest: (channel: string) => `releases/${channel}/latest.json`,
  /** The channel's versions, newest first (a signed ReleaseIndex). */
  index: (channel: string) => `releases/${channel}/index.json`,
  /** Every channel (a signed ChannelList). */
  channels: () => 'releases/channels.json',
};

/**
 * Cache-Control of each kind of object: a version's file and manifest never change (their key names the version), so
 * a year; the pointers change on every release, so a minute at most (the behaviour's cache policy honours both).
 */
export const CACHE_CONTROL = {
  immutable: 'public, max-age=31536000, immutable',
  pointer: 'public, max-age=60',
};

/** One version in a channel's index. */
export interface IndexEntry {
  version: string;
  file: string;
  size: number;
  sha256: string;
  releasedAt: string;
}

export interface ReleaseIndex {
  format: typeof MANIFEST_FORMAT;
  kind: 'index';
  channel: string;
  /** Newest first. */
  versions: IndexEntry[];
  /** The version latest.json points at (after a rollback, not the newest). */
  latest: string;
  signedAt: string;
  expiresAt: string;
  keyId: string;
}

export interface ChannelList {
  format: typeof MANIFEST_FORMAT;
  kind: 'channels';
  channels: string[];
  signedAt: string;
  expiresAt: string;
  keyId: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new ReleaseVerificationError('malformed', 'not base64url');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** A Web Crypto key (spelled through the API, so that Node's types and the DOM's agree). */
export type ReleaseKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** A private key for signing from its PKCS #8 PEM (what Secrets Manager holds). */
export async function importSigningKey(privatePem: string): Promise<ReleaseKey> {
  return crypto.subtle.importKey('pkcs8', pemBody(privatePem, 'PRIVATE KEY'), { name: 'Ed25519' }, false, ['sign']);
}

/** A public key for verifying from its SPKI PEM (what is published with the site). */
export async function importVerifyKey(publicPem: string): Promise<ReleaseKey> {
  return crypto.subtle.importKey('spki', pemBody(publicPem, 'PUBLIC KEY'), { name: 'Ed25519' }, false, ['verify']);
}

function pemBody(pem: string, label: string): Uint8Array<ArrayBuffer> {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!match?.[1]) throw new Error(`not a ${label} PEM`);
  return Uint8Array.from(atob(match[1].replace(/\s+/g, '')), (c) => c.charCodeAt(0));
}

/** Signs any of the release documents (its `keyId` must name the key). */
export async function signDocument<T extends { keyId: string }>(document: T, key: ReleaseKey): Promise<SignedManifest> {
  const payload = encoder.encode(JSON.stringify(document));
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, payload));
  return { payload: toBase64Url(payload), signature: toBase64Url(signature), keyId: document.keyId };
}

// ---------------------------------------------------------------------------------------------------------------
// Verification

export interface VerifyOptions {
  /** keyId → public key. Several while a key is being rotated. */
  keys: ReadonlyMap<string, ReleaseKey>;
  now?: Date;
  /** How far a clock may be behind the signer's before `signedAt` is in its future. */
  clockSkewMs?: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isInstant = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value));

/** Checks the envelope and the signature; returns the signed JSON, parsed, without looking at its fields. */
async function verifiedPayload(signed: unknown, options: VerifyOptions): Promise<Record<string, unknown>> {
  if (!isRecord(signed) || typeof signed.payload !== 'string' || typeof signed.signature !== 'string'
    || typeof signed.keyId !== 'string') {
    throw new ReleaseVerificationError('malformed', 'not a signed release document');
  }
  const key = options.keys.get(signed.keyId);
  if (!key) throw new ReleaseVerificationError('unknown-key', `signed with ${signed.keyId}, which this client does not trust`);
  const payload = fromBase64Url(signed.payload);
  const signature = fromBase64Url(signed.signature);
  const valid = signature.length === 64
    && await crypto.subtle.verify({ name: 'Ed25519' }, key, signature as Uint8Array<ArrayBuffer>, payload as Uint8Array<ArrayBuffer>);
  if (!valid) throw new ReleaseVerificationError('bad-signature', 'the signature does not match');
  let document: unknown;
  try {
    document = JSON.parse(decoder.decode(payload));
  } catch {
    throw new ReleaseVerificationError('malformed', 'the signed payload is not JSON');
  }
  if (!isRecord(document)) throw new ReleaseVerificationError('malformed', 'the signed payload is not an object');
  // The outer keyId is only a hint for choosing the key; the signed one must agree with it.
  if (document.keyId !== signed.keyId) throw new ReleaseVerificationError('malformed', 'keyId differs from the signed one');
  if (document.format !== MANIFEST_FORMAT) {
    throw new ReleaseVerificationError('unknown-format', `format ${String(document.format)} is not one this client reads`);
  }
  checkValidity(document, options);
  return document;
}

function checkValidity(document: Record<string, unknown>, options: VerifyOptions): void {
  if (!isInstant(document.signedAt) || !isInstant(document.expiresAt)) {
    throw new ReleaseVerificationError('malformed', 'signedAt and expiresAt must be ISO 8601 instants');
  }
  const now = (options.now ?? new Date()).getTime();
  if (Date.parse(document.expiresAt) <= now) {
    throw new ReleaseVerificationError('expired', `the manifest expired at ${document.expiresAt}`);
  }
  if (Date.parse(document.signedAt) > now + (options.clockSkewMs ?? 5 * 60_000)) {
    throw new ReleaseVerificationError('not-yet-valid', `the manifest is signed in the future (${document.signedAt})`);
  }
}

function checkManifestFields(value: Record<string, unknown>): ReleaseManifest {
  const { channel, version, file, size, sha256, releasedAt } = value;
  const ok = typeof channel === 'string' && isChannel(channel)
    && typeof version === 'string' && normalVersion(version) !== undefined
    && typeof file === 'string' && isFileName(file)
    && typeof size === 'number' && Number.isSafeInteger(size) && size >= 0
    && typeof sha256 === 'string' && SHA256.test(sha256)
    && isInstant(releasedAt);
  if (!ok) throw new ReleaseVerificationError('malformed', 'the manifest lacks a valid channel, version, file, size, sha256 or releasedAt');
  return value as unknown as ReleaseManifest;
}

/**
 * A manifest the client may act on: signed by a trusted key, of a known format, for the channel asked for, not
 * expired, and — when the client has a version already — not older than it (a rollback attack: an attacker, or a
 * stale cache, serving an old but validly signed manifest). An equal version is accepted: the client has it already.
 */
export async function verifyManifest(
  signed: unknown,
  options: VerifyOptions & { channel: string; installedVersion?: string },
): Promise<ReleaseManifest> {
  const manifest = checkManifestFields(await verifiedPayload(signed, options));
  if (manifest.channel !== options.channel) {
    throw new ReleaseVerificationError('wrong-channel', `the manifest is for channel ${manifest.channel}, not ${options.channel}`);
  }
  const installed = options.installedVersion;
  if (installed !== undefined && compareReleaseVersions(manifest.version, installed) < 0) {
    throw new ReleaseVerificationError('rollback', `${manifest.version} is older than the installed ${installed}`);
  }
  return manifest;
}

export async function verifyIndex(signed: unknown, options: VerifyOptions & { channel: string }): Promise<ReleaseIndex> {
  const index = await verifiedPayload(signed, options);
  if (index.kind !== 'index' || index.channel !== options.channel || !Array.isArray(index.versions)
    || typeof index.latest !== 'string') {
    throw new ReleaseVerificationError('malformed', `not the index of channel ${options.channel}`);
  }
  for (const entry of index.versions as unknown[]) {
    if (!isRecord(entry)) throw new ReleaseVerificationError('malformed', 'an index entry is not an object');
    checkManifestFields({ ...entry, channel: options.channel });
  }
  return index as unknown as ReleaseIndex;
}

export async function verifyChannelList(signed: unknown, options: VerifyOptions): Promise<ChannelList> {
  const list = await verifiedPayload(signed, options);
  if (list.kind !== 'channels' || !Array.isArray(list.channels)
    || !list.channels.every((channel) => typeof channel === 'string' && isChannel(channel))) {
    throw new ReleaseVerificationError('malformed', 'not a channel list');
  }
  return list as unknown as ChannelList;
}

/** Compares what was downloaded with what the manifest promises (the hash is computed by the caller, streaming). */
export function checkDownload(manifest: ReleaseManifest, size: number, sha256: string): void {
  if (size !== manifest.size) {
    throw new ReleaseVerificationError('size-mismatch', `got ${size} bytes, the manifest says ${manifest.size}`);
  }
  if (sha256.toLowerCase() !== manifest.sha256) {
    throw new ReleaseVerificationError('hash-mismatch', 'the file does not match the SHA-256 in its manifest');
  }
}
