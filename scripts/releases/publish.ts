/**
 * Publishing a release and pointing a channel back at an older one: the core of `npm run release` (scripts/release.ts
 * is its adapter). It takes plain values and ports — the bucket (ReleaseStore), the signing key (ReleaseSigner), the
 * trusted public keys, CloudFront (`invalidate`) and a clock — so it runs the same against S3, the local S3 and the
 * fakes of its tests.
 *
 * The order keeps clients safe: the file, then its signed manifest, then the channel's index, the channel list, and
 * the channel's latest.json last — whatever a client finds through a pointer is already there. A version is
 * immutable: it is refused before the upload when its manifest exists, and every write of a version's objects carries
 * `If-None-Match: *`, so of two publishers of one version only one can win, at S3. The pointers are read-modify-write
 * with `If-Match` on the ETag read (`If-None-Match: *` when new), retried when another release wrote in between
 * ("How to prevent object overwrites with conditional writes", Amazon S3 User Guide). Only latest.json is invalidated:
 * every other key names its version and never changes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';
import {
  CACHE_CONTROL,
  MANIFEST_FORMAT,
  compareReleaseVersions,
  isChannel,
  isFileName,
  normalVersion,
  releaseKeys,
  verifyChannelList,
  verifyIndex,
  verifyManifest,
  type ChannelList,
  type IndexEntry,
  type ReleaseIndex,
  type ReleaseKey,
  type ReleaseManifest,
  type SignedManifest,
} from '../../web/src/releases/manifest';
import { contentTypeFor } from '../publish/diff';

const MIB = 1024 * 1024;
/**
 * Chosen with `npm run bench -- releases` (a sweep of 8/16/32 MiB parts × 4/8 in parallel over 200 MiB, local S3, in
 * alternating passes): no setting beat 8 MiB × 4 by more than the shared machine's drift, which reordered them from one
 * run to the next, and 32 MiB parts were slower in most runs (up to 20 %). So the smallest of the equals: 32 MiB held
 * in memory, and a failed part costs 8 MiB to send again. Both are options of the command, for a link where more
 * parts in parallel pay (S3 over a network is limited by latency, the local S3 by the CPU).
 */
export const DEFAULT_PART_SIZE = 8 * MIB;
export const DEFAULT_QUEUE_SIZE = 4;
/** S3's multipart limits ("Amazon S3 multipart upload limits", Amazon S3 User Guide). */
export const MIN_PART_SIZE = 5 * MIB;
export const MAX_PART_SIZE = 5 * 1024 * MIB;
export const MAX_PARTS = 10_000;
/** serverless.yml's default `releaseManifestDays`. */
export const DEFAULT_MANIFEST_DAYS = 90;
const MAX_MANIFEST_DAYS = 3650;
const MAX_QUEUE_SIZE = 64;
/** How often a pointer is read and written again when another release wrote it in between. */
const POINTER_ATTEMPTS = 5;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------------------------
// Ports

export type WriteCondition = { ifNoneMatch: '*' } | { ifMatch: string };

/**
 * A conditional write that did not happen: the object existed (`If-None-Match`), had changed or was gone (`If-Match`:
 * 412, 404), or another write to it was in progress (409). Nothing was written.
 */
export class WriteConflictError extends Error {
  override readonly name = 'WriteConflictError';
  constructor(
    readonly key: string,
    readonly status: number,
  ) {
    super(`conditional write of ${key} refused (${status})`);
  }
}

export interface ObjectHeaders {
  contentType: string;
  cacheControl: string;
}

export interface UploadOptions {
  partSize: number;
  queueSize: number;
  /** Bytes the bucket has acknowledged so far. */
  onProgress: (uploaded: number) => void;
}

/** The releases bucket. Every write is conditional; a refused condition throws WriteConflictError. */
export interface ReleaseStore {
  /** For messages, e.g. `s3://bucket`. */
  readonly description: string;
  read(key: string): Promise<{ body: string; etag: string } | undefined>;
  exists(key: string): Promise<boolean>;
  write(key: string, body: string, headers: ObjectHeaders, condition: WriteCondition): Promise<void>;
  /** A stream of `size` bytes, in parts when larger than one, with `If-None-Match: *` (on the completion, too). */
  upload(key: string, body: Readable, headers: ObjectHeaders & { size: number }, options: UploadOptions): Promise<void>;
}

export interface ReleaseSigner {
  /** The key's name: the `keyId` of everything it signs. */
  readonly keyId: string;
  sign<T extends { keyId: string }>(document: T): Promise<SignedManifest>;
}

export interface ReleasePorts {
  store: ReleaseStore;
  signer: ReleaseSigner;
  /** keyId → public key: the keys clients trust (published with the site). Existing documents must verify with them. */
  trustedKeys: ReadonlyMap<string, ReleaseKey>;
  /** CloudFront CreateInvalidation of these paths; resolves to the invalidation's id. */
  invalidate: (paths: string[]) => Promise<string>;
  now: () => Date;
  log: (line: string) => void;
  progress?: (uploaded: number, total: number) => void;
  /** Pause between attempts at a pointer (tests pass a no-op). */
  sleep?: (ms: number) => Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs and results

export interface PublishInput {
  channel: string;
  version: string;
  /** The file to publish; its name becomes the last segment of its key. */
  filePath: string;
  manifestDays: number;
  partSize?: number;
  queueSize?: number;
}

export interface RollbackInput {
  channel: string;
  version: string;
  manifestDays: number;
}

export interface ReleaseOutcome {
  /** The manifest written (publish) or re-signed (rollback). */
  manifest: ReleaseManifest;
  /** The version latest.json points at after this run. */
  latest: string;
  /** False when latest.json was left alone: an older version published, or another release moved it meanwhile. */
  latestWritten: boolean;
  /** The invalidation of latest.json, when it was written: its id, or why it failed (everything else is done). */
  invalidation?: { path: string; id: string } | { path: string; error: string };
}

export type ReleaseErrorCode =
  | 'invalid-input' | 'version-exists' | 'orphan-file' | 'not-found' | 'untrusted' | 'key-mismatch' | 'conflict'
  | 'file-changed';

/** A refusal the maintainer can act on; printed as its message alone. */
export class ReleaseError extends Error {
  override readonly name = 'ReleaseError';
  constructor(
    readonly code: ReleaseErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Publish

const JSON_IMMUTABLE: ObjectHeaders = { contentType: 'application/json', cacheControl: CACHE_CONTROL.immutable };
const JSON_POINTER: ObjectHeaders = { contentType: 'application/json', cacheControl: CACHE_CONTROL.pointer };

/**
 * Publishes `filePath` as `version` of `channel`. latest.json moves to it only when it is newer than the version
 * latest.json points at now: a hotfix of an older line (1.2.4 after 1.3.0) is published and listed in the index, but
 * clients that follow the channel stay on the newest (they would refuse an older one anyway).
 */
export async function publishRelease(input: PublishInput, ports: ReleasePorts): Promise<ReleaseOutcome> {
  const { channel, version } = checkChannelAndVersion(input.channel, input.version);
  const days = checkDays(input.manifestDays);
  const file = checkFileName(path.basename(input.filePath));
  const info = await stat(input.filePath).catch(() => undefined);
  if (!info?.isFile()) throw new ReleaseError('invalid-input', `${input.filePath} is not a file`);
  if (info.size === 0) throw new ReleaseError('invalid-input', `${input.filePath} is empty`);
  const partSize = checkPartSize(input.partSize ?? DEFAULT_PART_SIZE, info.size, ports.log);
  const queueSize = checkQueueSize(input.queueSize ?? DEFAULT_QUEUE_SIZE);
  await checkKeyPair(ports);

  const { store } = ports;
  const keys = { file: releaseKeys.file(channel, version, file), manifest: releaseKeys.manifest(channel, version) };
  // Refused here, before a long upload; the conditional writes below still decide a race between two publishers.
  const current = await readIndex(channel, ports);
  if (current?.versions.some((entry) => entry.version === version) || (await store.exists(keys.manifest))) {
    throw versionExists(channel, version, store);
  }
  if (await store.exists(keys.file)) {
    throw new ReleaseError(
      'orphan-file',
      `${store.description}/${keys.file} exists without a manifest (an interrupted release): nothing overwrites it. ` +
        `No client can have trusted it, so delete it and publish again, or publish another version.`,
    );
  }

  ports.log(`Uploading ${input.filePath} (${info.size} bytes) → ${store.description}/${keys.file}`);
  const { sha256 } = await uploadHashing(input.filePath, info.size, keys.file, { partSize, queueSize }, ports).catch((error: unknown) => {
    if (error instanceof WriteConflictError) throw versionExists(channel, version, store, 'while this upload ran');
    throw error;
  });

  const at = ports.now();
  const manifest: ReleaseManifest = {
    format: MANIFEST_FORMAT,
    channel,
    version,
    file,
    size: info.size,
    sha256,
    releasedAt: at.toISOString(),
    signedAt: at.toISOString(),
    expiresAt: new Date(at.getTime() + days * DAY_MS).toISOString(),
    keyId: ports.signer.keyId,
  };
  const signedManifest = documentBody(await ports.signer.sign(manifest));
  try {
    await store.write(keys.manifest, signedManifest, JSON_IMMUTABLE, { ifNoneMatch: '*' });
  } catch (error) {
    if (!(error instanceof WriteConflictError)) throw error;
    throw versionExists(channel, version, store, `while this upload ran (${keys.file} is left without a manifest)`);
  }
  ports.log(`Signed ${keys.manifest} (sha256 ${sha256}, ${ports.signer.keyId}, expires ${manifest.expiresAt})`);

  const entry: IndexEntry = { version, file, size: info.size, sha256, releasedAt: manifest.releasedAt };
  let latest = version;
  await updatePointer(releaseKeys.index(channel), ports, async (object) => {
    const index = object === undefined ? undefined : await verifiedIndex(object.body, channel, ports);
    latest = index === undefined || compareReleaseVersions(version, index.latest) > 0 ? version : index.latest;
    const versions = [entry, ...(index?.versions ?? []).filter((other) => other.version !== version)];
    return documentBody(await ports.signer.sign(indexDocument(channel, versions, latest, ports, days)));
  });
  // Re-signed on every release even when the channel is listed: its expiry moves on with it.
  await updatePointer(releaseKeys.channels(), ports, async (object) => {
    const list = object === undefined ? undefined : await verifiedChannelList(object.body, ports);
    const channels = [...new Set([...(list?.channels ?? []), channel])].sort();
    return documentBody(await ports.signer.sign(channelListDocument(channels, ports, days)));
  });

  if (latest !== version) {
    ports.log(`latest.json stays at ${latest}: ${version} is older (it is listed in ${releaseKeys.index(channel)})`);
    return { manifest, latest, latestWritten: false };
  }
  return pointLatest(channel, manifest, signedManifest, ports);
}

/**
 * Points the channel's latest.json at `version`, which must have been published: its manifest must verify with a
 * trusted key, and its file must be there. The manifest is re-signed with a fresh signedAt and expiresAt (by the
 * current key), the index records the new latest, and the index and channel list are re-signed with their content
 * otherwise unchanged; no version's objects change. Clients that already installed a newer version keep it (they
 * refuse to go back); the others install this one. Rolling "back" to the current latest simply re-signs the channel's
 * pointers, which renews their signatures before they expire. It also completes a release that stopped after its
 * manifest (the index then gains the missing entry, the channel list the missing channel).
 */
export async function rollbackRelease(input: RollbackInput, ports: ReleasePorts): Promise<ReleaseOutcome> {
  const { channel, version } = checkChannelAndVersion(input.channel, input.version);
  const days = checkDays(input.manifestDays);
  await checkKeyPair(ports);
  const { store } = ports;

  const manifestKey = releaseKeys.manifest(channel, version);
  const object = await store.read(manifestKey);
  if (object === undefined) throw new ReleaseError('not-found', `${channel} ${version} was never published (no ${store.description}/${manifestKey})`);
  const published = await verifiedAtSigning(manifestKey, object.body, (signed, now) =>
    verifyManifest(signed, { keys: ports.trustedKeys, now, channel }),
  );
  if (published.version !== version) {
    throw new ReleaseError('untrusted', `${manifestKey} is signed for version ${published.version}, not ${version}`);
  }
  const fileKey = releaseKeys.file(channel, version, published.file);
  if (!(await store.exists(fileKey))) {
    throw new ReleaseError('not-found', `${store.description}/${fileKey} is missing: clients could not download ${version}`);
  }

  const at = ports.now();
  const manifest: ReleaseManifest = {
    format: MANIFEST_FORMAT,
    channel,
    version,
    file: published.file,
    size: published.size,
    sha256: published.sha256,
    releasedAt: published.releasedAt,
    signedAt: at.toISOString(),
    expiresAt: new Date(at.getTime() + days * DAY_MS).toISOString(),
    keyId: ports.signer.keyId,
  };
  const entry: IndexEntry = { version, file: manifest.file, size: manifest.size, sha256: manifest.sha256, releasedAt: manifest.releasedAt };
  let previous: string | undefined;
  await updatePointer(releaseKeys.index(channel), ports, async (current) => {
    const index = current === undefined ? undefined : await verifiedIndex(current.body, channel, ports);
    previous = index?.latest;
    const versions = index?.versions.some((other) => other.version === version) ? index.versions : [entry, ...(index?.versions ?? [])];
    return documentBody(await ports.signer.sign(indexDocument(channel, versions, version, ports, days)));
  });
  // Re-signed with the same channels (plus this one if an interrupted release left it out): its expiry moves on too.
  await updatePointer(releaseKeys.channels(), ports, async (current) => {
    const list = current === undefined ? undefined : await verifiedChannelList(current.body, ports);
    const channels = [...new Set([...(list?.channels ?? []), channel])].sort();
    return documentBody(await ports.signer.sign(channelListDocument(channels, ports, days)));
  });
  ports.log(`Re-signed ${channel} ${version} (${ports.signer.keyId}, expires ${manifest.expiresAt}); latest was ${previous ?? 'unset'}`);
  return pointLatest(channel, manifest, documentBody(await ports.signer.sign(manifest)), ports);
}

// ---------------------------------------------------------------------------------------------------------------
// Steps

/**
 * Writes latest.json, then invalidates it. latest.json is read first and the index after it, and the write is
 * conditional on the ETag read: when another release moved the index's latest meanwhile, this one leaves latest.json
 * to it, so latest.json never goes back to a version the index no longer points at.
 */
async function pointLatest(channel: string, manifest: ReleaseManifest, body: string, ports: ReleasePorts): Promise<ReleaseOutcome> {
  const key = releaseKeys.latest(channel);
  let latest = manifest.version;
  const written = await updatePointer(key, ports, async () => {
    latest = (await readIndex(channel, ports))?.latest ?? manifest.version;
    return latest === manifest.version ? body : undefined;
  });
  if (!written) {
    ports.log(`latest.json left to ${latest}: another release moved the channel meanwhile`);
    return { manifest, latest, latestWritten: false };
  }
  ports.log(`${key} → ${manifest.version}`);
  const invalidationPath = `/${key}`;
  try {
    return { manifest, latest, latestWritten: true, invalidation: { path: invalidationPath, id: await ports.invalidate([invalidationPath]) } };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { manifest, latest, latestWritten: true, invalidation: { path: invalidationPath, error: reason } };
  }
}

/**
 * Read, change, write with the condition that nothing changed in between; again (a few times) when something did.
 * `change` returns the new body, or undefined to leave the object as it is.
 */
async function updatePointer(
  key: string,
  ports: ReleasePorts,
  change: (current: { body: string; etag: string } | undefined) => Promise<string | undefined>,
): Promise<boolean> {
  const sleep = ports.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; attempt <= POINTER_ATTEMPTS; attempt++) {
    const current = await ports.store.read(key);
    const body = await change(current);
    if (body === undefined) return false;
    try {
      await ports.store.write(key, body, JSON_POINTER, current === undefined ? { ifNoneMatch: '*' } : { ifMatch: current.etag });
      return true;
    } catch (error) {
      if (!(error instanceof WriteConflictError)) throw error;
      ports.log(`${key} changed while this release wrote it (${error.status}); reading it again`);
      await sleep(100 * attempt + Math.floor(Math.random() * 100));
    }
  }
  throw new ReleaseError(
    'conflict',
    `${key} kept changing (${POINTER_ATTEMPTS} attempts): another release is writing this channel. ` +
      `What is written so far is consistent; finish with --rollback <this version> once the other release is done.`,
  );
}

/** Streams the file once: the same bytes go to the hash and to the upload. */
async function uploadHashing(
  filePath: string,
  size: number,
  key: string,
  options: { partSize: number; queueSize: number },
  ports: ReleasePorts,
): Promise<{ sha256: string }> {
  const hash = createHash('sha256');
  let read = 0;
  const changed = () => new ReleaseError('file-changed', `${filePath} changed while it was uploaded (${size} bytes expected); nothing was published`);
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      read += chunk.length;
      if (read > size) return callback(changed());
      hash.update(chunk);
      callback(null, chunk);
    },
    // An error here, before the stream ends, makes the upload abort instead of completing a short object.
    flush(callback) {
      callback(read === size ? null : changed());
    },
  });
  pipeline(createReadStream(filePath, { highWaterMark: MIB }), hashing, () => undefined);
  try {
    await ports.store.upload(
      key,
      hashing,
      { contentType: contentTypeFor(key), cacheControl: CACHE_CONTROL.immutable, size },
      { ...options, onProgress: (uploaded) => ports.progress?.(uploaded, size) },
    );
  } finally {
    // A refused upload stops reading mid-file: close the file rather than leave it to the garbage collector.
    hashing.destroy();
  }
  if (read !== size) throw changed();
  return { sha256: hash.digest('hex') };
}

/** The channel's index as it is, verified; undefined when the channel has none yet. */
async function readIndex(channel: string, ports: ReleasePorts): Promise<ReleaseIndex | undefined> {
  const object = await ports.store.read(releaseKeys.index(channel));
  return object === undefined ? undefined : verifiedIndex(object.body, channel, ports);
}

function verifiedIndex(body: string, channel: string, ports: ReleasePorts): Promise<ReleaseIndex> {
  return verifiedAtSigning(releaseKeys.index(channel), body, (signed, now) => verifyIndex(signed, { keys: ports.trustedKeys, now, channel }));
}

function verifiedChannelList(body: string, ports: ReleasePorts): Promise<ChannelList> {
  return verifiedAtSigning(releaseKeys.channels(), body, (signed, now) => verifyChannelList(signed, { keys: ports.trustedKeys, now }));
}

/**
 * A document already in the bucket, checked before it is built upon: signed by a trusted key and well-formed, as of
 * when it was signed — an expired index or manifest is what a release renews, not a reason to stop. Anything else
 * (a tampered object, an unknown key) stops the release: it would re-sign what it cannot vouch for.
 */
async function verifiedAtSigning<T>(key: string, body: string, verify: (signed: unknown, now: Date) => Promise<T>): Promise<T> {
  try {
    const signed = JSON.parse(body) as { payload?: unknown };
    const payload = typeof signed.payload === 'string' ? (JSON.parse(Buffer.from(signed.payload, 'base64url').toString('utf8')) as { signedAt?: unknown }) : {};
    const signedAt = typeof payload.signedAt === 'string' ? new Date(payload.signedAt) : new Date(Number.NaN);
    return await verify(signed, Number.isNaN(signedAt.getTime()) ? new Date() : signedAt);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ReleaseError('untrusted', `${key} does not verify with the trusted release keys (${reason}); nothing was changed from here on`);
  }
}

/** Signs a throw-away document and verifies it with the public key of the same name, before anything is written. */
async function checkKeyPair(ports: ReleasePorts): Promise<void> {
  const { keyId } = ports.signer;
  const publicKey = ports.trustedKeys.get(keyId);
  if (publicKey === undefined) {
    throw new ReleaseError('key-mismatch', `No public key ${keyId} among the trusted release keys: clients could not verify what it signs`);
  }
  const now = ports.now();
  const probe = channelListDocument([], ports, 1);
  try {
    await verifyChannelList(await ports.signer.sign(probe), { keys: new Map([[keyId, publicKey]]), now });
  } catch {
    throw new ReleaseError('key-mismatch', `The private key ${keyId} does not match its public key: clients would refuse what it signs`);
  }
}

function indexDocument(channel: string, versions: IndexEntry[], latest: string, ports: ReleasePorts, days: number): ReleaseIndex {
  return {
    format: MANIFEST_FORMAT,
    kind: 'index',
    channel,
    versions: [...versions].sort((a, b) => compareReleaseVersions(b.version, a.version)),
    latest,
    ...validity(ports, days),
  };
}

function channelListDocument(channels: string[], ports: ReleasePorts, days: number): ChannelList {
  return { format: MANIFEST_FORMAT, kind: 'channels', channels, ...validity(ports, days) };
}

function validity(ports: ReleasePorts, days: number): { signedAt: string; expiresAt: string; keyId: string } {
  const at = ports.now();
  return { signedAt: at.toISOString(), expiresAt: new Date(at.getTime() + days * DAY_MS).toISOString(), keyId: ports.signer.keyId };
}

const documentBody = (signed: SignedManifest): string => `${JSON.stringify(signed)}\n`;

function versionExists(channel: string, version: string, store: ReleaseStore, when = ''): ReleaseError {
  return new ReleaseError(
    'version-exists',
    `${channel} ${version} is already published${when ? ` (${when})` : ''} in ${store.description}: a version is never ` +
      `overwritten. Publish a new version, or point latest.json at this one with --rollback ${version}.`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Input checks

export function checkChannelAndVersion(channel: string, version: string): { channel: string; version: string } {
  if (!isChannel(channel)) {
    throw new ReleaseError('invalid-input', `${channel}: a channel is a-z, 0-9 and '-', at most 40, starting with a letter or digit`);
  }
  // semver ignores build metadata in precedence, so 1.0.0+a and 1.0.0+b would be two keys for one version; and a `+`
  // in a URL path is read as a space by some clients.
  if (version.includes('+')) throw new ReleaseError('invalid-input', `${version}: build metadata (+…) is not allowed in a release version`);
  if (normalVersion(version) === undefined) {
    throw new ReleaseError('invalid-input', `${version} is not a semantic version (semver.org; e.g. 1.4.0 or 2.0.0-beta.1, no leading v)`);
  }
  return { channel, version };
}

export function checkFileName(file: string): string {
  if (!isFileName(file)) {
    throw new ReleaseError('invalid-input', `${file}: a release file name is letters, digits, '.', '_' and '-' (at most 200), starting with a letter or digit`);
  }
  return file;
}

function checkDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_MANIFEST_DAYS) {
    throw new ReleaseError('invalid-input', `manifest validity must be a whole number of days from 1 to ${MAX_MANIFEST_DAYS}, got ${days}`);
  }
  return days;
}

/** The part size asked for, raised (to whole MiB) when a file of `size` bytes would need more parts than S3 allows. */
export function effectivePartSize(partSize: number, size: number): number {
  return Math.max(partSize, Math.ceil(size / MAX_PARTS / MIB) * MIB);
}

function checkPartSize(partSize: number, size: number, log: (line: string) => void): number {
  if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
    throw new ReleaseError('invalid-input', `part size must be from 5 MiB to 5 GiB, got ${partSize} bytes`);
  }
  const effective = effectivePartSize(partSize, size);
  if (effective !== partSize) log(`Part size raised to ${effective / MIB} MiB: S3 takes at most ${MAX_PARTS} parts`);
  return effective;
}

function checkQueueSize(queueSize: number): number {
  if (!Number.isInteger(queueSize) || queueSize < 1 || queueSize > MAX_QUEUE_SIZE) {
    throw new ReleaseError('invalid-input', `queue size (parts in parallel) must be from 1 to ${MAX_QUEUE_SIZE}, got ${queueSize}`);
  }
  return queueSize;
}
