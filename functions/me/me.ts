import { UnauthorizedError } from '../lib/errors';

/** The caller as the verified token describes them. */
export interface Me {
  userId: string;
  email: string | null;
  groups: string[];
}

/**
 * Claims arrive as strings: API Gateway flattens arrays such as `cognito:groups` to "[admins other]" (and
 * serverless-offline keeps them as arrays), so both forms are read.
 */
export function me(claims: Record<string, unknown>): Me {
  const sub = claims.sub;
  // The JWT authorizer checks kid, signature, iss, aud/client_id, exp, nbf, iat and scopes, not that `sub` is there
  // ("Control access to HTTP APIs with JWT authorizers in API Gateway"): a token naming nobody is the caller's 401.
  if (typeof sub !== 'string' || sub === '') throw new UnauthorizedError('unauthorized', 'The token has no subject');
  return { userId: sub, email: typeof claims.email === 'string' ? claims.email : null, groups: groupsOf(claims) };
}

export function groupsOf(claims: Record<string, unknown>): string[] {
  const raw = claims['cognito:groups'];
  if (Array.isArray(raw)) return raw.filter((g): g is string => typeof g === 'string');
  if (typeof raw !== 'string' || raw === '') return [];
  return raw.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
}
