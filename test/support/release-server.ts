/**
 * A small origin for the download client's tests: serves release objects as CloudFront and S3 do for a GET with
 * Range (RFC 9110 §14.2, 206 with Content-Range, 416 past the end) and If-Range (§13.1.5: the Range applies only
 * while the ETag matches, else the whole object with 200) — and misbehaves on demand: drops the connection
 * mid-body, ignores Range or If-Range, answers with a status, stalls.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { listen, type Listening } from '../../scripts/local/common/http-server';
import {
  CACHE_CONTROL, releaseKeys, signDocument, type ReleaseKey, type ReleaseManifest,
} from '../../web/src/releases/manifest';

export interface ServedObject {
  body: Buffer;
  etag?: string;
  contentType?: string;
}

export interface Misbehaviour {
  /** Send this many bytes of the body, then destroy the socket (for each of the next `times` file requests). */
  dropAfter?: { bytes: number; times: number };
  /** Answer these statuses (one per request, in order) before serving normally. */
  statuses?: number[];
  /** Answer every Range with the whole object (200). */
  ignoreRange?: boolean;
  /** Apply Range even when If-Range does not match (a broken cache). */
  ignoreIfRange?: boolean;
  /** Send the headers, then nothing, for the next request. */
  stallOnce?: boolean;
}

export interface RecordedRequest {
  path: string;
  range?: string;
  ifRange?: string;
  acceptEncoding?: string;
  status: number;
  bytesSent: number;
}

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
export const etagOf = (bytes: Buffer): string => `"${createHash('md5').update(bytes).digest('hex')}"`;

export class ReleaseServer {
  readonly objects = new Map<string, ServedObject>();
  readonly requests: RecordedRequest[] = [];
  misbehave: Misbehaviour = {};
  private listening?: Listening;

  get url(): string {
    if (this.listening === undefined) throw new Error('not started');
    return this.listening.url;
  }

  async start(): Promise<this> {
    this.listening = await listen(http.createServer((req, res) => this.handle(req, res)), '127.0.0.1', 0);
    return this;
  }

  async close(): Promise<void> {
    await this.listening?.close();
  }

  put(key: string, body: Buffer | string, options: { etag?: string | null; contentType?: string } = {}): void {
    const bytes = Buffer.from(body);
    const etag = options.etag === null ? undefined : options.etag ?? etagOf(bytes);
    this.objects.set(`/${key}`, { body: bytes, ...(etag === undefined ? {} : { etag }), ...(options.contentType ? { contentType: options.contentType } : {}) });
  }

  /** The requests for paths other than the JSON documents: what the file cost. */
  fileRequests(): RecordedRequest[] {
    return this.requests.filter((request) => !request.path.endsWith('.json'));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const record: RecordedRequest = {
      path, status: 0, bytesSent: 0,
      ...(req.headers.range === undefined ? {} : { range: req.headers.range }),
      ...(typeof req.headers['if-range'] === 'string' ? { ifRange: req.headers['if-range'] } : {}),
      ...(req.headers['accept-encoding'] === undefined ? {} : { acceptEncoding: req.headers['accept-encoding'] }),
    };
    this.requests.push(record);
    const isFile = !path.endsWith('.json');
    const forced = this.misbehave.statuses?.shift();
    if (forced !== undefined) {
      record.status = forced;
      res.writeHead(forced, { 'content-type': 'text/plain' }).end(`${forced}\n`);
      return;
    }
    const object = this.objects.get(path);
    if (object === undefined) {
      record.status = 404;
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404\n');
      return;
    }
    const size = object.body.length;
    const headers: Record<string, string> = {
      'content-type': object.contentType ?? (isFile ? 'application/octet-stream' : 'application/json'),
      'accept-ranges': 'bytes',
      'cache-control': isFile ? CACHE_CONTROL.immutable : CACHE_CONTROL.pointer,
      ...(object.etag === undefined ? {} : { etag: object.etag }),
    };
    let start = 0;
    let status = 200;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    const rangeApplies = range !== null && !this.misbehave.ignoreRange
      && (ifRange === undefined || this.misbehave.ignoreIfRange || ifRange === object.etag);
    if (rangeApplies) {
      start = Number(range[1]);
      if (start >= size) {
        record.status = 416;
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${size - 1}/${size}`;
    }
    const body = object.body.subarray(start);
    headers['content-length'] = String(body.length);
    record.status = status;
    res.writeHead(status, headers);
    if (isFile && this.misbehave.stallOnce) {
      this.misbehave.stallOnce = false;
      res.flushHeaders();
      return; // nothing more: the client must give up on it
    }
    const drop = isFile ? this.misbehave.dropAfter : undefined;
    if (drop !== undefined && drop.times > 0) {
      drop.times -= 1;
      const part = body.subarray(0, drop.bytes);
      record.bytesSent = part.length;
      res.write(part, () => setTimeout(() => res.destroy(), 20));
      return;
    }
    record.bytesSent = body.length;
    res.end(body);
  }
}

export const NOW = new Date('2026-12-02T10:00:00Z');

export function manifestFor(file: string, body: Buffer, over: Partial<ReleaseManifest> = {}): ReleaseManifest {
  return {
    format: 1, channel: 'stable', version: '1.0.0', file, size: body.length, sha256: sha256(body),
    releasedAt: '2026-12-01T00:00:00Z', signedAt: '2026-12-01T00:00:00Z', expiresAt: '2027-03-01T00:00:00Z',
    keyId: 'release-1', ...over,
  };
}

/** A release as the publisher lays it out: the file, its manifest, and latest.json pointing at it. */
export async function publish(
  server: ReleaseServer, key: ReleaseKey, manifest: ReleaseManifest, body: Buffer, options: { etag?: string | null } = {},
): Promise<void> {
  const signed = JSON.stringify(await signDocument(manifest, key));
  server.put(releaseKeys.file(manifest.channel, manifest.version, manifest.file), body, options);
  server.put(releaseKeys.manifest(manifest.channel, manifest.version), signed);
  server.put(releaseKeys.latest(manifest.channel), signed);
}
