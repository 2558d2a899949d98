import { intEnv, requireEnv } from '../lib/env';

export const config = {
  /** The Kinesis stream's name (stage param analyticsStream). */
  streamName: requireEnv('EVENTS_STREAM'),
  /**
   * Up to 4 PutRecords calls for the records a call refused, 50 ms doubling to at most 1 s between them (with jitter):
   * at most ~1.4 s of waiting, well inside the function's 10 s and API Gateway's 30 s.
   */
  retry: {
    attempts: intEnv('EVENTS_PUT_ATTEMPTS', 4, { min: 1, max: 10 }),
    baseDelayMs: intEnv('EVENTS_PUT_BASE_DELAY_MS', 50, { min: 1, max: 1_000 }),
    maxDelayMs: intEnv('EVENTS_PUT_MAX_DELAY_MS', 1_000, { min: 1, max: 5_000 }),
  },
  /**
   * The beacon sends when the page is hidden, so an event can be as old as the visit: a day covers a tab left open
   * overnight. Ahead: five minutes of clock drift.
   */
  clock: {
    maxAgeSeconds: intEnv('EVENTS_MAX_AGE_SECONDS', 86_400, { min: 60, max: 7 * 86_400 }),
    maxAheadSeconds: intEnv('EVENTS_MAX_AHEAD_SECONDS', 300, { min: 0, max: 3_600 }),
  },
  /** Retry-After of the 503 when records stay refused. */
  retryAfterSeconds: intEnv('EVENTS_RETRY_AFTER_SECONDS', 2, { min: 1, max: 300 }),
} as const;
