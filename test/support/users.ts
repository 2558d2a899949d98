/** Test doubles for the paid-content flows: the UsersTable port in memory. */
import type { PlanChange, User, UserStore } from '../../functions/lib/users';

export class MemoryUsers implements UserStore {
  readonly rows = new Map<string, User>();
  async get(userId: string) { return this.rows.get(userId); }
  async findByEmail(email: string) { return [...this.rows.values()].find((u) => u.email === email); }
  async createIfAbsent(user: User) {
    if (this.rows.has(user.userId)) return false;
    this.rows.set(user.userId, user);
    return true;
  }
  async setPlan(userId: string, { plan, premiumUntil }: PlanChange, now: string) {
    const user = this.rows.get(userId);
    if (!user) return undefined;
    const updated: User = { ...user, plan, premiumUntil, updatedAt: now };
    this.rows.set(userId, updated);
    return updated;
  }
}
