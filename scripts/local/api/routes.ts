/**
 * Routes of the HTTP API as API Gateway selects them — "Create routes for HTTP APIs in API Gateway" and "Configuring
 * CORS for an HTTP API" in the API Gateway developer guide. The local API front (front.ts) decides with these
 * alone which requests reach serverless-offline, so everything here fails closed: a request that matches no route
 * exactly is refused, never passed on for the backend to interpret in its own way.
 */
import type { ServiceConfig } from '../service-config';

/** A route of the HTTP API and the JWT authorizer that guards it, as declared in serverless.yml. */
export interface ApiRoute {
  method: string;
  path: string;
  authorizer?: { name: string; scopes: string[] };
}

interface HttpApiEvent {
  method?: string;
  path?: string;
  authorizer?: string | { name?: string; scopes?: string[] };
}

/** Every httpApi route of every function, with its authorizer (by name) if it has one. */
export function apiRoutes(config: ServiceConfig): ApiRoute[] {
  const routes: ApiRoute[] = [];
  for (const fn of Object.values(config.functions ?? {})) {
    for (const event of (fn.events ?? []) as { httpApi?: HttpApiEvent | string }[]) {
      const api = event.httpApi;
      if (!api) continue;
      const [method, path] =
        typeof api === 'string' ? (api.split(' ') as [string, string]) : [api.method ?? '*', api.path ?? '*'];
      const auth = typeof api === 'string' ? undefined : api.authorizer;
      const authorizer =
        auth === undefined
          ? undefined
          : typeof auth === 'string'
            ? { name: auth, scopes: [] }
            : { name: auth.name ?? '', scopes: auth.scopes ?? [] };
      routes.push({ method: method.toUpperCase(), path, authorizer });
    }
  }
  return routes;
}

/** What the front does with a request target. */
export type RouteDecision =
  | { kind: 'route'; route: ApiRoute; params: Record<string, string>; backendPath: string }
  /** No route: API Gateway's `404 {"message":"Not Found"}`, also for a path whose route has another method. */
  | { kind: 'not-found' }
  /** A target that is not an origin-form path or not valid percent-encoding. */
  | { kind: 'bad-request' };

/**
 * The route a request selects. API Gateway decodes the path once and matches the decoded path, segment by segment
 * and case-sensitively, against the routes; so `/%6De` is `/me` and `/a%2Fb` is the two segments `a`, `b`. The most
 * specific route wins (a literal segment before `{param}`, `{param}` before `{proxy+}`) and a route of the request's
 * own method before `ANY`. HEAD is a method of its own: it does not select a GET route.
 *
 * Where serverless-offline would read the same path another way, the front refuses instead of guessing: an empty
 * segment (`//`, a trailing `/`: hapi strips it and would find `/me` for `/me/`) and a `.` or `..` segment (URL
 * parsers resolve them, so `/users/../me` would reach another route than the one matched) select no route.
 *
 * `backendPath` is the matched path re-encoded segment by segment: what the front sends to serverless-offline, so
 * that the backend cannot pick a different route than the one whose authorizer the front applied.
 */
export function resolveRoute(routes: readonly ApiRoute[], method: string, target: string): RouteDecision {
  if (!target.startsWith('/')) return { kind: 'bad-request' };
  const queryAt = target.indexOf('?');
  const rawPath = queryAt < 0 ? target : target.slice(0, queryAt);
  const query = queryAt < 0 ? '' : target.slice(queryAt);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'bad-request' };
  }
  const segments = path.slice(1).split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return { kind: 'not-found' };

  let best: { route: ApiRoute; params: Record<string, string>; score: number[] } | undefined;
  for (const route of routes) {
    if (route.method !== method && route.method !== '*' && route.method !== 'ANY') continue;
    const match = matchPath(route.path, segments);
    if (!match) continue;
    match.score.push(route.method === method ? 1 : 0);
    if (!best || compareScores(match.score, best.score) > 0) best = { route, ...match };
  }
  if (!best) return { kind: 'not-found' };
  const backendPath = `/${segments.map(encodeURIComponent).join('/')}${query}`;
  return { kind: 'route', route: best.route, params: best.params, backendPath };
}

function matchPath(pattern: string, segments: string[]): { score: number[]; params: Record<string, string> } | undefined {
  if (pattern === '*' || pattern === '$default') return { score: [0], params: {} };
  const parts = pattern.split('/').filter(Boolean);
  const score: number[] = [];
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const greedy = /^\{([^}]+)\+\}$/.exec(part);
    if (greedy) {
      if (i >= segments.length) return undefined; // greedy: one segment or more
      params[greedy[1]!] = segments.slice(i).join('/');
      return { score: [...score, 0], params };
    }
    const segment = segments[i];
    if (segment === undefined) return undefined;
    const variable = /^\{([^}]+)\}$/.exec(part);
    if (variable) {
      params[variable[1]!] = segment;
      score.push(1);
    } else if (part === segment) score.push(2);
    else return undefined;
  }
  return parts.length === segments.length ? { score, params } : undefined;
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** An HTTP API's CORS configuration (the CloudFormation `CorsConfiguration`). */
export interface CorsConfiguration {
  allowOrigins: string[];
  allowHeaders: string[];
  allowMethods: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  maxAge?: number;
}

interface FrameworkCors {
  allowedOrigins?: string[];
  allowedHeaders?: string[];
  allowedMethods?: string[];
  exposedResponseHeaders?: string[];
  allowCredentials?: boolean;
  maxAge?: number;
}

/** The framework's `cors: true` (lib/plugins/aws/package/compile/events/http-api.js of the framework). */
const FRAMEWORK_DEFAULT_HEADERS = [
  'Content-Type', 'X-Amz-Date', 'Authorization', 'X-Api-Key', 'X-Amz-Security-Token', 'X-Amz-User-Agent', 'X-Amzn-Trace-Id',
];

/**
 * `provider.httpApi.cors` as the framework compiles it into the API's CorsConfiguration: `true` allows any origin
 * with its default headers; methods not given are OPTIONS plus every route's method. Undefined: no CORS.
 */
export function corsConfiguration(config: ServiceConfig): CorsConfiguration | undefined {
  const cors = (config.provider as { httpApi?: { cors?: boolean | FrameworkCors } }).httpApi?.cors;
  if (cors === undefined || cors === false) return undefined;
  const given: FrameworkCors = cors === true ? {} : cors;
  const routeMethods = apiRoutes(config)
    .map((route) => route.method)
    .filter((method) => method !== '*' && method !== 'ANY');
  return {
    allowOrigins: given.allowedOrigins ?? ['*'],
    allowHeaders: given.allowedHeaders ?? FRAMEWORK_DEFAULT_HEADERS,
    allowMethods: given.allowedMethods ?? [...new Set(['OPTIONS', ...routeMethods])],
    exposeHeaders: given.exposedResponseHeaders ?? [],
    allowCredentials: given.allowCredentials === true,
    maxAge: given.maxAge,
  };
}

/**
 * The CORS headers API Gateway adds to a response for `origin` ("Configuring CORS for an HTTP API": it answers
 * preflight requests itself and ignores CORS headers that the integration returns). None for an origin it does not
 * allow, or a request without an Origin header.
 */
export function corsResponseHeaders(
  cors: CorsConfiguration | undefined,
  origin: string | undefined,
  preflight: boolean,
): Record<string, string> {
  if (!cors || origin === undefined) return {};
  const anyOrigin = cors.allowOrigins.includes('*');
  if (!anyOrigin && !cors.allowOrigins.includes(origin)) return {};
  const headers: Record<string, string> = {
    'access-control-allow-origin': anyOrigin && !cors.allowCredentials ? '*' : origin,
  };
  if (!anyOrigin || cors.allowCredentials) headers.vary = 'Origin';
  if (cors.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  if (preflight) {
    headers['access-control-allow-methods'] = cors.allowMethods.join(',');
    headers['access-control-allow-headers'] = cors.allowHeaders.join(',');
    if (cors.maxAge !== undefined) headers['access-control-max-age'] = String(cors.maxAge);
  } else if (cors.exposeHeaders.length > 0) {
    headers['access-control-expose-headers'] = cors.exposeHeaders.join(',');
  }
  return headers;
}
