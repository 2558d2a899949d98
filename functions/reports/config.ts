import { intEnv, requireEnv } from '../lib/env';

export const config = {
  /**
   * The Athena workgroup (resources/reports.yml). Its configuration is enforced: it, not this function, sets where
   * results go and the bytes-scanned cutoff per query (BytesScannedCutoffPerQuery, stage param
   * reportsBytesScannedCutoff), past which Athena cancels the query.
   */
  workGroup: requireEnv('ATHENA_WORKGROUP'),
  /** The Glue database of the analytics table `events` (resources/analytics.yml). */
  database: requireEnv('ATHENA_DATABASE'),
  reportingBucket: requireEnv('REPORTING_BUCKET'),
  /** ReportsDeadLetterQueue: messages that are not S3 notifications go there at once, with the reason. */
  deadLetterQueueUrl: requireEnv('REPORTS_DEAD_LETTER_QUEUE_URL'),
  /** Days each report covers, today (UTC) included: also bounds the partitions, and so the bytes, a query reads. */
  windowDays: intEnv('REPORT_WINDOW_DAYS', 30, { min: 1, max: 366 }),
  /** The longest one query may take, queued and running; the function's own timeout must leave room for it. */
  queryTimeoutMs: intEnv('REPORT_QUERY_TIMEOUT_SECONDS', 60, { min: 5, max: 840 }) * 1000,
} as const;
