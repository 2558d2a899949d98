import { requireEnv } from '../lib/env';

export const config = {
  usersTable: requireEnv('USERS_TABLE'),
} as const;
