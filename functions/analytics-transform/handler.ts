import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { isbot } from 'isbot';
import { logger } from '../lib/logger';
import { count, instrumented } from '../lib/observability';
import { ipHasher } from './anonymise';
import { toFirehoseResult, transformRecords, type Outcome } from './analytics-transform';
import { config } from './config';
import { ipHashKey } from './ip-hash-key';
import { browserFamily, deviceClass } from './user-agent';

/**
 * EventsDropped's reasons: the transform's own (a bot, a repeat), and `malformed` for a record it could not read, whose
 * detailed reason names a field and is logged, not counted.
 */
const DROP_REASONS = ['bot', 'duplicate', 'malformed'] as const;
const dropReason = (outcome: Outcome): (typeof DROP_REASONS)[number] | undefined =>
  outcome.result === 'Dropped' ? outcome.reason : outcome.result === 'ProcessingFailed' ? 'malformed' : undefined;

/**
 * Firehose's transform of the analytics events (resources/analytics.yml, AnalyticsDeliveryStream). A throw here (the
 * key cannot be read) makes Firehose retry the invocation, then write the batch to the error prefix.
 */
export const handler = instrumented('analyticsTransform', async (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> => {
  const key = await ipHashKey(config.ipHashKeySecret);
  const outcomes = transformRecords(event.records, { ipHash: ipHasher(key), isBot: isbot, browserFamily, deviceClass });
  const counts = { Ok: 0, Dropped: 0, ProcessingFailed: 0 };
  for (const outcome of outcomes) {
    counts[outcome.result] += 1;
    // The reason names a field or a rule, never a value of the record.
    if (outcome.result === 'ProcessingFailed') logger.warn('record not transformed', { recordId: outcome.recordId, reason: outcome.reason });
  }
  logger.info('batch transformed', { records: outcomes.length, ...counts });
  count('EventsTransformed', counts.Ok);
  for (const reason of DROP_REASONS) count('EventsDropped', reason, outcomes.filter((outcome) => dropReason(outcome) === reason).length);
  return toFirehoseResult(outcomes);
});
