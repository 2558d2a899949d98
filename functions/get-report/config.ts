import { requireEnv } from '../lib/env';

export const config = {
  reportingBucket: requireEnv('REPORTING_BUCKET'),
} as const;
