import { groupsOf, subjectOf, type Claims } from '../lib/claims';

/** The caller as the verified token describes them. */
export interface Me {
  userId: string;
  email: string | null;
  groups: string[];
}

export function me(claims: Claims): Me {
  return { userId: subjectOf(claims), email: typeof claims.email === 'string' ? claims.email : null, groups: groupsOf(claims) };
}
