import { ForbiddenError } from '../../../../functions/lib/errors';
import { changePlan, parsePlanChange, requireAdmin } from '../../../../functions/plan/plan';
import { registerUser } from '../../../../functions/registration/registration';
import { refusal, rejection } from '../../../support/errors';
import { MemoryUsers } from '../../../support/users';

const NOW = Date.parse('2030-01-01T00:00:00Z');

async function status(promise: Promise<unknown>): Promise<[number, string]> {
  const { statusCode, code } = await rejection(promise);
  return [statusCode, code];
}

describe('plan changes', () => {
  it('needs the admins group in the verified claims', () => {
    const groups = (claim: unknown) => ({ 'cognito:groups': claim });
    expect(() => requireAdmin(groups(['admins']))).not.toThrow();
    expect(() => requireAdmin(groups('[readers admins]'))).not.toThrow();
    expect(() => requireAdmin(groups(undefined))).toThrow(ForbiddenError);
    expect(() => requireAdmin(groups('[administrators]'))).toThrow(ForbiddenError);
    expect(refusal(() => requireAdmin(groups(undefined)))).toEqual({ statusCode: 403, code: 'not_admin' });
  });

  it.each([
    [{ plan: 'gold' }, 'invalid_plan'],
    [{ plan: 'free', premiumUntil: '2031-01-01' }, 'invalid_plan'],
    [{ plan: 'premium', premiumUntil: 'tomorrow' }, 'invalid_premium_until'],
    [{ plan: 'premium', premiumUntil: '2029-01-01T00:00:00Z' }, 'invalid_premium_until'],
    [[], 'bad_request'],
  ])('refuses %p', (body, code) => {
    expect(refusal(() => parsePlanChange(body, NOW))).toEqual({ statusCode: 400, code });
  });

  it('sets premium until a date, and answers 404 for an unknown user', async () => {
    const users = new MemoryUsers();
    await registerUser({ userId: 'u1', email: 'a@example.com' }, users, new Date(NOW));
    const change = parsePlanChange({ plan: 'premium', premiumUntil: '2030-02-01T00:00:00Z' }, NOW);
    await expect(changePlan('u1', change, users, new Date(NOW))).resolves.toMatchObject({ plan: 'premium', premiumUntil: '2030-02-01T00:00:00.000Z' });
    expect(await status(changePlan('nobody', change, users, new Date(NOW)))).toEqual([404, 'user_not_found']);
  });
});
