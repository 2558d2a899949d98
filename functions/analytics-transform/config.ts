import { requireEnv } from '../lib/env';

export const config = {
  /** The Secrets Manager secret (name or ARN) holding the key of the address hash; its value never is in the environment. */
  ipHashKeySecret: requireEnv('IP_HASH_KEY_SECRET'),
} as const;
