/**
 * The local edge's cache against an origin that counts its requests: how long objects stay ("Manage how long content
 * stays in the cache (expiration)"), collapsed misses ("Simultaneous requests for the same object (request
 * collapsing)"), ranges served from what the edge holds ("Use range GETs"), viewers that leave ("Canceled
 * requests"), errors ("How CloudFront processes and caches HTTP 4xx and 5xx status codes") and invalidations
 * ("Invalidate files") — CloudFront Developer Guide.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cacheTtl, EdgeCache, type CacheRequest, type EdgeCacheOptions } from '../../../../scripts/local/edge/cache';
import type { CachePolicy } from '../../../../scripts/local/edge/definition';
import type { ByteRange, ObjectResult } from '../../../../scripts/local/edge/origin';
import { bytes, etagOf, fakeOrigin, gate, read, until, type FakeOrigin, type OriginObject } from './cache-fixtures';

/** The releases' policy: a year at most, a day by default, the origin's Cache-Control in between. */
const YEAR: CachePolicy = { minTtl: 0, defaultTtl: 86_400, maxTtl: 31_536_000 };
const ORIGIN = { bucket: 'releases-bucket', missingKeyStatus: 404 } as const;
const FILE = bytes(10_000);

describe('cacheTtl: the table of Expiration.md', () => {
  it.each<[string, CachePolicy, string | undefined, number]>([
    ['max-age between the bounds', { minTtl: 0, defaultTtl: 86_400, maxTtl: 31_536_000 }, 'public, max-age=60', 60],
    ['max-age over the maximum TTL: the maximum', { minTtl: 0, defaultTtl: 86_400, maxTtl: 300 }, 'max-age=3600', 300],
    ['max-age under a minimum TTL: the minimum', { minTtl: 120, defaultTtl: 86_400, maxTtl: 31_536_000 }, 'max-age=60', 120],
    ['s-maxage over max-age for CloudFront', { minTtl: 0, defaultTtl: 86_400, maxTtl: 31_536_000 }, 'max-age=60, s-maxage=600', 600],
    ['no max-age: the default TTL', { minTtl: 0, defaultTtl: 86_400, maxTtl: 31_536_000 }, undefined, 86_400],
    ['no max-age, minimum over default: the minimum', { minTtl: 90_000, defaultTtl: 86_400, maxTtl: 31_536_000 }, 'public', 90_000],
    ['no-store with minimum TTL 0: not cached', { minTtl: 0, defaultTtl: 86_400, maxTtl: 31_536_000 }, 'no-store', 0],
    ['no-cache with minimum TTL 0: not cached', { minTtl: 0, defaultTtl: 86_400, maxTtl: 31_536_000 }, 'no-cache, max-age=600', 0],
    ['private with minimum TTL 0: not cached', { minTtl: 0, defaultTtl: 86_400, maxTtl: 31_536_000 }, 'private="set-cookie"', 0],
    ['no-store with a minimum TTL: the minimum', { minTtl: 30, defaultTtl: 86_400, maxTtl: 31_536_000 }, 'No-Store', 30],
    ['max-age=0: not cached', { minTtl: 0, defaultTtl: 86_400, maxTtl: 31_536_000 }, 'max-age=0', 0],
    ['an unreadable max-age is no max-age', { minTtl: 0, defaultTtl: 50, maxTtl: 31_536_000 }, 'max-age=soon', 50],
  ])('%s', (_case, policy, cacheControl, ttl) => {
    // Act + Assess
    expect(cacheTtl(policy, cacheControl)).toBe(ttl);
  });
});

describe('the edge cache', () => {
  let dir: string;
  let clock: number;
  let origin: FakeOrigin;
  let cache: EdgeCache;
  const caches: EdgeCache[] = [];

  async function open(objects: Record<string, OriginObject>, options: Partial<EdgeCacheOptions> = {}) {
    origin = fakeOrigin(objects);
    cache = await EdgeCache.open(origin, { dir, maxBytes: 1_000_000, now: () => clock, log: jest.fn(), ...options });
    caches.push(cache);
    return cache;
  }

  const request = (key: string, more: Partial<CacheRequest> = {}): CacheRequest =>
    ({ origin: ORIGIN, key, path: `/${key}`, policy: YEAR, ...more });

  /** One viewer request, read to the end. */
  async function fetch(key: string, more: Partial<CacheRequest> = {}) {
    const { result, headers } = await cache.get(request(key, more));
    const body = result.kind === 'found' ? await read(result.body) : undefined;
    return { result, headers, body };
  }

  const found = (result: ObjectResult) => {
    if (result.kind !== 'found') throw new Error(`expected an object, got ${result.kind}`);
    return result;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'edge-cache-'));
    clock = Date.parse('2026-12-01T10:00:00Z');
  });
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((each) => each.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  describe('how long an object stays', () => {
    it('serves a miss, then hits with Age until max-age, from one origin request', async () => {
      // Prepare
      await open({ 'stable/latest.json': { body: Buffer.from('{"version":"1.0.0"}'), cacheControl: 'public, max-age=60' } });
      // Act
      const miss = await fetch('stable/latest.json');
      clock += 59_000;
      const hit = await fetch('stable/latest.json');
      // Assess
      expect(miss.headers).toEqual({ 'x-cache': 'Miss from cloudfront' });
      expect(hit.headers).toEqual({ 'x-cache': 'Hit from cloudfront', age: '59' });
      expect(hit.body?.toString()).toBe('{"version":"1.0.0"}');
      expect(origin.calls).toHaveLength(1);
    });

    it('revalidates an expired copy with its ETag: a 304 keeps it (RefreshHit) for another max-age', async () => {
      // Prepare
      await open({ 'stable/latest.json': { body: Buffer.from('v1'), cacheControl: 'max-age=60' } });
      await fetch('stable/latest.json');
      clock += 60_000;
      // Act
      const refreshed = await fetch('stable/latest.json');
      clock += 30_000;
      const hit = await fetch('stable/latest.json');
      // Assess
      expect(origin.calls).toEqual([
        { key: 'stable/latest.json' },
        { key: 'stable/latest.json', ifNoneMatch: etagOf(Buffer.from('v1')) },
      ]);
      expect(refreshed.headers['x-cache']).toBe('RefreshHit from cloudfront');
      expect(refreshed.body?.toString()).toBe('v1');
      expect(hit.headers).toEqual({ 'x-cache': 'Hit from cloudfront', age: '30' });
    });

    it('serves the new object after expiry when it changed at the origin, and the old one until then', async () => {
      // Prepare
      await open({ 'stable/latest.json': { body: Buffer.from('v1'), cacheControl: 'max-age=60' } });
      await fetch('stable/latest.json');
      origin.objects['stable/latest.json'] = { body: Buffer.from('v2'), cacheControl: 'max-age=60' };
      // Act
      clock += 59_999;
      const before = await fetch('stable/latest.json');
      clock += 1;
      const after = await fetch('stable/latest.json');
      // Assess
      expect(before.body?.toString()).toBe('v1');
      expect(after.body?.toString()).toBe('v2');
      expect(after.headers['x-cache']).toBe('RefreshHit from cloudfront');
    });

    it('keeps an object no longer than the maximum TTL, whatever its max-age', async () => {
      // Prepare
      await open({ 'a.bin': { body: FILE, cacheControl: 'public, max-age=31536000, immutable' } });
      const policy = { minTtl: 0, defaultTtl: 60, maxTtl: 300 };
      await fetch('a.bin', { policy });
      // Act
      clock += 299_000;
      const hit = await fetch('a.bin', { policy });
      clock += 1_000;
      const expired = await fetch('a.bin', { policy });
      // Assess
      expect(hit.headers['x-cache']).toBe('Hit from cloudfront');
      expect(expired.headers['x-cache']).toBe('RefreshHit from cloudfront');
      expect(origin.calls).toHaveLength(2);
    });

    it('uses the default TTL for an object without Cache-Control', async () => {
      // Prepare
      await open({ 'a.bin': { body: FILE } });
      await fetch('a.bin');
      // Act
      clock += 86_399_000;
      const hit = await fetch('a.bin');
      clock += 1_000;
      const expired = await fetch('a.bin');
      // Assess
      expect([hit.headers['x-cache'], expired.headers['x-cache']]).toEqual(['Hit from cloudfront', 'RefreshHit from cloudfront']);
    });

    it('does not keep a no-store object (minimum TTL 0): every request reaches the origin', async () => {
      // Prepare
      await open({ 'live.json': { body: Buffer.from('now'), cacheControl: 'no-store' } });
      // Act
      const answers = [await fetch('live.json'), await fetch('live.json'), await fetch('live.json')];
      // Assess
      expect(answers.map((answer) => [answer.headers['x-cache'], answer.body?.toString()])).toEqual([
        ['Miss from cloudfront', 'now'], ['Miss from cloudfront', 'now'], ['Miss from cloudfront', 'now'],
      ]);
      expect(origin.calls).toHaveLength(3);
      expect(cache.stats().storedBytes).toBe(0);
    });

    it('keeps a no-store object for the minimum TTL when the policy has one', async () => {
      // Prepare
      await open({ 'live.json': { body: Buffer.from('now'), cacheControl: 'no-store' } });
      const policy = { minTtl: 5, defaultTtl: 60, maxTtl: 300 };
      // Act
      await fetch('live.json', { policy });
      clock += 4_000;
      const hit = await fetch('live.json', { policy });
      // Assess
      expect(hit.headers['x-cache']).toBe('Hit from cloudfront');
      expect(origin.calls).toHaveLength(1);
    });
  });

  describe('errors', () => {
    it('caches a 404 for the error caching minimum TTL (10 s), then asks again', async () => {
      // Prepare
      await open({});
      // Act
      const first = await fetch('stable/latest.json');
      clock += 9_999;
      const cached = await fetch('stable/latest.json');
      origin.objects['stable/latest.json'] = { body: Buffer.from('v1'), cacheControl: 'max-age=60' };
      clock += 1;
      const afterwards = await fetch('stable/latest.json');
      // Assess
      expect([first.result.kind, cached.result.kind]).toEqual(['not-found', 'not-found']);
      expect(first.headers['x-cache']).toBe('Error from cloudfront');
      expect(afterwards.body?.toString()).toBe('v1');
      expect(origin.calls).toHaveLength(2);
    });

    it('does not cache S3\'s 403 for a key it may not list: it carries no Cache-Control', async () => {
      // Prepare
      await open({});
      const forbidden = { origin: { bucket: 'private', missingKeyStatus: 403 as const } };
      // Act
      await fetch('x.bin', forbidden);
      await fetch('x.bin', forbidden);
      // Assess
      expect(origin.calls).toHaveLength(2);
    });

    it('throws the origin\'s failure to the viewer (a 502) and caches nothing', async () => {
      // Prepare
      await open({ 'a.bin': { body: FILE } });
      origin.failure = new Error('connect ECONNREFUSED');
      // Act
      const failed = cache.get(request('a.bin'));
      // Assess
      await expect(failed).rejects.toThrow('ECONNREFUSED');
      origin.failure = undefined;
      expect((await fetch('a.bin')).headers['x-cache']).toBe('Miss from cloudfront');
    });

    it('serves an expired copy when its origin fails, for the error caching minimum TTL', async () => {
      // Prepare
      await open({ 'a.bin': { body: FILE, cacheControl: 'max-age=60' } });
      await fetch('a.bin');
      clock += 61_000;
      origin.failure = new Error('socket hang up');
      // Act
      const stale = await fetch('a.bin');
      clock += 9_000;
      const stillStale = await fetch('a.bin');
      // Assess
      expect(stale.body?.equals(FILE)).toBe(true);
      expect(stillStale.headers['x-cache']).toBe('Hit from cloudfront');
      expect(origin.calls).toHaveLength(2);
    });
  });

  describe('request collapsing', () => {
    it('makes ten concurrent misses for one object one origin request; the others are hits', async () => {
      // Prepare
      await open({ 'big.bin': { body: FILE, cacheControl: 'max-age=31536000' } });
      const held = gate();
      origin.gate = held.promise;
      // Act
      const answers = Array.from({ length: 10 }, () => fetch('big.bin'));
      held.open();
      const done = await Promise.all(answers);
      // Assess
      expect(origin.calls).toHaveLength(1);
      expect(done.every((answer) => answer.body?.equals(FILE))).toBe(true);
      expect(done.map((answer) => answer.headers['x-cache']).sort()).toEqual(
        ['Miss from cloudfront', ...Array.from({ length: 9 }, () => 'Hit from cloudfront')].sort());
      expect(cache.stats()).toMatchObject({ originRequests: 1, originBytes: FILE.length, cacheBytes: 10 * FILE.length });
    });

    it('does not collapse requests for a no-store object: each waits for the first answer, then asks itself', async () => {
      // Prepare
      await open({ 'live.json': { body: Buffer.from('now'), cacheControl: 'no-store' } });
      const held = gate();
      origin.gate = held.promise;
      // Act
      const answers = Array.from({ length: 3 }, () => fetch('live.json'));
      await until(() => origin.calls.length === 1, 'the first origin request');
      held.open();
      const done = await Promise.all(answers);
      // Assess
      expect(origin.calls).toHaveLength(3);
      expect(done.map((answer) => answer.body?.toString())).toEqual(['now', 'now', 'now']);
    });

    it('gives every collapsed request the origin\'s failure', async () => {
      // Prepare
      await open({ 'big.bin': { body: FILE } });
      const held = gate();
      origin.gate = held.promise;
      origin.failure = new Error('connect ECONNREFUSED');
      // Act
      const answers = Array.from({ length: 3 }, () => cache.get(request('big.bin')));
      held.open();
      const settled = await Promise.allSettled(answers);
      // Assess
      expect(settled.map((each) => each.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(origin.calls).toHaveLength(1);
    });
  });

  describe('ranges', () => {
    it.each<[string, ByteRange, number, number]>([
      ['the first bytes', { start: 0, end: 99 }, 0, 99],
      ['the middle', { start: 4_000, end: 4_999 }, 4_000, 4_999],
      ['an open-ended range', { start: 9_990 }, 9_990, 9_999],
      ['a suffix', { suffix: 10 }, 9_990, 9_999],
      ['a suffix longer than the object', { suffix: 20_000 }, 0, 9_999],
      ['a range ending past the end', { start: 9_000, end: 50_000 }, 9_000, 9_999],
    ])('serves %s from the whole object it fetched once', async (_case, range, start, end) => {
      // Prepare
      await open({ 'big.bin': { body: FILE } });
      // Act
      const miss = await fetch('big.bin', { range });
      const hit = await fetch('big.bin', { range });
      // Assess
      for (const answer of [miss, hit]) {
        expect(found(answer.result)).toMatchObject({ status: 206, meta: { contentLength: end + 1 - start, contentRange: `bytes ${start}-${end}/10000` } });
        expect(answer.body?.equals(FILE.subarray(start, end + 1))).toBe(true);
      }
      expect(origin.calls).toEqual([{ key: 'big.bin' }]);
    });

    it.each<[string, ByteRange]>([
      ['a range starting at the size', { start: 10_000 }],
      ['a range beyond the end', { start: 20_000, end: 20_010 }],
      ['bytes=-0', { suffix: 0 }],
    ])('answers %s with 416 and the size (Content-Range: bytes */size)', async (_case, range) => {
      // Prepare
      await open({ 'big.bin': { body: FILE } });
      // Act
      const answer = await fetch('big.bin', { range });
      // Assess
      expect(answer.result).toEqual({ kind: 'range-not-satisfiable', size: 10_000 });
    });

    it('serves a range asked for while the object fills from the growing file, without a second origin request', async () => {
      // Prepare: the origin sends the first half, then waits
      await open({ 'big.bin': { body: FILE } });
      origin.manual = true;
      const whole = await cache.get(request('big.bin'));
      await until(() => origin.bodies.length === 1, 'the origin body');
      const [body] = origin.bodies;
      body!.write(FILE.subarray(0, 5_000));

      // Act
      const early = await fetch('big.bin', { range: { start: 100, end: 199 } }); // already on disk
      const late = cache.get(request('big.bin', { range: { start: 8_000, end: 8_099 } }));
      const lateBody = read(found((await late).result).body);
      body!.end(FILE.subarray(5_000));

      // Assess
      expect(early.body?.equals(FILE.subarray(100, 200))).toBe(true);
      expect((await lateBody).equals(FILE.subarray(8_000, 8_100))).toBe(true);
      expect((await read(found(whole.result).body)).equals(FILE)).toBe(true);
      expect(origin.calls).toHaveLength(1);
    });

    it('gives a viewer its first bytes before the origin has sent the last', async () => {
      // Prepare
      await open({ 'big.bin': { body: FILE } });
      origin.manual = true;
      const { result } = await cache.get(request('big.bin'));
      await until(() => origin.bodies.length === 1, 'the origin body');
      // Act
      origin.bodies[0]!.write(FILE.subarray(0, 1_000));
      const first = await new Promise<Buffer>((resolve) => found(result).body.once('data', resolve));
      // Assess
      expect(first.equals(FILE.subarray(0, first.length))).toBe(true);
      origin.bodies[0]!.end(FILE.subarray(1_000));
      await read(found(result).body);
    });

    it('answers a HEAD without reading the body', async () => {
      // Prepare
      await open({ 'big.bin': { body: FILE } });
      await fetch('big.bin');
      // Act
      const head = await fetch('big.bin', { head: true });
      // Assess
      expect(found(head.result).meta.contentLength).toBe(10_000);
      expect(head.body?.length).toBe(0);
      expect(cache.stats().cacheBytes).toBe(10_000);
    });
  });

  describe('a fill that does not finish', () => {
    it('fails every viewer of a fill whose origin breaks off, and serves nothing of it later', async () => {
      // Prepare
      await open({ 'big.bin': { body: FILE } });
      origin.manual = true;
      const first = await cache.get(request('big.bin'));
      await until(() => origin.bodies.length === 1, 'the origin body');
      origin.bodies[0]!.write(FILE.subarray(0, 3_000));
      const second = await cache.get(request('big.bin', { range: { start: 5_000, end: 5_099 } }));
      const reads = [read(found(first.result).body), read(found(second.result).body)];
      // Act
      origin.bodies[0]!.destroy(new Error('connection reset by the origin'));
      // Assess
      const settled = await Promise.allSettled(reads);
      expect(settled.map((each) => each.status)).toEqual(['rejected', 'rejected']);
      origin.manual = false;
      const again = await fetch('big.bin');
      expect(again.headers['x-cache']).toBe('Miss from cloudfront');
      expect(again.body?.equals(FILE)).toBe(true);
      expect(origin.calls).toHaveLength(2);
    });

    it('fails a fill whose origin body ends short of its Content-Length', async () => {
      // Prepare
      await open({ 'big.bin': { body: FILE } });
      origin.manual = true;
      const { result } = await cache.get(request('big.bin'));
      await until(() => origin.bodies.length === 1, 'the origin body');
      // Act
      origin.bodies[0]!.end(FILE.subarray(0, 9_000));
      // Assess
      await expect(read(found(result).body)).rejects.toThrow();
      expect(cache.stats().storedBytes).toBe(0);
    });

    it('keeps filling for the others when one viewer goes away, and keeps the object', async () => {
      // Prepare
      await open({ 'big.bin': { body: FILE } });
      origin.manual = true;
      const leaving = new AbortController();
      const first = await cache.get(request('big.bin', { signal: leaving.signal }));
      const second = await cache.get(request('big.bin', { signal: new AbortController().signal }));
      await until(() => origin.bodies.length === 1, 'the origin body');
      origin.bodies[0]!.write(FILE.subarray(0, 2_000));
      // Act
      found(first.result).body.destroy();
      leaving.abort();
      origin.bodies[0]!.end(FILE.subarray(2_000));
      // Assess
      expect((await read(found(second.result).body)).equals(FILE)).toBe(true);
      origin.manual = false;
      expect((await fetch('big.bin')).headers['x-cache']).toBe('Hit from cloudfront');
      expect(origin.calls).toHaveLength(1);
    });

    it('stops the fill and keeps nothing when its only viewer goes away ("Canceled requests")', async () => {
      // Prepare
      await open({ 'big.bin': { body: FILE } });
      origin.manual = true;
      const leaving = new AbortController();
      const { result } = await cache.get(request('big.bin', { signal: leaving.signal }));
      await until(() => origin.bodies.length === 1, 'the origin body');
      origin.bodies[0]!.write(FILE.subarray(0, 2_000));
      // Act
      found(result).body.destroy();
      leaving.abort();
      // Assess
      await until(() => origin.bodies[0]!.destroyed, 'the origin body to be dropped');
      origin.manual = false;
      expect((await fetch('big.bin')).headers['x-cache']).toBe('Miss from cloudfront');
      expect(origin.calls).toHaveLength(2);
      await until(() => readdirSync(dir).length === 1, 'the stopped fill\'s file to be deleted');
    });
  });

  describe('storage', () => {
    it('evicts the least recently used object to stay within maxBytes, and deletes its file', async () => {
      // Prepare
      await open({ 'a.bin': { body: bytes(100, 1) }, 'b.bin': { body: bytes(100, 2) }, 'c.bin': { body: bytes(100, 3) } }, { maxBytes: 250 });
      await fetch('a.bin');
      await fetch('b.bin');
      await fetch('a.bin'); // a is now more recent than b
      // Act
      await fetch('c.bin');
      // Assess
      expect((await fetch('a.bin')).headers['x-cache']).toBe('Hit from cloudfront');
      expect(cache.stats().storedBytes).toBe(200);
      expect(readdirSync(dir)).toHaveLength(2);
      expect((await fetch('b.bin')).headers['x-cache']).toBe('Miss from cloudfront');
    });

    it('passes an object larger than maxBytes through, uncached, each request with its own range', async () => {
      // Prepare
      await open({ 'big.bin': { body: FILE } }, { maxBytes: 5_000 });
      // Act
      const first = await fetch('big.bin', { range: { start: 10, end: 19 } });
      const second = await fetch('big.bin');
      // Assess
      expect(first.body?.equals(FILE.subarray(10, 20))).toBe(true);
      expect(found(first.result).meta.contentRange).toBe('bytes 10-19/10000');
      expect(second.body?.equals(FILE)).toBe(true);
      expect(origin.calls).toHaveLength(2);
      expect(cache.stats()).toMatchObject({ storedBytes: 0, originBytes: 20_000, cacheBytes: 0 });
    });

    it('starts cold: the files an earlier edge left are deleted', async () => {
      // Prepare
      writeFileSync(path.join(dir, '7.object'), 'left over');
      // Act
      await open({});
      // Assess
      expect(existsSync(path.join(dir, '7.object'))).toBe(false);
    });
  });

  describe('invalidation', () => {
    const objects = () => ({
      'releases/stable/latest.json': { body: Buffer.from('v1'), cacheControl: 'max-age=60' },
      'releases/stable/1.0.0/app.bin': { body: FILE, cacheControl: 'max-age=31536000, immutable' },
      'releases/beta/latest.json': { body: Buffer.from('b1'), cacheControl: 'max-age=60' },
      'posts/a b.html': { body: Buffer.from('post') },
    });
    const keys = Object.keys(objects());

    async function warm() {
      await open(objects());
      for (const key of keys) await fetch(key);
    }
    async function misses(): Promise<string[]> {
      const before = origin.calls.length;
      for (const key of keys) await fetch(key);
      return origin.calls.slice(before).map((call) => call.key);
    }

    it('drops exactly the path named', async () => {
      // Prepare
      await warm();
      // Act
      const removed = cache.invalidate(['/releases/stable/latest.json']);
      // Assess
      expect(removed).toBe(1);
      expect(await misses()).toEqual(['releases/stable/latest.json']);
    });

    it('drops every path under a trailing * wildcard, and no other', async () => {
      // Prepare
      await warm();
      // Act
      cache.invalidate(['/releases/stable/*']);
      // Assess
      expect(await misses()).toEqual(['releases/stable/latest.json', 'releases/stable/1.0.0/app.bin']);
    });

    it('matches paths case-sensitively, a wildcard only at the end, and URL-encoded characters decoded', async () => {
      // Prepare
      await warm();
      // Act
      cache.invalidate(['/Releases/*', '/releases/*/latest.json', '/posts/a%20b.html']);
      // Assess
      expect(await misses()).toEqual(['posts/a b.html']);
    });

    it('does not keep what an origin request under way brings back after an invalidation named it', async () => {
      // Prepare
      await open(objects());
      const held = gate();
      origin.gate = held.promise;
      const pending = fetch('releases/stable/latest.json');
      await until(() => origin.calls.length === 1, 'the origin request');
      // Act
      cache.invalidate(['/releases/stable/latest.json']);
      held.open();
      await pending;
      // Assess
      expect((await fetch('releases/stable/latest.json')).headers['x-cache']).toBe('Miss from cloudfront');
    });
  });
});
