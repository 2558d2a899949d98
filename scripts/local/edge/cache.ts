/**
 * The local edge's cache: what one CloudFront edge location keeps of the objects of a behaviour with a cache policy
 * (CloudFront Developer Guide): how long ("Manage how long content stays in the cache (expiration)", Expiration.md),
 * error answers ("How CloudFront processes and caches HTTP 4xx and 5xx status codes from your origin",
 * HTTPStatusCodes.md), concurrent misses ("Simultaneous requests for the same object (request collapsing)") and
 * viewers that leave ("Canceled requests", both in "Request and response behavior for Amazon S3 origins"), ranges
 * ("Use range GETs", RangeGETs.md) and invalidations ("Invalidate files", Invalidation.md).
 *
 * The cache key is the origin's bucket and object key: the policies this edge honours keep query strings, cookies and
 * headers out of the key (definition.ts). A miss fetches the whole object once, whatever range the viewer asked for
 * ("CloudFront may request a larger range than the client requested"), writes it to a file under `dir` and serves
 * every viewer — the one that missed included — from that file as it grows, so the first byte of a large file does
 * not wait for its last. Objects live on disk, bounded by `maxBytes` with the least recently used evicted first.
 *
 * Not emulated, each changing nothing the project's objects show: the Expires header (ObjectMeta does not carry it,
 * and the objects here say Cache-Control), stale-while-revalidate and stale-if-error, a template's
 * ErrorCachingMinTTL (CloudFront's default, 10 s, is used), caching custom error pages and 5xx answers (an origin
 * failure here is a broken local stack, retried at once), regional edge caches and Origin Shield (one tier), and
 * CloudFront's 30 GB largest cacheable object (the `maxBytes` bound is lower: a larger object passes through).
 */
import { mkdir, open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Readable, Transform } from 'node:stream';
import { oneLine } from '../common/log';
import type { CachePolicy, EdgeOrigin } from './definition';
import type { ByteRange, ObjectMeta, ObjectResult, ObjectSource } from './origin';

/** "The amount of time specified by the error caching minimum TTL (10 seconds by default)" (HTTPStatusCodes.md). */
export const ERROR_CACHING_MIN_TTL = 10;

// ---------------------------------------------------------------------------------------------------------------
// Freshness and ranges

/** Cache-Control's directives, names in lower case, a directive without a value mapped to ''. */
function directives(header: string | undefined): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...value] = part.split('=');
    const directive = name.trim().toLowerCase();
    if (directive !== '' && !found.has(directive)) found.set(directive, value.join('=').trim().replace(/^"|"$/g, ''));
  }
  return found;
}

const seconds = (value: string | undefined): number | undefined =>
  value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;

/**
 * How long, in seconds, the edge keeps an object: the table of Expiration.md ("Specifying the amount of time that
 * CloudFront caches objects"), row by row —
 * - `no-cache`, `no-store` or `private`: the minimum TTL ("CloudFront caches objects for the value of the CloudFront
 *   minimum TTL"); with a minimum TTL of 0 "CloudFront and browsers respect the headers": not cached;
 * - `s-maxage`, else `max-age`: that value, raised to the minimum TTL and lowered to the maximum TTL (with a minimum
 *   TTL of 0, "the lesser of the value of the Cache-Control max-age directive or the value of the CloudFront maximum
 *   TTL"; s-maxage wins over max-age for CloudFront, max-age is the browsers');
 * - neither: "the greater of the value of the CloudFront minimum TTL or default TTL".
 * 0 means not cached; such objects are not collapsed either (request collapsing: "set the minimum TTL for the cache
 * behavior to 0 and configure the origin to send Cache-Control: private, … no-store, … no-cache, … max-age=0").
 */
export function cacheTtl(policy: CachePolicy, cacheControl: string | undefined): number {
  const found = directives(cacheControl);
  if (['no-cache', 'no-store', 'private'].some((name) => found.has(name))) return policy.minTtl;
  const maxAge = seconds(found.get('s-maxage')) ?? seconds(found.get('max-age'));
  if (maxAge === undefined) return Math.max(policy.minTtl, policy.defaultTtl);
  return Math.min(Math.max(maxAge, policy.minTtl), policy.maxTtl);
}

/** The bytes [start, end] a range asks of an object of `size` bytes, or undefined when none can be served (416). */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } | undefined {
  if ('suffix' in range) {
    // RFC 9110 §14.1.1: a suffix range longer than the object is the whole object; `bytes=-0` selects nothing.
    return range.suffix === 0 || size === 0 ? undefined : { start: Math.max(0, size - range.suffix), end: size - 1 };
  }
  return range.start >= size ? undefined : { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

/**
 * One path of an invalidation as a test of a viewer path: exact, or a prefix when it ends with the `*` wildcard ("The
 * `*`, which replaces 0 or more characters, must be the last character in the invalidation path"). Case-sensitive;
 * paths are URL-encoded where unsafe (Invalidation.md), and compared decoded, as the cache records viewer paths.
 */
function invalidationMatcher(invalidationPath: string): (viewerPath: string) => boolean {
  const wildcard = invalidationPath.endsWith('*');
  const literal = wildcard ? invalidationPath.slice(0, -1) : invalidationPath;
  let decoded = literal;
  try {
    decoded = decodeURIComponent(literal);
  } catch {
    // Not valid percent-encoding: compared as written, so it can only name a path written the same way.
  }
  return wildcard ? (viewerPath) => viewerPath.startsWith(decoded) : (viewerPath) => viewerPath === decoded;
}

// ---------------------------------------------------------------------------------------------------------------
// The cache

export interface EdgeCacheOptions {
  /** Where objects are kept; files the cache left there before (`<n>.object`) are deleted when it opens. */
  dir: string;
  /** The most bytes kept on disk; an object larger than this passes through uncached. */
  maxBytes: number;
  /** Milliseconds since the epoch; tests move time on with it. */
  now?: () => number;
  /** Failures nobody else hears of (an expired copy served because its origin failed). Defaults to console.error. */
  log?: (message: string, error?: unknown) => void;
}

export interface CacheRequest {
  origin: Pick<EdgeOrigin, 'bucket' | 'missingKeyStatus'>;
  /** The object key, OriginPath included. */
  key: string;
  /** The viewer's path, percent-decoded: what invalidation paths are matched against. */
  path: string;
  policy: CachePolicy;
  range?: ByteRange;
  /** A HEAD needs the headers only: no body is read. */
  head?: boolean;
  /** Aborted when the viewer goes away before its answer is complete. */
  signal?: AbortSignal;
}

export interface CacheAnswer {
  result: ObjectResult;
  /** X-Cache (and Age on a hit), as CloudFront adds them to its answers. */
  headers: Record<string, string>;
}

export interface EdgeCacheStats {
  /** GetObject requests the cache made (misses, revalidations, uncacheable objects). */
  originRequests: number;
  /** Bytes read from the origin. */
  originBytes: number;
  /**
   * Bytes viewers were served from the cache's files — including what the viewer that missed reads from the file
   * being filled; offload is 1 − originBytes / bytes served.
   */
  cacheBytes: number;
  /** Bytes of the objects the cache holds now. */
  storedBytes: number;
}

type Status = 'Hit' | 'RefreshHit' | 'Miss' | 'Error';
const xCache = (status: Status): Record<string, string> => ({ 'x-cache': `${status} from cloudfront` });

/** Why a fill stopped that is no failure of the origin. */
class FillStopped extends Error {}

interface StoredObject {
  kind: 'object';
  id: string;
  file: string;
  /** The origin's headers, without the length and range of the answer that filled it. */
  meta: ObjectMeta;
  size: number;
  /** Bytes on disk so far. */
  written: number;
  state: 'filling' | 'complete' | 'failed';
  /** When it was fetched or last revalidated (Age counts from here). */
  fetchedAt: number;
  expiresAt: number;
  /** The viewer paths that reached it, for invalidations. */
  paths: Set<string>;
  /** Open readers of its file: the file is deleted when it leaves the index and the last of them closes. */
  readers: number;
  indexed: boolean;
  deleted: boolean;
  /** Readers waiting for more bytes (or the end of the fill). */
  wake: Set<() => void>;
  fill?: { viewers: number; gone: number; stop: (reason: Error) => void; done: Promise<void> };
}

/** A missing key (S3's 404), cached for the error caching minimum TTL. */
interface MissingObject {
  kind: 'missing';
  expiresAt: number;
  paths: Set<string>;
}

type Entry = StoredObject | MissingObject;

/** What the origin's answer to the first request means for the requests collapsed behind it. */
type Outcome =
  | { kind: 'cached' } // look again: the index has the answer
  | { kind: 'missing' } // the same 404/403, not cached
  | { kind: 'uncacheable' } // each asks the origin itself
  | { kind: 'failed'; error: unknown };

interface Pending {
  paths: Set<string>;
  /** An invalidation named it while its origin request was under way: what comes back is not kept. */
  invalidated: boolean;
  settled: Promise<Outcome>;
}

export class EdgeCache {
  /** In least-recently-used order, oldest first. */
  private readonly index = new Map<string, Entry>();
  /** Origin requests under way, by cache key: later requests for the same key wait for them. */
  private readonly pending = new Map<string, Pending>();
  /** Entries being filled, in the index or not (an evicted or replaced one still fills for its readers). */
  private readonly filling = new Set<StoredObject>();
  private readonly counters = { originRequests: 0, originBytes: 0, cacheBytes: 0 };
  private used = 0;
  private files = 0;
  private readonly now: () => number;
  private readonly log: (message: string, error?: unknown) => void;

  private constructor(
    private readonly source: ObjectSource,
    private readonly options: EdgeCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((message, error) =>
      console.error(`[edge cache] ${message}${error === undefined ? '' : `: ${oneLine(error)}`}`));
  }

  /**
   * An empty cache in front of `source`. A restarted edge is a cold edge: what an earlier run kept is deleted, since
   * the bucket may have changed while the edge was down and nothing would tell it.
   */
  static async open(source: ObjectSource, options: EdgeCacheOptions): Promise<EdgeCache> {
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 0) {
      throw new Error(`the edge cache's maxBytes must be a whole number of bytes, got ${options.maxBytes}`);
    }
    await mkdir(options.dir, { recursive: true });
    for (const name of await readdir(options.dir)) {
      if (/^\d+\.object$/.test(name)) await unlink(path.join(options.dir, name));
    }
    return new EdgeCache(source, options);
  }

  /** The answer for one viewer request, from the cache or through it. Throws what the origin threw (a 502). */
  async get(request: CacheRequest): Promise<CacheAnswer> {
    const id = `${request.origin.bucket}/${request.key}`;
    for (;;) {
      const pending = this.pending.get(id);
      if (pending) {
        // Collapsed: it gets what the first request got, and counts as a hit (request collapsing).
        pending.paths.add(request.path);
        const outcome = await pending.settled;
        if (outcome.kind === 'failed') throw outcome.error;
        if (outcome.kind === 'missing') return { result: { kind: 'not-found' }, headers: xCache('Error') };
        if (outcome.kind === 'uncacheable') return this.passThrough(request);
        continue;
      }
      const entry = this.index.get(id);
      if (entry && this.now() < entry.expiresAt) {
        this.index.delete(id);
        this.index.set(id, entry);
        entry.paths.add(request.path);
        return this.answer(entry, request, 'Hit');
      }
      return this.lead(id, request, entry?.kind === 'object' ? entry : undefined);
    }
  }

  /** Drops what the paths name (Invalidation.md); returns how many cached objects went. */
  invalidate(paths: readonly string[]): number {
    const matchers = paths.map(invalidationMatcher);
    const named = (viewerPaths: Set<string>) => [...viewerPaths].some((p) => matchers.some((matches) => matches(p)));
    let removed = 0;
    for (const [id, entry] of [...this.index]) {
      if (!named(entry.paths)) continue;
      this.remove(id, entry);
      removed += 1;
    }
    for (const pending of this.pending.values()) if (named(pending.paths)) pending.invalidated = true;
    return removed;
  }

  stats(): EdgeCacheStats {
    return { ...this.counters, storedBytes: this.used };
  }

  /** Stops the fills under way (nothing half-written stays) and waits for them. */
  async close(): Promise<void> {
    const fills = [...this.filling].flatMap((entry) => (entry.fill ? [entry.fill] : []));
    for (const fill of fills) fill.stop(new FillStopped('the edge is stopping'));
    await Promise.all(fills.map((fill) => fill.done));
  }

  /** The first request for a key that is missing or expired: it asks the origin, later ones wait for its answer. */
  private async lead(id: string, request: CacheRequest, stale: StoredObject | undefined): Promise<CacheAnswer> {
    let settle: (outcome: Outcome) => void = () => undefined;
    const settled = new Promise<Outcome>((resolve) => {
      settle = resolve;
    });
    const pending: Pending = { paths: new Set([request.path]), invalidated: false, settled };
    this.pending.set(id, pending);
    try {
      const { answer, outcome } = await this.fetch(id, request, stale, pending);
      settle(outcome);
      return answer;
    } catch (error) {
      settle({ kind: 'failed', error });
      throw error;
    } finally {
      this.pending.delete(id);
    }
  }

  private async fetch(
    id: string, request: CacheRequest, stale: StoredObject | undefined, pending: Pending,
  ): Promise<{ answer: CacheAnswer; outcome: Outcome }> {
    let result: ObjectResult;
    try {
      this.counters.originRequests += 1;
      // The whole object whatever the viewer's range; an expired copy is revalidated with its ETag ("the origin
      // returns a status code 304 Not Modified" when the cache has the latest version, Expiration.md).
      const etag = stale?.meta.etag;
      result = await this.source.get(request.origin.bucket, request.key, etag === undefined ? {} : { ifNoneMatch: etag });
    } catch (error) {
      if (!stale) throw error;
      // "If your origin returns a 5xx error code, CloudFront serves the object even though it has expired. For the
      // duration of the error caching minimum TTL" (HTTPStatusCodes.md); an unreachable origin counts as a 5xx.
      this.log(`origin failed revalidating ${id}; serving the expired copy for ${ERROR_CACHING_MIN_TTL} s`, error);
      stale.expiresAt = this.now() + ERROR_CACHING_MIN_TTL * 1000;
      return { answer: this.answer(stale, request, 'RefreshHit'), outcome: { kind: 'cached' } };
    }
    if (result.kind === 'not-modified') {
      if (!stale) throw new Error(`the origin answered 304 to an unconditional GET of ${id}`);
      stale.fetchedAt = this.now();
      stale.expiresAt = stale.fetchedAt + cacheTtl(request.policy, stale.meta.cacheControl) * 1000;
      for (const viewerPath of pending.paths) stale.paths.add(viewerPath);
      return { answer: this.answer(stale, request, 'RefreshHit'), outcome: { kind: 'cached' } };
    }
    if (stale) this.remove(id, stale);
    if (result.kind === 'not-found') {
      // S3's 404 is always cached for the error caching minimum TTL; its 403 (a bucket CloudFront may not list) only
      // with a Cache-Control max-age (HTTPStatusCodes.md, "HTTP 4xx status codes that CloudFront caches based on
      // Cache-Control headers"), which S3's errors never carry.
      if (request.origin.missingKeyStatus === 404 && !pending.invalidated) {
        this.index.set(id, { kind: 'missing', expiresAt: this.now() + ERROR_CACHING_MIN_TTL * 1000, paths: new Set(pending.paths) });
      }
      return { answer: { result, headers: xCache('Error') }, outcome: { kind: 'missing' } };
    }
    if (result.kind !== 'found') throw new Error(`the origin answered ${result.kind} to a GET of ${id} without a range`);

    const status = stale ? 'RefreshHit' : 'Miss';
    const ttl = cacheTtl(request.policy, result.meta.cacheControl);
    const size = result.meta.contentLength;
    if (ttl <= 0 || size === undefined || pending.invalidated || !this.makeRoom(size)) {
      return { answer: this.relay(result, request, status), outcome: { kind: 'uncacheable' } };
    }
    const entry = this.store(id, result.body, result.meta, size, ttl, pending.paths);
    return { answer: this.answer(entry, request, status), outcome: { kind: 'cached' } };
  }

  /** What a cached entry answers to one request. */
  private answer(entry: Entry, request: CacheRequest, status: Status): CacheAnswer {
    if (entry.kind === 'missing') return { result: { kind: 'not-found' }, headers: xCache('Error') };
    const bytes = request.range ? resolveRange(request.range, entry.size) : { start: 0, end: entry.size - 1 };
    if (!bytes) return { result: { kind: 'range-not-satisfiable', size: entry.size }, headers: xCache('Error') };
    const headers = xCache(status);
    // Age: how long the copy has been at the edge, on answers the edge gave without asking the origin.
    if (status === 'Hit') headers.age = String(Math.max(0, Math.floor((this.now() - entry.fetchedAt) / 1000)));
    this.join(entry, request.signal);
    const body = request.head ? Readable.from([]) : this.reader(entry, bytes.start, bytes.end);
    const meta: ObjectMeta = {
      ...entry.meta,
      contentLength: bytes.end + 1 - bytes.start,
      contentRange: request.range ? `bytes ${bytes.start}-${bytes.end}/${entry.size}` : undefined,
    };
    return { result: { kind: 'found', status: request.range ? 206 : 200, body, meta }, headers };
  }

  /**
   * An answer that is not kept, from the whole object the origin sent: only the viewer's range of it goes on, and
   * every byte read counts as origin bytes.
   */
  private relay(result: Extract<ObjectResult, { kind: 'found' }>, request: CacheRequest, status: Status): CacheAnswer {
    const size = result.meta.contentLength;
    const bytes = request.range && size !== undefined ? resolveRange(request.range, size) : { start: 0, end: Infinity };
    if (!bytes) {
      result.body.destroy();
      return { result: { kind: 'range-not-satisfiable', size }, headers: xCache('Error') };
    }
    const ranged = request.range !== undefined && size !== undefined;
    const meta: ObjectMeta = ranged
      ? { ...result.meta, contentLength: bytes.end + 1 - bytes.start, contentRange: `bytes ${bytes.start}-${bytes.end}/${size}` }
      : result.meta;
    const body = this.counted(result.body, bytes.start, bytes.end);
    return { result: { kind: 'found', status: ranged ? 206 : 200, body, meta }, headers: xCache(status) };
  }

  /** A request collapsed behind one whose object turned out uncacheable goes to the origin on its own. */
  private async passThrough(request: CacheRequest): Promise<CacheAnswer> {
    this.counters.originRequests += 1;
    const result = await this.source.get(request.origin.bucket, request.key, { range: request.range });
    if (result.kind !== 'found') return { result, headers: xCache('Error') };
    return { result: { ...result, body: this.counted(result.body, 0, Infinity) }, headers: xCache('Miss') };
  }

  /** The origin's body, counted, with only the bytes [start, end] passed on. */
  private counted(body: Readable, start: number, end: number): Readable {
    const counters = this.counters;
    let position = 0;
    const slice = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        counters.originBytes += chunk.length;
        const from = Math.max(0, start - position);
        const to = Math.min(chunk.length, end + 1 - position);
        position += chunk.length;
        callback(null, to > from ? chunk.subarray(from, to) : undefined);
      },
    });
    // Either side failing or closing early ends the other: a viewer that leaves stops the origin's body.
    pipeline(body, slice, () => undefined);
    return slice;
  }

  /** Makes room for `size` bytes by evicting complete objects, least recently used first; false if it cannot. */
  private makeRoom(size: number): boolean {
    const { maxBytes } = this.options;
    if (size > maxBytes) return false;
    for (const [id, entry] of this.index) {
      if (this.used + size <= maxBytes) break;
      if (entry.kind === 'object' && entry.state === 'complete') this.remove(id, entry);
    }
    return this.used + size <= maxBytes;
  }

  private store(id: string, body: Readable, meta: ObjectMeta, size: number, ttl: number, paths: Set<string>): StoredObject {
    const now = this.now();
    this.files += 1;
    const entry: StoredObject = {
      kind: 'object',
      id,
      file: path.join(this.options.dir, `${this.files}.object`),
      meta: { ...meta, contentLength: undefined, contentRange: undefined },
      size,
      written: 0,
      state: 'filling',
      fetchedAt: now,
      expiresAt: now + ttl * 1000,
      paths: new Set(paths),
      readers: 0,
      indexed: true,
      deleted: false,
      wake: new Set(),
    };
    this.index.set(id, entry);
    this.used += size;
    // fill() reads it with for-await, which reports its failure; until fill() starts, a stop must not be unhandled.
    body.on('error', () => undefined);
    const stop = (reason: Error) => {
      // Out of the index at once, so that a request arriving now starts a fill of its own.
      this.remove(id, entry);
      body.destroy(reason);
    };
    this.filling.add(entry);
    entry.fill = { viewers: 0, gone: 0, stop, done: this.fill(entry, body) };
    return entry;
  }

  /** Writes the origin's body to the entry's file, waking its readers as bytes land. */
  private async fill(entry: StoredObject, body: Readable): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(entry.file, 'w');
      for await (const chunk of body as AsyncIterable<Buffer>) {
        if (entry.written + chunk.length > entry.size) throw new Error(`the origin sent more than its ${entry.size} bytes`);
        await handle.write(chunk, 0, chunk.length, entry.written);
        entry.written += chunk.length;
        this.counters.originBytes += chunk.length;
        this.wake(entry);
      }
      if (entry.written !== entry.size) throw new Error(`the origin's body ended after ${entry.written} of ${entry.size} bytes`);
      entry.state = 'complete';
    } catch (error) {
      // Nothing half-written is ever served: out of the index, and every reader still waiting fails.
      entry.state = 'failed';
      this.remove(entry.id, entry);
      if (!(error instanceof FillStopped)) this.log(`origin failed while filling ${entry.id}`, error);
    } finally {
      await handle?.close().catch(() => undefined);
      entry.fill = undefined;
      this.filling.delete(entry);
      this.wake(entry);
      this.release(entry);
    }
  }

  /**
   * A viewer served from a fill under way. "If a viewer terminates a session … before [CloudFront] can deliver the
   * requested object, CloudFront does not cache the object" ("Canceled requests"): when every viewer of a fill has
   * gone, it stops and nothing is kept; while one stays, a viewer that leaves does not stop it for the others.
   */
  private join(entry: StoredObject, signal: AbortSignal | undefined): void {
    const fill = entry.fill;
    if (!fill) return;
    fill.viewers += 1;
    if (!signal) return;
    const leave = () => {
      fill.gone += 1;
      if (fill.gone === fill.viewers && entry.fill === fill) fill.stop(new FillStopped('every viewer went away'));
    };
    if (signal.aborted) leave();
    else signal.addEventListener('abort', leave, { once: true });
  }

  private reader(entry: StoredObject, start: number, end: number): Readable {
    entry.readers += 1;
    return new CachedBody(entry, start, end, (bytes) => {
      this.counters.cacheBytes += bytes;
    }, () => {
      entry.readers -= 1;
      this.release(entry);
    });
  }

  private wake(entry: StoredObject): void {
    const waiting = [...entry.wake];
    entry.wake.clear();
    for (const resolve of waiting) resolve();
  }

  private remove(id: string, entry: Entry): void {
    if (this.index.get(id) === entry) this.index.delete(id);
    if (entry.kind !== 'object' || !entry.indexed) return;
    entry.indexed = false;
    this.used -= entry.size;
    this.release(entry);
  }

  /** Deletes the file of an entry out of the index once nobody reads it; a fill nobody reads any more stops. */
  private release(entry: StoredObject): void {
    if (entry.indexed || entry.readers > 0 || entry.deleted) return;
    if (entry.fill) {
      entry.fill.stop(new FillStopped('nobody reads it'));
      return;
    }
    entry.deleted = true;
    unlink(entry.file).catch(() => undefined); // never opened when its origin failed at once
  }
}

/** At most this much is read from a cache file at a time. */
const READ_CHUNK = 256 * 1024;

/** Bytes [start, end] of an entry's file, read as they land while the fill is under way. */
class CachedBody extends Readable {
  private handle: FileHandle | undefined;
  private position: number;

  constructor(
    private readonly entry: StoredObject,
    start: number,
    private readonly end: number,
    private readonly served: (bytes: number) => void,
    private readonly onClose: () => void,
  ) {
    super({ highWaterMark: READ_CHUNK });
    this.position = start;
  }

  override _read(size: number): void {
    this.pump(size).catch((error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))));
  }

  private async pump(size: number): Promise<void> {
    if (this.position > this.end) {
      this.push(null);
      return;
    }
    while (this.entry.written <= this.position) {
      if (this.entry.state !== 'filling') throw new Error(`the edge could not fill ${this.entry.id} from its origin`);
      await new Promise<void>((resolve) => this.entry.wake.add(resolve));
      if (this.destroyed) return;
    }
    if (!this.handle) {
      const handle = await open(this.entry.file, 'r');
      if (this.destroyed) {
        await handle.close();
        return;
      }
      this.handle = handle;
    }
    const length = Math.min(Math.max(size, READ_CHUNK), this.end + 1 - this.position, this.entry.written - this.position);
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, this.position);
    if (bytesRead === 0) throw new Error(`the edge's file of ${this.entry.id} is shorter than it wrote`);
    this.position += bytesRead;
    this.served(bytesRead);
    this.push(buffer.subarray(0, bytesRead));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = undefined;
    this.onClose();
    // FileHandle.close waits for a read still under way.
    (handle?.close() ?? Promise.resolve()).then(() => callback(error), () => callback(error));
  }
}
