import type { User, UserStore } from '../lib/users';

export interface ConfirmedUser {
  userId: string;
  email: string;
}

/**
 * Records a newly confirmed user as `free`. Cognito may fire the trigger again for the same user (retries, or a
 * confirmation after a forgotten password), so an existing row — perhaps already premium — is left as it is.
 */
export async function registerUser(input: ConfirmedUser, store: UserStore, now: Date): Promise<'created' | 'exists'> {
  const user: User = { userId: input.userId, email: input.email, plan: 'free', createdAt: now.toISOString() };
  return (await store.createIfAbsent(user)) ? 'created' : 'exists';
}
