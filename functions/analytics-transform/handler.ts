import type { FirehoseTransformationHandler } from 'aws-lambda';
import { isbot } from 'isbot';
import { logger } from '../lib/logger';
import { ipHasher } from './anonymise';
import { toFirehoseResult, transformRecords } from './analytics-transform';
import { config } from './config';
import { ipHashKey } from './ip-hash-key';
import { browserFamily, deviceClass } from './user-agent';

/**
 * Firehose's transform of the analytics events (resources/analytics.yml, AnalyticsDeliveryStream). A throw here (the
 * key cannot be read) makes Firehose retry the invocation, then write the batch to the error prefix.
 */
export const handler: FirehoseTransformationHandler = async (event) => {
  const key = await ipHashKey(config.ipHashKeySecret);
  const outcomes = transformRecords(event.records, { ipHash: ipHasher(key), isBot: isbot, browserFamily, deviceClass });
  const counts = { Ok: 0, Dropped: 0, ProcessingFailed: 0 };
  for (const outcome of outcomes) {
    counts[outcome.result] += 1;
    // The reason names a field or a rule, never a value of the record.
    if (outcome.result === 'ProcessingFailed') logger.warn('record not transformed', { recordId: outcome.recordId, reason: outcome.reason });
  }
  logger.info('batch transformed', { records: outcomes.length, ...counts });
  return toFirehoseResult(outcomes);
};
