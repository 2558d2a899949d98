/** What the edge's tests share: an in-memory origin, raw HTTP, hand-written behaviours and sample objects. */
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { Readable } from 'node:stream';
import type { EdgeBehaviour } from '../../../../scripts/local/edge/definition';
import type { ObjectSource } from '../../../../scripts/local/edge/origin';

export const LAST_MODIFIED = new Date('2024-05-01T10:00:00Z');

export interface StoredObject {
  body: Buffer;
  contentType: string;
  cacheControl?: string;
}

export function object(body: string | Buffer, contentType: string, cacheControl?: string): StoredObject {
  return { body: Buffer.isBuffer(body) ? body : Buffer.from(body), contentType, cacheControl };
}

/** An in-memory origin that slices ranges the way S3 does and records what the edge asked for. */
export function memorySource(buckets: Record<string, Record<string, StoredObject>>): ObjectSource & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async get(bucket, key, { range } = {}) {
      calls.push(`${bucket}/${key}`);
      const stored = buckets[bucket]?.[key];
      if (!stored) return { kind: 'not-found' };
      const size = stored.body.length;
      let [start, end] = [0, size - 1];
      if (range && 'suffix' in range) start = Math.max(0, size - range.suffix);
      if (range && 'start' in range) [start, end] = [range.start, Math.min(range.end ?? size - 1, size - 1)];
      const empty = range !== undefined && 'suffix' in range && range.suffix === 0;
      if (start >= size || empty) return { kind: 'range-not-satisfiable', size };
      const slice = stored.body.subarray(start, end + 1);
      return {
        kind: 'found',
        status: range ? 206 : 200,
        body: Readable.from([slice]),
        meta: {
          contentType: stored.contentType,
          contentLength: slice.length,
          etag: `"${createHash('md5').update(stored.body).digest('hex')}"`,
          lastModified: LAST_MODIFIED,
          cacheControl: stored.cacheControl,
          contentRange: range ? `bytes ${start}-${end}/${size}` : undefined,
        },
      };
    },
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Raw HTTP (not fetch): fetch would normalise `..` away and decompress gzip before the test could see either. */
export function send(base: string, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const request = http.request({ hostname, port, path, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/**
 * Bytes as written, for what http.request cannot send (CONNECT, no Host, a request Node's parser refuses). Resolves
 * with the status line and the headers of the answer.
 */
export function sendRaw(base: string, request: string): Promise<{ statusLine: string; head: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const socket = net.connect(Number(port), hostname, () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      const head = Buffer.concat(chunks).toString('latin1').split('\r\n\r\n')[0] ?? '';
      resolve({ statusLine: head.split('\r\n')[0] ?? '', head });
    });
    socket.on('error', reject);
  });
}

export function behaviour(pathPattern: string, bucket: string, overrides: Partial<EdgeBehaviour> = {}): EdgeBehaviour {
  return {
    pathPattern,
    origin: { id: bucket, bucket, keyPrefix: '', missingKeyStatus: 404 },
    allowedMethods: ['GET', 'HEAD'],
    compress: false,
    responseHeaders: { remove: [], add: [] },
    trustedKeyGroups: [],
    ...overrides,
  };
}

export const INDEX = '<!doctype html><title>Blog</title><h1>Posts</h1>';
export const POST = '<!doctype html><title>Hello</title><p>Hello, world.</p>';
export const NOT_FOUND_PAGE = '<!doctype html><title>Not found</title><p>No such page.</p>';
export const SCRIPT = 'console.log("a line of the blog script");\n'.repeat(100); // 4,300 bytes, compressible
export const VIDEO = Buffer.from(Array.from({ length: 2_000 }, (_, i) => i % 251));
