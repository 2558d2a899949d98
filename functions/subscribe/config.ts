import { requireEnv } from '../lib/env';

export const config = {
  subscribersTable: requireEnv('SUBSCRIBERS_TABLE'),
} as const;
