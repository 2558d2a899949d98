/**
 * A behaviour with a cache policy, through the edge over HTTP: the edge cache answers (X-Cache, Age), the response
 * headers policy and conditional requests apply as on every behaviour, and a viewer that hangs up is seen by the
 * cache ("Canceled requests", CloudFront Developer Guide).
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EdgeCache } from '../../../../scripts/local/edge/cache';
import type { EdgeDefinition } from '../../../../scripts/local/edge/definition';
import { startEdge, type RunningEdge } from '../../../../scripts/local/edge/server';
import { bytes, fakeOrigin, until, type FakeOrigin } from './cache-fixtures';
import { behaviour, send } from './fixtures';

const FILE = bytes(200_000);
const RELEASES = { id: 'releases', bucket: 'releases-bucket', keyPrefix: '', missingKeyStatus: 404 } as const;
const POLICY = { minTtl: 0, defaultTtl: 86_400, maxTtl: 31_536_000 };

describe('a cached behaviour through the edge', () => {
  let dir: string;
  let origin: FakeOrigin;
  let cache: EdgeCache;
  let edge: RunningEdge;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'edge-cached-'));
    origin = fakeOrigin({
      'releases/stable/1.0.0/app.bin': { body: FILE, cacheControl: 'public, max-age=31536000, immutable' },
      'index.html': { body: Buffer.from('<h1>Blog</h1>') },
    });
    cache = await EdgeCache.open(origin, { dir, maxBytes: 10_000_000, log: jest.fn() });
    const definition: EdgeDefinition = {
      defaultBehaviour: behaviour('*', 'releases-bucket', { origin: RELEASES }),
      behaviours: [behaviour('releases/*', 'releases-bucket', {
        origin: RELEASES,
        cache: POLICY,
        responseHeaders: { remove: [], add: [{ name: 'x-content-type-options', value: 'nosniff', override: true }] },
      })],
      errorResponses: [],
    };
    edge = await startEdge({ host: '127.0.0.1', port: 0, definition, source: origin, cache, log: jest.fn() });
  });
  afterEach(async () => {
    await edge.close();
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a miss, then hits with Age, with the response headers policy, from one origin request', async () => {
    // Act
    const miss = await send(edge.url, '/releases/stable/1.0.0/app.bin');
    const hit = await send(edge.url, '/releases/stable/1.0.0/app.bin');
    // Assess
    expect([miss.status, hit.status]).toEqual([200, 200]);
    expect(miss.headers['x-cache']).toBe('Miss from cloudfront');
    expect(hit.headers['x-cache']).toBe('Hit from cloudfront');
    expect(hit.headers.age).toMatch(/^\d+$/);
    expect(miss.headers.age).toBeUndefined();
    expect(hit.body.equals(FILE)).toBe(true);
    expect(hit.headers['x-content-type-options']).toBe('nosniff');
    expect(hit.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(origin.calls).toHaveLength(1);
  });

  it('answers If-None-Match from the cache with 304', async () => {
    // Prepare
    const first = await send(edge.url, '/releases/stable/1.0.0/app.bin');
    // Act
    const reply = await send(edge.url, '/releases/stable/1.0.0/app.bin', 'GET', { 'if-none-match': first.headers.etag! });
    // Assess
    expect(reply.status).toBe(304);
    expect(reply.headers['x-cache']).toBe('Hit from cloudfront');
    expect(origin.calls).toHaveLength(1);
  });

  it('serves ranges from the cache, and 416 with the size past the end', async () => {
    // Act
    const middle = await send(edge.url, '/releases/stable/1.0.0/app.bin', 'GET', { range: 'bytes=1000-1999' });
    const suffix = await send(edge.url, '/releases/stable/1.0.0/app.bin', 'GET', { range: 'bytes=-100' });
    const beyond = await send(edge.url, '/releases/stable/1.0.0/app.bin', 'GET', { range: 'bytes=300000-' });
    // Assess
    expect([middle.status, middle.headers['content-range']]).toEqual([206, 'bytes 1000-1999/200000']);
    expect(middle.body.equals(FILE.subarray(1_000, 2_000))).toBe(true);
    expect(suffix.body.equals(FILE.subarray(FILE.length - 100))).toBe(true);
    expect([beyond.status, beyond.headers['content-range']]).toEqual([416, 'bytes */200000']);
    expect(origin.calls).toEqual([{ key: 'releases/stable/1.0.0/app.bin' }]);
  });

  it('answers a missing key with 404 and X-Cache Error, and leaves other behaviours uncached', async () => {
    // Act
    const missing = await send(edge.url, '/releases/stable/9.9.9/app.bin');
    const page = await send(edge.url, '/index.html');
    await send(edge.url, '/index.html');
    // Assess
    expect([missing.status, missing.headers['x-cache']]).toEqual([404, 'Error from cloudfront']);
    expect(page.headers['x-cache']).toBeUndefined();
    expect(origin.calls.filter((call) => call.key === 'index.html')).toHaveLength(2);
  });

  /** A download that hangs up after its first bytes. */
  function hangUpAfterFirstBytes(): Promise<void> {
    return new Promise((resolve, reject) => {
      const { hostname, port } = new URL(edge.url);
      const request = http.get({ hostname, port, path: '/releases/stable/1.0.0/app.bin' }, (response) => {
        response.once('data', () => {
          request.destroy();
          resolve();
        });
      });
      request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve() : reject(error)));
    });
  }

  it('drops a fill whose only viewer hangs up, and fetches the object again for the next viewer', async () => {
    // Prepare
    origin.manual = true;
    const hungUp = hangUpAfterFirstBytes();
    await until(() => origin.bodies.length === 1, 'the origin body');
    origin.bodies[0]!.write(FILE.subarray(0, 50_000));
    // Act
    await hungUp;
    // Assess
    await until(() => origin.bodies[0]!.destroyed, 'the edge to drop the origin body');
    origin.manual = false;
    const next = await send(edge.url, '/releases/stable/1.0.0/app.bin');
    expect(next.headers['x-cache']).toBe('Miss from cloudfront');
    expect(next.body.equals(FILE)).toBe(true);
    expect(origin.calls).toHaveLength(2);
  });

  it('keeps filling for a viewer that stays when another hangs up', async () => {
    // Prepare
    origin.manual = true;
    const hungUp = hangUpAfterFirstBytes();
    await until(() => origin.bodies.length === 1, 'the origin body');
    const get = jest.spyOn(cache, 'get');
    const staying = send(edge.url, '/releases/stable/1.0.0/app.bin');
    await until(() => get.mock.results.length === 1, 'the second viewer to reach the cache');
    await get.mock.results[0]!.value; // it is served from the fill under way
    origin.bodies[0]!.write(FILE.subarray(0, 50_000));
    await hungUp;
    // Act
    origin.bodies[0]!.end(FILE.subarray(50_000));
    // Assess
    expect((await staying).body.equals(FILE)).toBe(true);
    origin.manual = false;
    expect((await send(edge.url, '/releases/stable/1.0.0/app.bin')).headers['x-cache']).toBe('Hit from cloudfront');
    expect(origin.calls).toHaveLength(1);
  });
});
