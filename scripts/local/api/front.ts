/**
 * The local HTTP API front: what API Gateway does before a Lambda integration runs — route selection ("Create routes
 * for HTTP APIs"), the JWT authorizer ("Control access to HTTP APIs with JWT authorizers"), CORS ("Configuring CORS
 * for an HTTP API"), the 10 MB payload quota and the 30 s integration timeout ("Amazon API Gateway quotas"), the
 * stage's route throttling ("Protect your HTTP APIs with throttling", throttle.ts) and the caller's address as
 * `requestContext.http.sourceIp` — in front of serverless-offline, which runs the functions.
 *
 * serverless-offline cannot do this itself: its JWT authorizer only decodes tokens, and its router decodes and
 * normalises paths its own way. So the front fails closed: a request reaches serverless-offline only when the front
 * matched a route and, where the route has an authorizer, verified the token; and it reaches it on the path the front
 * matched. serverless-offline in turn refuses any request that did not come through the front (offline-guard.cjs).
 *
 * What a function's failure becomes (500 `{"message":"Internal Server Error"}`) is decided where the function's
 * result is still a value, not an HTTP answer: in serverless-offline's process (lambda-worker.cjs). The front only
 * adds what API Gateway itself decides: 429 before the route's integration, 503 when it does not answer in time.
 */
import http from 'node:http';
import { corsResponseHeaders, resolveRoute, type ApiRoute, type CorsConfiguration } from './routes';
import { listen } from '../common/http-server';
import type { TokenCheck } from './jwt';
import type { Throttle } from './throttle';

/** The header by which serverless-offline knows a request came through the front (see offline-guard.cjs). */
export const FRONT_SECRET_HEADER = 'x-local-api-front';

/** "Amazon API Gateway quotas": the payload size of an HTTP API request is at most 10 MB. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * "Amazon API Gateway quotas": an HTTP API waits at most 30 s for its integration, then answers 503 (the function may
 * still be running). A Lambda function's own timeout (10 s here) ends sooner, as a function error: a 500.
 */
export const INTEGRATION_TIMEOUT_MS = 30_000;

/** API Gateway's own answers, with their bodies as it sends them. */
const ANSWERS = {
  badRequest: [400, { message: 'Bad Request' }],
  unauthorized: [401, { message: 'Unauthorized' }],
  notFound: [404, { message: 'Not Found' }],
  tooLarge: [413, { message: 'Request Entity Too Large' }],
  tooManyRequests: [429, { message: 'Too Many Requests' }],
  badGateway: [502, { message: 'Bad Gateway' }],
  serviceUnavailable: [503, { message: 'Service Unavailable' }],
} as const;

/** Headers that describe one connection, not the request (RFC 9110 §7.6.1), and ours, which only the front sets. */
const NOT_FORWARDED = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'host', FRONT_SECRET_HEADER,
]);

export interface ApiFrontOptions {
  host: string;
  port: number;
  backendPort: number;
  routes: ApiRoute[];
  checks: Map<string, TokenCheck>;
  /** The API's CORS configuration (see corsConfiguration); undefined: no CORS. */
  cors?: CorsConfiguration;
  /** Sent to serverless-offline with every request the front lets through; offline-guard.cjs refuses the rest. */
  backendSecret: string;
  /** The stage's route throttling (throttle.ts); undefined: none. */
  throttle?: Throttle;
  /** How long the front waits for serverless-offline's answer before API Gateway's 503 (tests shorten it). */
  integrationTimeoutMs?: number;
}

/** The route key API Gateway names a route by (`POST /subscriptions`), as RouteSettings are keyed. */
export function routeKey(route: ApiRoute): string {
  if (route.path === '*' || route.path === '$default') return '$default';
  return `${route.method === '*' ? 'ANY' : route.method} ${route.path}`;
}

export async function startApiFront(options: ApiFrontOptions): Promise<{ url: string; close: () => Promise<void> }> {
  for (const route of options.routes) {
    if (route.authorizer && !options.checks.has(route.authorizer.name)) {
      throw new Error(`${route.method} ${route.path}: authorizer "${route.authorizer.name}" is not a JWT authorizer the local API front can check`);
    }
  }

  const server = http.createServer((req, res) => {
    const origin = req.headers.origin;
    const answer = ([status, body]: readonly [number, object], headers: Record<string, string> = {}) => {
      res
        .writeHead(status, { 'content-type': 'application/json', ...corsResponseHeaders(options.cors, origin, false), ...headers })
        .end(JSON.stringify(body));
      req.resume();
    };
    void (async () => {
      const method = req.method ?? '';
      // A CORS preflight is answered by API Gateway itself, for any path, without running a route or its authorizer.
      if (method === 'OPTIONS' && options.cors && origin !== undefined && req.headers['access-control-request-method']) {
        res.writeHead(204, corsResponseHeaders(options.cors, origin, true)).end();
        req.resume();
        return;
      }
      const decision = resolveRoute(options.routes, method, req.url ?? '');
      if (decision.kind === 'bad-request') return answer(ANSWERS.badRequest);
      if (decision.kind === 'not-found') return answer(ANSWERS.notFound);
      if (Number(req.headers['content-length'] ?? 0) > MAX_PAYLOAD_BYTES) return answer(ANSWERS.tooLarge);
      // Throttling comes before the authorizer and the integration: a refused request costs the function nothing.
      if (options.throttle && !options.throttle(routeKey(decision.route))) return answer(ANSWERS.tooManyRequests);

      const authorizer = decision.route.authorizer;
      if (authorizer) {
        const token = (req.headers.authorization ?? '').replace(/^Bearer /i, '');
        const check = options.checks.get(authorizer.name)!;
        if (!token || !(await check(token, authorizer.scopes))) {
          return answer(ANSWERS.unauthorized, { 'www-authenticate': 'Bearer' });
        }
      }
      forward(req, res, decision.backendPath, options);
    })();
  });
  const { url, close } = await listen(server, options.host, options.port);
  return { url, close };
}

/**
 * Hands a request the front has admitted to serverless-offline. The connection to the backend is opened *from the
 * caller's own address* (any 127.0.0.0/8 address is local), so serverless-offline, which takes
 * `requestContext.http.sourceIp` from its socket, sees the caller as API Gateway does; nothing the client sends
 * (X-Forwarded-For) changes it. One connection per request (no agent), so callers never share a socket.
 */
function forward(req: http.IncomingMessage, res: http.ServerResponse, backendPath: string, options: ApiFrontOptions): void {
  const sourceIp = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) if (!NOT_FORWARDED.has(name)) headers[name] = value;
  // API Gateway appends the caller's address to X-Forwarded-For; the function must read sourceIp, never this header.
  headers['x-forwarded-for'] = [req.headers['x-forwarded-for'], sourceIp].filter(Boolean).join(', ');
  headers[FRONT_SECRET_HEADER] = options.backendSecret;

  let received = 0;
  const fail = ([status, body]: readonly [number, object]) =>
    res
      .writeHead(status, { 'content-type': 'application/json', ...corsResponseHeaders(options.cors, req.headers.origin, false) })
      .end(JSON.stringify(body));
  const integrationTimer = setTimeout(() => {
    if (res.headersSent) return;
    fail(ANSWERS.serviceUnavailable);
    upstream.destroy();
  }, options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS);
  res.once('close', () => clearTimeout(integrationTimer));
  const upstream = http.request(
    { host: options.host, port: options.backendPort, localAddress: sourceIp, agent: false, method: req.method, path: backendPath, headers },
    (response) => {
      clearTimeout(integrationTimer);
      // API Gateway ignores CORS headers from the integration and sends the API's own.
      const headers = Object.fromEntries(Object.entries(response.headers).filter(([name]) => !name.startsWith('access-control-')));
      res.writeHead(response.statusCode ?? 502, { ...headers, ...corsResponseHeaders(options.cors, req.headers.origin, false) });
      response.pipe(res);
    },
  );
  upstream.once('error', () => {
    if (res.headersSent) {
      if (!res.writableEnded) res.destroy(); // cut off mid-answer; a 413 the front already sent stays whole
      return;
    }
    fail(ANSWERS.badGateway);
  });
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > MAX_PAYLOAD_BYTES && !res.headersSent) {
      upstream.destroy();
      res.writeHead(ANSWERS.tooLarge[0], { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(ANSWERS.tooLarge[1]));
      req.destroy();
    }
  });
  req.pipe(upstream);
}
