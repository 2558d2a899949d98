/** Changing a user's plan: shared by the admin route and the operator command (`npm run plan`). */
import { badRequest, forbidden, notFound } from '../lib/http';
import { PLANS, type Plan, type User, type UserStore } from '../lib/users';

export const ADMINS_GROUP = 'admins';

export interface PlanChange {
  plan: Plan;
  premiumUntil?: string;
}

/** `cognito:groups` as API Gateway's JWT authorizer passes it: an array, or a string `[a b]` of names. */
export function groupsOf(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim !== 'string') return [];
  return claim.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
}

export function requireAdmin(groupsClaim: unknown): void {
  if (!groupsOf(groupsClaim).includes(ADMINS_GROUP)) {
    throw forbidden(`Only members of ${ADMINS_GROUP} may change plans`, 'not_admin');
  }
}

export function parsePlanChange(body: unknown, nowMs: number): PlanChange {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Body must be a JSON object');
  const { plan, premiumUntil } = body as Record<string, unknown>;
  if (typeof plan !== 'string' || !PLANS.includes(plan as Plan)) {
    throw badRequest(`plan must be one of ${PLANS.join(', ')}`, 'invalid_plan');
  }
  if (premiumUntil === undefined || premiumUntil === null) return { plan: plan as Plan };
  if (plan !== 'premium') throw badRequest('premiumUntil applies to the premium plan only', 'invalid_plan');
  const until = typeof premiumUntil === 'string' ? Date.parse(premiumUntil) : Number.NaN;
  if (Number.isNaN(until)) throw badRequest('premiumUntil must be an ISO 8601 date', 'invalid_premium_until');
  if (until <= nowMs) throw badRequest('premiumUntil must be in the future', 'invalid_premium_until');
  return { plan: 'premium', premiumUntil: new Date(until).toISOString() };
}

export async function changePlan(userId: string, change: PlanChange, store: UserStore, now: Date): Promise<User> {
  const user = await store.setPlan(userId, change.plan, change.premiumUntil, now.toISOString());
  if (!user) throw notFound('No such user', 'user_not_found');
  return user;
}
