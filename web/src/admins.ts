/** Who reads the analytics: the Cognito group GET /reports/{name} admits (functions/get-report), also the plan route's. */
import type { SignedInUser } from './auth';

export const ADMINS_GROUP = 'admins';

/** From the token's `cognito:groups`: what the page shows (the Dashboard link). The API decides who gets reports. */
export function isAdmin(user: SignedInUser | undefined): boolean {
  return user?.groups.includes(ADMINS_GROUP) === true;
}
