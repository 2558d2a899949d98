import { registerUser } from '../../../../functions/registration/registration';
import { MemoryUsers } from '../../../support/users';

const NOW = Date.parse('2030-01-01T00:00:00Z');

describe('registration', () => {
  it('records a confirmed user as free, once, and keeps a later plan when the trigger fires again', async () => {
    // Prepare
    const users = new MemoryUsers();

    // Act
    const first = await registerUser({ userId: 'u1', email: 'a@example.com' }, users, new Date(NOW));
    await users.setPlan('u1', { plan: 'premium' }, 'later');
    const second = await registerUser({ userId: 'u1', email: 'a@example.com' }, users, new Date(NOW + 1000));

    // Assess
    expect([first, second]).toEqual(['created', 'exists']);
    expect(users.rows.get('u1')).toMatchObject({ plan: 'premium', createdAt: '2030-01-01T00:00:00.000Z' });
  });
});
