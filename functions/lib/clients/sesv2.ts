import { SESv2Client } from '@aws-sdk/client-sesv2';
import { intEnv } from '../env';
import { tracer } from '../tracer';
import { once } from './once';

/**
 * SES (API v2). `adaptive` retry mode adds a client-side token bucket that slows down after throttling answers
 * (SES "Maximum sending rate exceeded" is a TooManyRequestsException), on top of exponential backoff with jitter:
 * a batch sent in parallel settles at the account's send rate instead of failing records.
 */
export const sesv2Config = () =>
  ({ retryMode: 'adaptive', maxAttempts: intEnv('SES_MAX_ATTEMPTS', 8, { min: 1, max: 20 }) }) as const;

export const sesv2 = /* @__PURE__ */ once(() => tracer.captureAWSv3Client(new SESv2Client(sesv2Config())));
