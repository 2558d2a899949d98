import { intEnv, requireEnv } from '../lib/env';

export const config = {
  subscribersTable: requireEnv('SUBSCRIBERS_TABLE'),
  idempotencyTable: requireEnv('IDEMPOTENCY_TABLE'),
  /** A verified SES identity of this stage, e.g. `Blog <hello@blog.example.com>`. */
  sender: requireEnv('WELCOME_SENDER'),
  /** The SES configuration set every welcome mail is sent with (its feedback reaches the mailFeedback function). */
  configurationSet: requireEnv('WELCOME_CONFIGURATION_SET'),
  unsubscribeBaseUrl: requireEnv('UNSUBSCRIBE_BASE_URL'),
  siteUrl: requireEnv('SITE_URL'),
  /** WelcomeFailuresQueue: records that can never become a mail are dead-lettered here with the reason. */
  failuresQueueUrl: requireEnv('WELCOME_FAILURES_QUEUE_URL'),
  /** The SES account's maximum send rate (per second) in this stage's region: sends are spaced to it. */
  sesMaxSendRate: intEnv('SES_MAX_SEND_RATE', 1, { min: 1, max: 10_000 }),
  /** Two days: more than the stream's 24 h retention plus the event source's record age limit. */
  idempotencyTtlSeconds: intEnv('IDEMPOTENCY_TTL_SECONDS', 172_800, { min: 3_600, max: 2_592_000 }),
} as const;
