/**
 * The download client behind `npm run download` (scripts/download.ts): finds the version a channel points at
 * (`latest.json`), trusts it only as far as the release keys it was given, and installs its file into a folder with a
 * resumable, verified download. Everything it refuses is a ReleaseVerificationError (web/src/releases/manifest.ts)
 * with a stable code; everything that failed without a verdict on the release is a DownloadError.
 *
 * What it guarantees (README, "Client guarantees"):
 * - a file is renamed into place only after its size and SHA-256 match a manifest signed by a trusted key; a file
 *   that does not match is deleted, never left beside the good ones;
 * - a manifest that is expired, signed by a key it does not trust, for another channel, or for a version older than
 *   the installed one is refused before any byte of the file is fetched;
 * - an interrupted download resumes from the bytes it has, and only onto bytes of the same release and, when the
 *   server gives a strong ETag, of the same object (If-Range).
 *
 * I/O is through ports (fetch, sleep, clock), so the unit tests drive it against an in-process server and the
 * integration test through the local edge.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseConfig } from '../../web/src/config';
import {
  checkDownload, compareReleaseVersions, importVerifyKey, isChannel, isFileName, normalVersion, releaseKeys,
  ReleaseVerificationError, verifyManifest, type ReleaseKey, type ReleaseManifest,
} from '../../web/src/releases/manifest';
import { backoffMs, planAnswer, planResume, requestHeaders, type PartOf, type PartState } from './resume';

/** A failure that says nothing about the release itself: the network, the server, the folder. */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(
    readonly code: 'usage' | 'http' | 'network' | 'state' | 'no-keys',
    message: string,
  ) {
    super(message);
  }
}

/** A failed attempt worth repeating after a pause: a dropped connection, a stall, a 5xx. */
class RetryableError extends Error {
  override readonly name = 'RetryableError';
}

export interface RetryPolicy {
  /** Retries in a row without a byte of progress before the client gives up (attempts: one more). */
  retries: number;
  baseMs: number;
  maxMs: number;
  /** A connection that delivers nothing for this long is dropped and retried (a stalled TCP stream never errors). */
  idleTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 5, baseMs: 500, maxMs: 10_000, idleTimeoutMs: 30_000 };

/** Restarts from byte 0 that one run accepts (an object that keeps changing under the download is not one to chase). */
const MAX_RESTARTS = 2;

export interface ClientDeps {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => Date;
  /** One line per event a person wants to see (resumed, retrying, discarded). */
  log: (line: string) => void;
  /** Bytes of the file on disk so far, as they arrive. */
  progress?: (bytes: number, total: number) => void;
}

export const defaultDeps = (log: (line: string) => void): ClientDeps => ({
  fetch: globalThis.fetch,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: () => new Date(),
  log,
});

// ---------------------------------------------------------------------------------------------------------------
// Trusted keys

/** `release-1.public.pem` → `release-1`: the key's id is its file's name, as keys/<stage>/releases/ names them. */
export function keyIdOfFile(file: string): string {
  return path.basename(file).replace(/(\.public)?\.pem$/, '');
}

/** The keys given on the command line (SPKI PEM files), by their ids. */
export async function trustedKeysFromFiles(files: readonly string[]): Promise<Map<string, ReleaseKey>> {
  const keys = new Map<string, ReleaseKey>();
  for (const file of files) {
    const pem = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new DownloadError('no-keys', `cannot read the public key ${file}: ${error.code ?? error.message}`);
    });
    keys.set(keyIdOfFile(file), await importVerifyKey(pem).catch(() => {
      throw new DownloadError('no-keys', `${file} is not an Ed25519 public key (SPKI PEM)`);
    }));
  }
  return keys;
}

/**
 * The keys the site publishes in its config.json (`releases.keys`). Trusting them is trusting the site's TLS and
 * its bucket; `--public-key` pins a key instead. Never a key that comes with a manifest.
 */
export async function trustedKeysFromSite(site: string, deps: ClientDeps, retry = DEFAULT_RETRY): Promise<Map<string, ReleaseKey>> {
  const url = `${site}/config.json`;
  const config = parseConfig(await getJson(url, deps, retry, 'is the site published there? Or pass --public-key <file>'));
  const published = Object.entries(config.releases?.keys ?? {});
  if (published.length === 0) {
    throw new DownloadError('no-keys', `${url} lists no release keys (the site was published without any); pass --public-key <file>`);
  }
  const keys = new Map<string, ReleaseKey>();
  for (const [keyId, pem] of published) {
    keys.set(keyId, await importVerifyKey(pem).catch(() => {
      throw new DownloadError('no-keys', `${url}: the release key ${keyId} is not an Ed25519 public key`);
    }));
  }
  return keys;
}

// ---------------------------------------------------------------------------------------------------------------
// The installed state: one small file per channel in the target folder

export const STATE_FORMAT = 1;

export interface InstalledState {
  format: typeof STATE_FORMAT;
  channel: string;
  version: string;
  file: string;
  size: number;
  sha256: string;
  installedAt: string;
}

/** `.release-<channel>.json`: a dot file, so no release file (whose name starts with a letter or digit) can be it. */
export const statePath = (dir: string, channel: string): string => path.join(dir, `.release-${channel}.json`);

/**
 * What is installed for the channel, or undefined. A state file this client cannot read is a stop, not a fresh
 * start: it is what protects the folder from a rollback, so ignoring it would drop that protection.
 */
export async function readInstalled(dir: string, channel: string): Promise<InstalledState | undefined> {
  const file = statePath(dir, channel);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const state = isRecord(parsed) ? (parsed as Partial<InstalledState>) : undefined;
  const valid = state !== undefined && state.format === STATE_FORMAT && state.channel === channel
    && typeof state.version === 'string' && normalVersion(state.version) !== undefined
    && typeof state.file === 'string' && isFileName(state.file)
    && typeof state.size === 'number' && Number.isSafeInteger(state.size)
    && typeof state.sha256 === 'string' && /^[0-9a-f]{64}$/.test(state.sha256) && typeof state.installedAt === 'string';
  if (!valid) {
    throw new DownloadError('state', `${file} is not a state file this client can read; remove it to install from scratch`);
  }
  return state as InstalledState;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Written whole, then renamed: a crash leaves the old state or the new one, never half of one. */
async function writeJsonAtomically(file: string, value: unknown): Promise<void> {
  const temporary = `${file}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temporary, file);
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP

const isTransient = (status: number): boolean => status >= 500;

async function withRetries<T>(what: string, deps: ClientDeps, retry: RetryPolicy, work: () => Promise<T>): Promise<T> {
  for (let failures = 1; ; failures += 1) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof RetryableError)) throw error;
      if (failures > retry.retries) {
        throw new DownloadError('network', `${what}: gave up after ${failures} attempts (${error.message})`);
      }
      const pause = backoffMs(failures, retry, deps.random());
      deps.log(`${what}: ${error.message}; trying again in ${(pause / 1000).toFixed(1)} s`);
      await deps.sleep(pause);
    }
  }
}

function networkError(error: unknown): RetryableError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return new RetryableError(`the connection failed (${detail})`);
}

/** A small JSON document (config.json, latest.json), with the retries of the file itself; `missing` explains a 404. */
async function getJson(url: string, deps: ClientDeps, retry: RetryPolicy, missing?: string): Promise<unknown> {
  return withRetries(`GET ${url}`, deps, retry, async () => {
    let response: Response;
    try {
      response = await deps.fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(retry.idleTimeoutMs) });
    } catch (error) {
      throw networkError(error);
    }
    if (isTransient(response.status)) {
      await response.body?.cancel();
      throw new RetryableError(`HTTP ${response.status}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      // Through OAC a key nobody wrote is 404 where CloudFront may list the bucket, else 403.
      const hint = missing !== undefined && (response.status === 404 || response.status === 403) ? `: ${missing}` : '';
      throw new DownloadError('http', `GET ${url}: HTTP ${response.status}${hint}`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw networkError(error);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ReleaseVerificationError('malformed', `${url} is not JSON`);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The file

interface Paths {
  target: string;
  part: string;
  /** What the part is a part of (PartOf), beside it. */
  sidecar: string;
}

function pathsOf(dir: string, manifest: ReleaseManifest): Paths {
  const target = path.join(dir, manifest.file);
  return { target, part: `${target}.part`, sidecar: `${target}.part.json` };
}

async function readPart(paths: Paths): Promise<PartState | undefined> {
  const size = await stat(paths.part).then((info) => info.size, () => undefined);
  if (size === undefined) return undefined;
  // A sidecar that is missing or unreadable makes the part one of nothing known: planResume discards it.
  const of: unknown = await readFile(paths.sidecar, 'utf8').then((text) => JSON.parse(text) as unknown, () => undefined);
  return isRecord(of) ? { size, of: of as unknown as PartOf } : { size };
}

async function removePart(paths: Paths): Promise<void> {
  await rm(paths.part, { force: true });
  await rm(paths.sidecar, { force: true });
}

/** An empty part and the record of what it will be a part of (the record first: a part is never without one). */
async function startPart(paths: Paths, manifest: ReleaseManifest, etag?: string): Promise<void> {
  const of: PartOf = { version: manifest.version, sha256: manifest.sha256, size: manifest.size, ...(etag === undefined ? {} : { etag }) };
  await writeJsonAtomically(paths.sidecar, of);
  await writeFile(paths.part, new Uint8Array());
}

/** SHA-256 over the first `length` bytes of a file (all of it when undefined), streamed. */
async function hashFile(file: string, length?: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (length === 0) return hash;
  for await (const chunk of createReadStream(file, length === undefined ? {} : { end: length - 1 })) hash.update(chunk as Buffer);
  return hash;
}

type Attempt =
  | { kind: 'complete'; size: number; sha256: string }
  | { kind: 'verify' }
  | { kind: 'restart'; why: string };

/**
 * One GET of the file from `offset` on. The part's existing bytes go into the hash first, then every new byte as it
 * is appended; more bytes than the manifest's size are refused as they arrive (an endless answer cannot fill the disk).
 */
async function attempt(
  url: string, manifest: ReleaseManifest, paths: Paths, request: { offset: number; ifRange?: string },
  deps: ClientDeps, retry: RetryPolicy,
): Promise<Attempt> {
  const controller = new AbortController();
  let idle: NodeJS.Timeout | undefined;
  const watch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(new RetryableError(`no data for ${retry.idleTimeoutMs / 1000} s`)), retry.idleTimeoutMs);
  };
  watch();
  try {
    let response: Response;
    try {
      response = await deps.fetch(url, { headers: requestHeaders(request), signal: controller.signal });
    } catch (error) {
      throw networkError(error);
    }
    const { headers } = response;
    const plan = planAnswer(
      { offset: request.offset, ...(request.ifRange === undefined ? {} : { etag: request.ifRange }) },
      { status: response.status, contentRange: headers.get('content-range'), contentLength: headers.get('content-length'), etag: headers.get('etag') },
      manifest.size,
    );
    if (plan.action !== 'write') await response.body?.cancel().catch(() => undefined);
    switch (plan.action) {
      case 'fail':
        throw new DownloadError('http', `GET ${url}: ${plan.why}`);
      case 'retry':
        throw new RetryableError(plan.why);
      case 'size-mismatch':
        throw new ReleaseVerificationError('size-mismatch', `the server's file is ${plan.size} bytes, the manifest says ${manifest.size}`);
      case 'restart':
        return { kind: 'restart', why: plan.why };
      case 'verify':
        return { kind: 'verify' };
      case 'write':
        break;
    }

    let hash: Hash;
    if (plan.offset === 0) {
      // The whole object: a new part, recorded with the ETag it came with (for If-Range when it is resumed).
      await startPart(paths, manifest, plan.etag);
      hash = createHash('sha256');
    } else {
      hash = await hashFile(paths.part, plan.offset);
    }
    if (response.body === null) throw new RetryableError('the answer has no body');
    const handle = await open(paths.part, 'a');
    let size = plan.offset;
    try {
      const chunks = response.body[Symbol.asyncIterator]();
      for (;;) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await chunks.next();
        } catch (error) {
          throw error instanceof RetryableError ? error : networkError(error);
        }
        if (next.done) break;
        watch();
        const chunk = next.value;
        if (size + chunk.byteLength > manifest.size) {
          await chunks.return?.();
          throw new ReleaseVerificationError('size-mismatch', `the server sent more than the ${manifest.size} bytes the manifest says`);
        }
        // Disk errors (full, read-only) are not the network's: they pass through and end the download.
        await handle.write(chunk);
        hash.update(chunk);
        size += chunk.byteLength;
        deps.progress?.(size, manifest.size);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (size < manifest.size) throw new RetryableError(`the answer ended at ${size} of ${manifest.size} bytes`);
    return { kind: 'complete', size, sha256: hash.digest('hex') };
  } finally {
    clearTimeout(idle);
  }
}

interface Fetched {
  /** Where the first attempt of this run started (0: from scratch). */
  resumedFrom: number;
  restarts: number;
}

/**
 * Downloads the file into `<file>.part`, verifies it, and only then renames it into place. A verification failure
 * removes the part (its bytes are not the release's, so resuming from them could only fail again).
 */
async function fetchFile(url: string, manifest: ReleaseManifest, paths: Paths, deps: ClientDeps, retry: RetryPolicy): Promise<Fetched> {
  let failures = 0;
  let restarts = 0;
  let resumedFrom: number | undefined;
  try {
    for (;;) {
      const plan = planResume(manifest, await readPart(paths));
      if (plan.action === 'verify') {
        const sha256 = (await hashFile(paths.part)).digest('hex');
        checkDownload(manifest, (await stat(paths.part)).size, sha256);
        break;
      }
      if (plan.action === 'start') {
        if (plan.discard !== undefined) deps.log(`Discarding ${path.basename(paths.part)}: ${plan.discard}`);
        await startPart(paths, manifest);
      }
      const request = plan.action === 'resume' ? plan : { offset: 0 };
      resumedFrom ??= request.offset;
      if (request.offset > 0) deps.log(`Resuming at byte ${request.offset} of ${manifest.size}`);
      try {
        const result = await attempt(url, manifest, paths, request, deps, retry);
        if (result.kind === 'complete') {
          checkDownload(manifest, result.size, result.sha256);
          break;
        }
        if (result.kind === 'restart') {
          restarts += 1;
          if (restarts > MAX_RESTARTS) throw new DownloadError('http', `GET ${url}: ${result.why}, ${restarts} times; giving up`);
          deps.log(`Starting over: ${result.why}`);
          await removePart(paths);
        }
      } catch (error) {
        if (!(error instanceof RetryableError)) throw error;
        const now = (await readPart(paths))?.size ?? 0;
        failures = now > request.offset ? 1 : failures + 1;
        if (failures > retry.retries) {
          throw new DownloadError('network', `GET ${url}: gave up after ${failures} attempts without progress (${error.message})`);
        }
        const pause = backoffMs(failures, retry, deps.random());
        deps.log(`${error.message} at byte ${now} of ${manifest.size}; trying again in ${(pause / 1000).toFixed(1)} s`);
        await deps.sleep(pause);
      }
    }
  } catch (error) {
    if (error instanceof ReleaseVerificationError) await removePart(paths);
    throw error;
  }

  // Durable before it is visible: the part's bytes were synced; the rename is atomic within the folder.
  await rename(paths.part, paths.target);
  await rm(paths.sidecar, { force: true });
  return { resumedFrom: resumedFrom ?? 0, restarts };
}

// ---------------------------------------------------------------------------------------------------------------
// Install

export interface InstallOptions {
  /** The site (the distribution), without a trailing slash. */
  site: string;
  channel: string;
  /** The folder the file and the state file go to; made when there is something to download. */
  dir: string;
  keys: ReadonlyMap<string, ReleaseKey>;
  retry?: RetryPolicy;
}

export type InstallResult =
  | { status: 'up-to-date'; manifest: ReleaseManifest; path: string }
  | { status: 'installed'; manifest: ReleaseManifest; path: string; previous?: string; resumedFrom: number; restarts: number };

export async function install(options: InstallOptions, deps: ClientDeps): Promise<InstallResult> {
  const { site, channel, dir, keys } = options;
  const retry = options.retry ?? DEFAULT_RETRY;
  if (!isChannel(channel)) throw new DownloadError('usage', `${JSON.stringify(channel)} is not a channel name (a-z, 0-9 and -)`);
  const installed = await readInstalled(dir, channel);

  const latest = await getJson(`${site}/${releaseKeys.latest(channel)}`, deps, retry, `nothing is released in channel ${channel} on this site`);
  const manifest = await verifyManifest(latest, {
    keys, channel, now: deps.now(), ...(installed === undefined ? {} : { installedVersion: installed.version }),
  });
  const paths = pathsOf(dir, manifest);

  if (installed !== undefined && compareReleaseVersions(manifest.version, installed.version) === 0) {
    // A version is immutable: the same version with another hash is a forged or broken manifest, not an update.
    if (installed.sha256 !== manifest.sha256 || installed.size !== manifest.size) {
      throw new ReleaseVerificationError('hash-mismatch', `${manifest.version} is installed with another SHA-256 or size than its manifest now gives; a version never changes`);
    }
    const onDisk = await stat(path.join(dir, installed.file)).then((info) => info.size, () => undefined);
    if (onDisk === installed.size) return { status: 'up-to-date', manifest, path: path.join(dir, installed.file) };
    deps.log(`${installed.file} is missing or changed on disk; downloading it again`);
  }

  const url = `${site}/${releaseKeys.file(channel, manifest.version, manifest.file)}`;
  await mkdir(dir, { recursive: true });
  const fetched = await fetchFile(url, manifest, paths, deps, retry);
  const state: InstalledState = {
    format: STATE_FORMAT, channel, version: manifest.version, file: manifest.file, size: manifest.size,
    sha256: manifest.sha256, installedAt: deps.now().toISOString(),
  };
  await writeJsonAtomically(statePath(dir, channel), state);
  return {
    status: 'installed', manifest, path: paths.target, ...fetched,
    ...(installed === undefined || installed.version === manifest.version ? {} : { previous: installed.version }),
  };
}
