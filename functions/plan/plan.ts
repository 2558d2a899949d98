/** Changing a user's plan: shared by the admin route and the operator command (`npm run plan`). */
import { groupsOf, type Claims } from '../lib/claims';
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors';
import { PLANS, type Plan, type PlanChange, type User, type UserStore } from '../lib/users';

export const ADMINS_GROUP = 'admins';

export function requireAdmin(claims: Claims): void {
  if (!groupsOf(claims).includes(ADMINS_GROUP)) {
    throw new ForbiddenError('not_admin', `Only members of ${ADMINS_GROUP} may change plans`);
  }
}

export function parsePlanChange(body: unknown, nowMs: number): PlanChange {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('bad_request', 'Body must be a JSON object');
  }
  const { plan, premiumUntil } = body as Record<string, unknown>;
  if (typeof plan !== 'string' || !PLANS.includes(plan as Plan)) {
    throw new ValidationError('invalid_plan', `plan must be one of ${PLANS.join(', ')}`);
  }
  if (premiumUntil === undefined || premiumUntil === null) return { plan: plan as Plan };
  if (plan !== 'premium') throw new ValidationError('invalid_plan', 'premiumUntil applies to the premium plan only');
  const until = typeof premiumUntil === 'string' ? Date.parse(premiumUntil) : Number.NaN;
  if (Number.isNaN(until)) throw new ValidationError('invalid_premium_until', 'premiumUntil must be an ISO 8601 date');
  if (until <= nowMs) throw new ValidationError('invalid_premium_until', 'premiumUntil must be in the future');
  return { plan: 'premium', premiumUntil: new Date(until).toISOString() };
}

export async function changePlan(userId: string, change: PlanChange, store: UserStore, now: Date): Promise<User> {
  const user = await store.setPlan(userId, change, now.toISOString());
  if (!user) throw new NotFoundError('user_not_found', 'No such user');
  return user;
}
