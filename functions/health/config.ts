import { requireEnv } from '../lib/env';

export const config = {
  stage: requireEnv('STAGE'),
  version: requireEnv('SERVICE_VERSION'),
} as const;
