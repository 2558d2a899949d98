import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../lib/logger';
import type { SubscriberStore, WelcomeOutcome } from '../lib/subscribers';
import { parseStreamRecord, sendWelcome, type Mailer, type WelcomeJob, type WelcomeSettings } from './welcome';

export interface WelcomeBatchDeps {
  mailer: Mailer;
  store: SubscriberStore;
  settings: WelcomeSettings;
  persistenceStore: BasePersistenceLayer;
  /** How long a sent mail is remembered; longer than the stream's 24 h retention, so no replay can resend it. */
  idempotencyTtlSeconds: number;
}

/**
 * The welcome batch: each record is parsed, then sent once per subscription — Powertools idempotency keyed by
 * `subscriptionId` remembers each sent mail, so a retried batch (a failed sibling, a timeout, bisection) skips the
 * records that already went out. Records that fail are reported in `batchItemFailures`; the rest are not retried.
 */
export function welcomeBatchHandler(
  deps: WelcomeBatchDeps,
): (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse> {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: 'subscriptionId',
    expiresAfterSeconds: deps.idempotencyTtlSeconds,
    throwOnNoIdempotencyKey: true,
  });
  const sendOnce = makeIdempotent(
    async (job: WelcomeJob): Promise<WelcomeOutcome> => sendWelcome(job, deps),
    { persistenceStore: deps.persistenceStore, config: idempotencyConfig },
  );

  const recordHandler = async (record: DynamoDBRecord): Promise<WelcomeOutcome | 'ignored'> => {
    const job = parseStreamRecord(record);
    if (job === undefined) return 'ignored';
    const outcome = await sendOnce(job);
    // Records run in parallel: the id goes on the line itself, not as a logger-wide key.
    logger.info('welcome mail', { subscriptionId: job.subscriptionId, status: outcome.status });
    return outcome;
  };

  return async (event, context) => {
    idempotencyConfig.registerLambdaContext(context);
    const response = await processPartialResponse(event, recordHandler, processor, { context });
    if (response.batchItemFailures.length > 0) {
      logger.warn('records failed', { failed: response.batchItemFailures.length, of: event.Records.length });
    }
    return response;
  };
}
