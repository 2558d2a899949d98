/**
 * The HTTP API's JWT authorizers ("Control access to HTTP APIs with JWT authorizers in API Gateway"): those of
 * `provider.httpApi.authorizers`, and the check API Gateway makes of a token before a route's integration runs.
 */
import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { ServiceConfig } from '../service-config';

export interface JwtAuthorizer {
  issuerUrl: string;
  audience: string[];
}

/** JWT authorizers of `provider.httpApi.authorizers` (only the JWT kind: issuerUrl + audience). */
export function jwtAuthorizers(config: ServiceConfig): Map<string, JwtAuthorizer> {
  const provider = config.provider as { httpApi?: { authorizers?: Record<string, Record<string, unknown>> } };
  const result = new Map<string, JwtAuthorizer>();
  for (const [name, def] of Object.entries(provider.httpApi?.authorizers ?? {})) {
    // Lambda (request) authorizers are not emulated: a route that names one has no check, and the front refuses to start.
    if (def.type === 'request') continue;
    const audience = def.audience;
    result.set(name, {
      issuerUrl: String(def.issuerUrl),
      audience: (Array.isArray(audience) ? audience : [audience]).map(String),
    });
  }
  return result;
}

export type TokenCheck = (token: string, scopes: string[]) => Promise<boolean>;

/**
 * Verifies a token as an HTTP API JWT authorizer does ("Authorizing API requests with a JWT authorizer"): `kid` and
 * an RSA signature against the issuer's JWKS; `iss`; `aud` (ID tokens) or `client_id` (access tokens) in the audience
 * list; `exp` after now (so a token without `exp` is refused); `nbf` and `iat` before now; and, where the route names
 * scopes, one of them in `scope` or `scp`. aws-jwt-verify does the cryptography; it accepts a token without `exp`
 * and does not look at `iat`, so those two are checked here. Its default fetcher only speaks HTTPS, so the JWKS of
 * the local issuer (plain HTTP on loopback) comes through a fetcher of our own.
 */
export function jwtChecker(authorizer: JwtAuthorizer, now: () => number = Date.now): TokenCheck {
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
        const seconds = now() / 1000;
        if (typeof payload.exp !== 'number' || payload.exp <= seconds) throw new Error('exp missing or past');
        if (typeof payload.iat === 'number' && payload.iat > seconds) throw new Error('iat in the future');
      },
    },
    { jwksCache },
  );
  return async (token, scopes) => {
    try {
      const payload = await verifier.verify(token);
      if (scopes.length === 0) return true;
      const granted = [payload.scope, payload.scp]
        .flatMap((claim) => (typeof claim === 'string' ? claim.split(' ') : Array.isArray(claim) ? claim : []))
        .filter((scope): scope is string => typeof scope === 'string');
      return scopes.some((scope) => granted.includes(scope));
    } catch {
      return false;
    }
  };
}
