import { isPremium, type Plan, type User } from '../../../../functions/lib/users';

const NOW = Date.parse('2030-01-01T00:00:00Z');

describe('isPremium', () => {
  const user = (plan: Plan, premiumUntil?: string): User => ({ userId: 'u', email: 'e', plan, createdAt: '', premiumUntil });
  it.each([
    [user('premium'), true], [user('premium', '2030-01-01T00:00:01Z'), true], [user('premium', '2030-01-01T00:00:00Z'), false],
    [user('free'), false], [undefined, false],
  ])('%p → %p', (u, expected) => expect(isPremium(u, NOW)).toBe(expected));
});
