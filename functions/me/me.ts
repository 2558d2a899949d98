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
  if (typeof sub !== 'string' || sub === '') throw new Error('verified claims have no sub');
  return { userId: sub, email: typeof claims.email === 'string' ? claims.email : null, groups: groupsOf(claims) };
}

export function groupsOf(claims: Record<string, unknown>): string[] {
  const raw = claims['cognito:groups'];
  if (Array.isArray(raw)) return raw.filter((g): g is string => typeof g === 'string');
  if (typeof raw !== 'string' || raw === '') return [];
  return raw.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
}
