/**
 * The verified JWT claims of a request, as the cores read them. API Gateway's JWT authorizer hands claims over as
 * strings and flattens an array such as `cognito:groups` to "[admins editors]"; serverless-offline keeps arrays as
 * they are. Both forms are read here, once, for every route.
 */
import { UnauthorizedError } from './errors';

export type Claims = Readonly<Record<string, unknown>>;

/**
 * The caller's user id. The JWT authorizer checks kid, signature, iss, aud/client_id, exp, nbf, iat and scopes, not
 * that `sub` is there ("Control access to HTTP APIs with JWT authorizers in API Gateway"): a token naming nobody
 * identifies no caller.
 */
export function subjectOf(claims: Claims): string {
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '') throw new UnauthorizedError('unauthorized', 'The token has no subject');
  return sub;
}

/** The caller's Cognito groups: an array of names, or API Gateway's flattened "[a b]" (or "a,b"); none otherwise. */
export function groupsOf(claims: Claims): string[] {
  const raw = claims['cognito:groups'];
  if (Array.isArray(raw)) return raw.filter((group): group is string => typeof group === 'string' && group !== '');
  if (typeof raw !== 'string') return [];
  return raw.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
}
