/**
 * The edge's request handling, as CloudFront handles a viewer request ("How CloudFront processes requests",
 * "Request and response behavior for Amazon S3 origins", CloudFront Developer Guide): the Host names the distribution,
 * the behaviour's methods and viewer access, the key on its origin, custom error pages and the size limits.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { listen } from '../common/http-server';
import { oneLine } from '../common/log';
import type { EdgeCache } from './cache';
import type { EdgeBehaviour, EdgeDefinition, ResponseHeaders } from './definition';
import type { ObjectResult, ObjectSource } from './origin';
import { endSocket, sendObject, sendPlain } from './response';
import { parseRange, parseTarget, selectBehaviour, type Target } from './routing';


export interface EdgeOptions {
  host: string;
  port: number;
  definition: EdgeDefinition;
  source: ObjectSource;
  /**
   * The edge cache (in front of `source`) for behaviours with a cache policy (behaviour.cache). Without one, those
   * behaviours are served uncached, like the others.
   */
  cache?: EdgeCache;
  /** Where failures go; their details never reach the viewer. Defaults to console.error. */
  log?: (message: string, error?: unknown) => void;
}

export interface RunningEdge {
  url: string;
  close: () => Promise<void>;
}

interface Context {
  definition: EdgeDefinition;
  source: ObjectSource;
  cache?: EdgeCache;
  log: (message: string, error?: unknown) => void;
  /** The edge's names, lower case → as configured (what signed URL/cookie policies are matched against). */
  names: Map<string, string>;
}

type Req = http.IncomingMessage;
type Res = http.ServerResponse;

/**
 * An error answer. With a CustomErrorResponse for the code, CloudFront fetches ResponsePagePath through the
 * behaviour whose pattern matches that path (custom-error-pages-cache-behavior.md) and answers with ResponseCode.
 */
async function sendError(
  ctx: Context, req: Req, res: Res, behaviour: EdgeBehaviour, status: number, extra: Record<string, string> = {},
): Promise<void> {
  const custom = ctx.definition.errorResponses.find((entry) => entry.errorCode === status);
  if (custom) {
    const origin = selectBehaviour(ctx.definition, custom.responsePagePath).origin;
    const key = origin.keyPrefix + custom.responsePagePath.replace(/^\//, '');
    try {
      const page = await ctx.source.get(origin.bucket, key);
      if (page.kind === 'found') return await sendObject(req, res, behaviour, custom.responseCode, page, false);
      ctx.log(`custom error page ${origin.bucket}/${key} is missing`);
    } catch (error) {
      ctx.log(`custom error page ${origin.bucket}/${key} could not be read`, error);
    }
  }
  sendPlain(req, res, status, behaviour.responseHeaders, extra);
}

async function viewerDenied(behaviour: EdgeBehaviour, req: Req, target: Target, domain: string): Promise<number | undefined> {
  if (behaviour.viewerAuth) {
    const { rawPath, query } = target;
    const sourceIp = req.socket.remoteAddress?.replace(/^::ffff:/, '');
    const method = req.method ?? 'GET';
    const verdict = await behaviour.viewerAuth({ method, domain, rawPath, query, headers: req.headers, sourceIp });
    return verdict.allow ? undefined : verdict.status;
  }
  // Fail closed: CloudFront refuses requests without a valid signature on a behaviour with trusted key groups.
  return behaviour.trustedKeyGroups.length > 0 ? 403 : undefined;
}

// "CloudFront constructs a URL from the request. The maximum length of this URL is 8192 bytes." Beyond it CloudFront
// answers 413 and closes the connection (Request and response behavior for Amazon S3 origins, Maximum length of a
// request and maximum length of a URL). The whole request may be 20,480 bytes.
const MAX_URL_BYTES = 8_192;
const MAX_REQUEST_BYTES = 20_480;
// S3 object keys are at most 1,024 bytes of UTF-8 (Naming Amazon S3 objects); a longer one is S3's 400
// KeyTooLongError (Amazon S3 error responses), which CloudFront passes on.
const MAX_KEY_BYTES = 1_024;

/** Plain error answers of CloudFront itself, before any behaviour applies: no response headers policy. */
const NO_POLICY: ResponseHeaders = { remove: [], add: [] };

/** The configured name the Host header names, compared as DNS names are: case-insensitively. */
function addressedName(ctx: Context, req: Req): string | undefined {
  const host = req.headers.host;
  return host === undefined ? undefined : ctx.names.get(host.toLowerCase());
}

async function handle(ctx: Context, req: Req, res: Res): Promise<void> {
  const domain = addressedName(ctx, req);
  if (Buffer.byteLength(`http://${req.headers.host ?? ''}${req.url ?? ''}`) > MAX_URL_BYTES) {
    return sendPlain(req, res, 413, NO_POLICY, { connection: 'close' });
  }
  // CloudFront picks the distribution by the Host header; one that is not an alternate domain name (CNAME) of the
  // distribution gets 403 (HTTP 403 status code (Permission Denied), "Alternate CNAME is incorrectly configured").
  // A request without a Host (HTTP/1.0) names no distribution either.
  if (domain === undefined) return sendPlain(req, res, 403, NO_POLICY);
  const target = parseTarget(req.url ?? '');
  if (!target) return sendPlain(req, res, 400, ctx.definition.defaultBehaviour.responseHeaders);
  const behaviour = selectBehaviour(ctx.definition, target.path);
  // A method the behaviour does not allow gets 403 from CloudFront (not 405): "This distribution is not configured to
  // allow the HTTP request method that was used for this request."
  if (!behaviour.allowedMethods.includes(req.method ?? '')) return sendError(ctx, req, res, behaviour, 403);
  // "If a viewer GET request includes a body, CloudFront returns an HTTP status code 403 (Forbidden) to the viewer"
  // (Request and response behavior for Amazon S3 origins, GET requests that include a body).
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody) return sendError(ctx, req, res, behaviour, 403);
  const denied = await viewerDenied(behaviour, req, target, domain);
  if (denied !== undefined) return sendError(ctx, req, res, behaviour, denied);

  // The default root object applies to the root URL only, never to subdirectories (DefaultRootObject.md).
  const root = ctx.definition.defaultRootObject;
  const key = (target.rawPath === '/' && root ? root : target.path).replace(/^\//, '');
  const { bucket, keyPrefix, id } = behaviour.origin;
  if (Buffer.byteLength(keyPrefix + key) > MAX_KEY_BYTES) return sendError(ctx, req, res, behaviour, 400);
  let result: ObjectResult;
  try {
    const range = parseRange(req.headers.range);
    if (key === '') result = { kind: 'not-found' };
    else if (behaviour.cache && ctx.cache) {
      const { origin, cache: policy } = behaviour;
      const head = req.method === 'HEAD';
      const request = { origin, key: keyPrefix + key, path: target.path, policy, range, head, signal: viewerGone(res) };
      const answer = await ctx.cache.get(request);
      result = answer.result;
      for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    } else result = await ctx.source.get(bucket, keyPrefix + key, { range });
    if (result.kind === 'not-modified') throw new Error('the origin answered 304 to an unconditional GET');
  } catch (error) {
    // Not the viewer's doing (the origin is down or answered nonsense): CloudFront's 502, and one line in the log.
    ctx.log(`origin ${id} failed for ${bucket}/${keyPrefix}${key}`, error);
    return sendError(ctx, req, res, behaviour, 502);
  }
  if (result.kind === 'not-found') return sendError(ctx, req, res, behaviour, behaviour.origin.missingKeyStatus);
  if (result.kind === 'range-not-satisfiable') {
    const size: Record<string, string> = result.size === undefined ? {} : { 'content-range': `bytes */${result.size}` };
    return sendError(ctx, req, res, behaviour, 416, size);
  }
  return sendObject(req, res, behaviour, result.status, result, true);
}

/** Aborted when the viewer goes away before its answer is complete (the edge cache's "Canceled requests"). */
function viewerGone(res: Res): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** Starts the edge on host:port (port 0 picks a free one). */
export async function startEdge(options: EdgeOptions): Promise<RunningEdge> {
  const log = options.log ?? ((message: string, error?: unknown) =>
    console.error(`[edge] ${message}${error === undefined ? '' : `: ${oneLine(error)}`}`));
  for (const behaviour of [...options.definition.behaviours, options.definition.defaultBehaviour]) {
    if (behaviour.trustedKeyGroups.length > 0 && !behaviour.viewerAuth) {
      log(`behaviour ${behaviour.pathPattern} requires signed URLs or cookies and has no viewerAuth: it answers 403`);
    }
  }
  const names = new Map<string, string>();
  const ctx: Context = { definition: options.definition, source: options.source, cache: options.cache, log, names };
  const respond = (req: Req, res: Res) => {
    handle(ctx, req, res).catch((error: unknown) => {
      log(`${req.method} ${req.url} failed`, error);
      if (res.headersSent) res.destroy();
      else sendPlain(req, res, 500, ctx.definition.defaultBehaviour.responseHeaders);
    });
  };
  const server = http.createServer({ maxHeaderSize: MAX_REQUEST_BYTES }, respond);
  // CONNECT never reaches 'request'. CloudFront has no such method; the edge answers it like any other method the
  // behaviour does not allow (or 400 for an authority-form target) rather than drop the connection unanswered.
  server.on('connect', (req: Req, socket: Duplex) => {
    const res = new http.ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.on('finish', () => {
      res.detachSocket(socket as Socket);
      socket.end();
    });
    respond(req, res);
  });
  // What Node's parser refuses: a request over the size CloudFront takes gets its 413, anything else malformed 400.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    endSocket(socket, error.code === 'HPE_HEADER_OVERFLOW' ? 413 : 400);
  });
  const { url, port, close } = await listen(server, options.host, options.port);
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  // Its own address (what `url` gives, the distribution's domain name d111111abcdef8.cloudfront.net on AWS) and the
  // names the definition gives it.
  for (const name of [`${host}:${port}`, ...(options.definition.domainNames ?? [])]) names.set(name.toLowerCase(), name);
  return { url, close };
}
