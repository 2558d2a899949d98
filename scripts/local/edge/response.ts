/**
 * What the edge answers: the origin's headers with the behaviour's response headers policy over them, its CORS headers
 * included ("Understanding response headers policies"), compression ("Serving compressed files",
 * ServingCompressedFiles.md), conditional requests (304) and plain error answers (CloudFront Developer Guide).
 */
import http from 'node:http';
import type { Readable, Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { CorsRules, EdgeBehaviour, HeaderRule, ResponseHeaders } from './definition';
import type { ObjectMeta } from './origin';

type Req = http.IncomingMessage;
type Res = http.ServerResponse;

// The Content-Type values CloudFront compresses (ServingCompressedFiles.md, "File types that CloudFront compresses").
const COMPRESSIBLE = new Set([
  'application/dash+xml', 'application/eot', 'application/font', 'application/font-sfnt', 'application/javascript',
  'application/json', 'application/opentype', 'application/otf', 'application/pkcs7-mime', 'application/protobuf',
  'application/rss+xml', 'application/truetype', 'application/ttf', 'application/vnd.apple.mpegurl',
  'application/vnd.ms-fontobject', 'application/xhtml+xml', 'application/xml', 'application/x-font-opentype',
  'application/x-font-truetype', 'application/x-font-ttf', 'application/x-httpd-cgi', 'application/x-javascript',
  'application/x-mpegurl', 'application/x-opentype', 'application/x-otf', 'application/x-perl', 'application/x-ttf',
  'font/eot', 'font/opentype', 'font/otf', 'font/ttf', 'image/svg+xml', 'text/css', 'text/csv', 'text/html',
  'text/javascript', 'text/js', 'text/plain', 'text/richtext', 'text/tab-separated-values', 'text/xml',
  'text/x-component', 'text/x-java-source', 'text/x-script', 'vnd.apple.mpegurl',
]);

function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((part) => {
    const [coding = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return coding === 'gzip' && (q === undefined || Number(q.slice(2)) > 0);
  });
}

/**
 * CloudFront's conditions (ServingCompressedFiles.md): Compress on the behaviour, a viewer that accepts gzip over
 * HTTP/1.1+, a listed type, a Content-Length from 1,000 to 10,000,000 bytes, and no Content-Encoding from the origin.
 */
function shouldCompress(req: Req, behaviour: EdgeBehaviour, meta: ObjectMeta): boolean {
  const type = meta.contentType?.split(';')[0]?.trim().toLowerCase();
  const length = meta.contentLength;
  return behaviour.compress && req.httpVersion !== '1.0' && !meta.contentEncoding
    && length !== undefined && length >= 1_000 && length <= 10_000_000
    && type !== undefined && COMPRESSIBLE.has(type) && acceptsGzip(req.headers['accept-encoding']);
}

function originHeaders(meta: ObjectMeta): Record<string, string> {
  const headers: Record<string, string | undefined> = {
    'content-type': meta.contentType,
    'content-length': meta.contentLength?.toString(),
    etag: meta.etag,
    'last-modified': meta.lastModified?.toUTCString(),
    'cache-control': meta.cacheControl,
    'content-range': meta.contentRange,
    'content-encoding': meta.contentEncoding,
    'content-disposition': meta.contentDisposition,
    'accept-ranges': 'bytes',
  };
  const present = Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return Object.fromEntries(present);
}

/**
 * The CORS headers of an answer to a request from `origin` (understanding-response-headers-policies.md, CORS headers):
 * CloudFront adds them "in responses to CORS requests", i.e. requests with an Origin header, and only when that origin
 * is one the policy allows — Access-Control-Allow-Origin is that origin (or `*`), with Allow-Credentials when set and
 * Expose-Headers. A request from an origin the policy does not name gets none of them, so its browser withholds the
 * body. The preflight-only headers (Allow-Methods, Allow-Headers, Max-Age) are not part of a GET or HEAD answer.
 */
export function corsHeaders(cors: CorsRules, origin: string | undefined): HeaderRule[] {
  if (origin === undefined) return [];
  const anyOrigin = cors.allowOrigins.includes('*');
  if (!anyOrigin && !cors.allowOrigins.includes(origin.toLowerCase())) return [];
  const rule = (name: string, value: string): HeaderRule => ({ name, value, override: cors.originOverride });
  return [
    rule('access-control-allow-origin', anyOrigin ? '*' : origin),
    ...(cors.allowCredentials ? [rule('access-control-allow-credentials', 'true')] : []),
    ...(cors.exposeHeaders.length > 0 ? [rule('access-control-expose-headers', cors.exposeHeaders.join(', '))] : []),
  ];
}

/** `value` with `token` added to its comma-separated list, unless it is there already (any letter case). */
function withToken(value: string | undefined, token: string): string {
  const tokens = (value ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '');
  return tokens.some((part) => part.toLowerCase() === token.toLowerCase()) ? tokens.join(', ') : [...tokens, token].join(', ');
}

/**
 * The policy's headers over the origin's, removals first (understanding-response-headers-policies.md), then, for a
 * policy with CORS, the CORS headers this request gets. Such an answer depends on the request's Origin header, so it
 * carries `Vary: Origin` whatever the request: a browser must not answer a cross-origin fetch from a copy it cached for
 * a plain download, which has no Access-Control-Allow-Origin (Fetch standard, "CORS protocol and HTTP caches").
 */
function applyPolicy(req: Req, headers: Record<string, string>, policy: ResponseHeaders): Record<string, string> {
  const result = { ...headers };
  for (const name of policy.remove) delete result[name];
  const cors = policy.cors === undefined ? [] : corsHeaders(policy.cors, req.headers.origin);
  for (const rule of [...policy.add, ...cors]) {
    if (rule.override || result[rule.name] === undefined) result[rule.name] = rule.value;
  }
  if (policy.cors !== undefined) result.vary = withToken(result.vary, 'Origin');
  return result;
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2), so the W/ tag of a compressed copy still matches. */
function notModified(req: Req, headers: Record<string, string>): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  const etag = headers.etag;
  if (ifNoneMatch !== undefined) {
    const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
    const tags = ifNoneMatch.split(',');
    return etag !== undefined && tags.some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
  }
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  const modified = Date.parse(headers['last-modified'] ?? '');
  return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}

export function sendPlain(req: Req, res: Res, status: number, policy: ResponseHeaders, extra: Record<string, string> = {}) {
  const body = `${status} ${http.STATUS_CODES[status] ?? 'Error'}\n`;
  const headers = { 'content-type': 'text/plain; charset=utf-8', 'content-length': `${body.length}`, ...extra };
  res.writeHead(status, applyPolicy(req, headers, policy));
  res.end(req.method === 'HEAD' ? undefined : body);
}

export async function sendObject(
  req: Req, res: Res, behaviour: EdgeBehaviour, status: number, object: { body: Readable; meta: ObjectMeta },
  conditional: boolean,
): Promise<void> {
  const headers = originHeaders(object.meta);
  const gzip = status !== 206 && shouldCompress(req, behaviour, object.meta);
  if (gzip) {
    delete headers['content-length'];
    delete headers['accept-ranges'];
    headers['content-encoding'] = 'gzip';
    headers.vary = 'Accept-Encoding';
    // ServingCompressedFiles.md, "ETag header conversion": strong → W/"…", weak kept, anything else dropped.
    if (headers.etag?.startsWith('"')) headers.etag = `W/${headers.etag}`;
    else if (headers.etag !== undefined && !headers.etag.startsWith('W/')) delete headers.etag;
  }
  if (conditional && notModified(req, headers)) {
    object.body.destroy();
    const kept = ['etag', 'last-modified', 'cache-control', 'vary'].flatMap((name) =>
      headers[name] === undefined ? [] : [[name, headers[name]] as const]);
    res.writeHead(304, applyPolicy(req, Object.fromEntries(kept), behaviour.responseHeaders));
    res.end();
    return;
  }
  res.writeHead(status, applyPolicy(req, headers, behaviour.responseHeaders));
  if (req.method === 'HEAD') {
    object.body.destroy();
    res.end();
    return;
  }
  try {
    await (gzip ? pipeline(object.body, createGzip(), res) : pipeline(object.body, res));
  } catch (error) {
    // A viewer that goes away mid-download (a seeking video player) is normal, not a failure.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
  }
}

/** A raw answer on a socket Node's HTTP parser gave up on (or on CONNECT's), then the connection is closed. */
export function endSocket(socket: Duplex, status: number): void {
  const body = `${status} ${http.STATUS_CODES[status] ?? 'Error'}\n`;
  const head = [
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}`, 'content-type: text/plain; charset=utf-8',
    `content-length: ${body.length}`, 'connection: close',
  ];
  if (socket.writable) socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  else socket.destroy();
}
