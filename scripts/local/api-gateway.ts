import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceConfig } from './service-config';

/** A route of the HTTP API and the JWT authorizer that guards it, as declared in serverless.yml. */
export interface ApiRoute {
  method: string;
  path: string;
  authorizer?: { name: string; scopes: string[] };
}

export interface JwtAuthorizer {
  issuerUrl: string;
  audience: string[];
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

/** JWT authorizers of `provider.httpApi.authorizers` (only the JWT kind: issuerUrl + audience). */
export function jwtAuthorizers(config: ServiceConfig): Map<string, JwtAuthorizer> {
  const provider = config.provider as { httpApi?: { authorizers?: Record<string, Record<string, unknown>> } };
  const result = new Map<string, JwtAuthorizer>();
  for (const [name, def] of Object.entries(provider.httpApi?.authorizers ?? {})) {
    if (def.type === 'request') continue; // Lambda authorizers run as functions under serverless-offline itself
    const audience = def.audience;
    result.set(name, {
      issuerUrl: String(def.issuerUrl),
      audience: (Array.isArray(audience) ? audience : [audience]).map(String),
    });
  }
  return result;
}

/**
 * The origins of `provider.httpApi.cors` (`true` is the framework's shorthand for any origin), or undefined when the
 * API has no CORS configuration.
 */
export function corsOrigins(config: ServiceConfig): string[] | undefined {
  const cors = (config.provider as { httpApi?: { cors?: boolean | { allowedOrigins?: string[] } } }).httpApi?.cors;
  if (cors === undefined || cors === false) return undefined;
  return cors === true ? ['*'] : (cors.allowedOrigins ?? ['*']);
}

/**
 * API Gateway's route selection: the most specific route wins — a literal segment before `{param}`, `{param}` before
 * `{proxy+}` — and a method of its own before `ANY`/`*`. See "Working with routes for HTTP APIs" in the API
 * Gateway developer guide.
 */
export function matchRoute(routes: ApiRoute[], method: string, path: string): ApiRoute | undefined {
  const segments = path.split('/').filter(Boolean);
  let best: { route: ApiRoute; score: number[] } | undefined;
  for (const route of routes) {
    if (route.method !== method && route.method !== '*' && route.method !== 'ANY') continue;
    const score = routeScore(route.path, segments);
    if (!score) continue;
    score.push(route.method === method ? 1 : 0);
    if (!best || compareScores(score, best.score) > 0) best = { route, score };
  }
  return best?.route;
}

function routeScore(pattern: string, segments: string[]): number[] | undefined {
  if (pattern === '*' || pattern === '$default') return [0];
  const parts = pattern.split('/').filter(Boolean);
  const score: number[] = [];
  for (const [i, part] of parts.entries()) {
    if (/^\{[^}]+\+\}$/.test(part)) return i < segments.length ? [...score, 0] : undefined; // greedy: one or more
    const segment = segments[i];
    if (segment === undefined) return undefined;
    if (/^\{[^}]+\}$/.test(part)) score.push(1);
    else if (part === segment) score.push(2);
    else return undefined;
  }
  return parts.length === segments.length ? score : undefined;
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

export type TokenCheck = (token: string, scopes: string[]) => Promise<boolean>;

/**
 * Verifies a token as an HTTP API JWT authorizer does: RS256 signature against the issuer's JWKS, `iss`, expiry,
 * and `aud` (ID tokens) or `client_id` (access tokens) in the audience list; if the route names scopes, the token's
 * `scope` must hold one of them. aws-jwt-verify does the cryptography; its default fetcher only speaks HTTPS, so
 * the JWKS of the local issuer (plain HTTP on loopback) comes through a fetcher of our own.
 */
export function jwtChecker(authorizer: JwtAuthorizer): TokenCheck {
  const jwksCache = new SimpleJwksCache({
    fetcher: { fetch: async (uri: string) => (await fetch(uri, { signal: AbortSignal.timeout(5_000) })).arrayBuffer() },
  });
  const verifier = JwtVerifier.create(
    {
      issuer: authorizer.issuerUrl,
      jwksUri: `${authorizer.issuerUrl}/.well-known/jwks.json`,
      audience: null, // checked below: API Gateway accepts `aud` or `client_id`
      customJwtCheck: ({ payload }) => {
        const audiences = [payload.aud, payload.client_id].flat().filter((v): v is string => typeof v === 'string');
        if (!audiences.some((aud) => authorizer.audience.includes(aud))) throw new Error('audience not allowed');
      },
    },
    { jwksCache },
  );
  return async (token, scopes) => {
    try {
      const payload = await verifier.verify(token);
      if (scopes.length === 0) return true;
      const granted = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
      return scopes.some((scope) => granted.includes(scope));
    } catch {
      return false;
    }
  };
}

const UNAUTHORIZED = JSON.stringify({ message: 'Unauthorized' });

/**
 * The CORS header of a response the front makes itself (the authorizer's 401). An HTTP API with a CORS configuration
 * answers with its headers for any route, so a browser can read the 401 and send its user to sign in, rather than
 * seeing a CORS failure. serverless-offline adds them to everything it answers.
 */
function corsHeaders(req: http.IncomingMessage, origins: string[] | undefined): Record<string, string> {
  const origin = req.headers.origin;
  if (origins === undefined || origin === undefined) return {};
  if (origins.includes('*')) return { 'access-control-allow-origin': '*' };
  return origins.includes(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};
}

/**
 * The front door of the local HTTP API. serverless-offline only decodes JWTs (a forged token passes), so this
 * proxy verifies the token of every route that has a JWT authorizer — answering 401 like API Gateway — and hands
 * the request to serverless-offline, which then puts the claims into the event.
 */
export async function startApiFront(options: {
  host: string;
  port: number;
  backendPort: number;
  routes: ApiRoute[];
  checks: Map<string, TokenCheck>;
  /** `provider.httpApi.cors` origins (see corsOrigins); undefined: no CORS configuration. */
  corsOrigins?: string[];
}): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://local').pathname;
      const route = matchRoute(options.routes, req.method ?? 'GET', path);
      if (route?.authorizer && req.method !== 'OPTIONS') {
        const check = options.checks.get(route.authorizer.name);
        const header = req.headers.authorization ?? '';
        const token = header.replace(/^Bearer\s+/i, '');
        if (!check || !token || !(await check(token, route.authorizer.scopes))) {
          res
            .writeHead(401, {
              'content-type': 'application/json',
              'www-authenticate': 'Bearer',
              ...corsHeaders(req, options.corsOrigins),
            })
            .end(UNAUTHORIZED);
          req.resume();
          return;
        }
      }
      const upstream = http.request(
        { host: options.host, port: options.backendPort, method: req.method, path: req.url, headers: req.headers },
        (response) => {
          res.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(res);
        },
      );
      upstream.once('error', () => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Bad Gateway' }));
      });
      req.pipe(upstream);
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
