import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { DeadLetters } from '../lib/dead-letters';
import { logger } from '../lib/logger';
import type { SubscriberStore, WelcomeOutcome } from '../lib/subscribers';
import { welcomeDelivery } from './deliver';
import { failureReason, MalformedRecordError, parseStreamRecord, type Mailer, type WelcomeSettings } from './welcome';

/** What became of one record's mail, for the flow's metrics (functions/lib/flows.ts; the handler counts them). */
export type WelcomeResult =
  /** SES accepted the mail now (not a replay of one sent before). */
  | { kind: 'sent' }
  /** SES refused it for good; `reason` is SES's error name (MessageRejected, BadRequestException). */
  | { kind: 'rejected'; reason: string }
  /** It failed for now and the event source retries it. */
  | { kind: 'failed' }
  /** Not sent: the address is suppressed (a hard bounce or a complaint, functions/mail-feedback). */
  | { kind: 'suppressed' };

/** mailer.ts throws PermanentSendError("<SES error name>: <message>"): the name, a code of SES's, not the message. */
function sesErrorName(reason: string): string {
  return /^PermanentSendError: ([A-Za-z]+):/.exec(reason)?.[1] ?? 'other';
}

export interface WelcomeBatchDeps {
  mailer: Mailer;
  store: SubscriberStore;
  settings: WelcomeSettings;
  persistenceStore: BasePersistenceLayer;
  /** Where a record that can never become a mail is kept, with the reason (the WelcomeFailuresQueue). */
  deadLetters: DeadLetters<DynamoDBRecord>;
  /** How long a sent mail is remembered; longer than the stream's 24 h retention, so no replay can resend it. */
  idempotencyTtlSeconds: number;
  /** Told what became of each record's mail (the handler's metrics). */
  onResult?: (result: WelcomeResult) => void;
}

/**
 * The welcome batch: each record is parsed, then delivered once per subscription (deliver.ts). Only transient send
 * failures are reported in `batchItemFailures`, so the event source retries those alone, until the record age limit;
 * a permanent SES refusal is noted on the subscriber, and a record that cannot be read goes to the dead letters with
 * its reason — neither is retried, as no retry could succeed.
 */
export function welcomeBatchHandler(
  deps: WelcomeBatchDeps,
): (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse> {
  // A batch whose every record failed (SES down) is reported record by record, not thrown: a thrown batch would be
  // bisected into many smaller invocations that fail the same way (bisection is for a record that crashes or hangs
  // the function; "Error handling for DynamoDB event sources", Lambda developer guide).
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const delivery = welcomeDelivery(deps);

  const recordHandler = async (record: DynamoDBRecord): Promise<WelcomeOutcome | 'ignored' | 'dead-lettered'> => {
    let job;
    try {
      job = parseStreamRecord(record);
    } catch (error) {
      if (!(error instanceof MalformedRecordError)) throw error;
      await deps.deadLetters.put(record, error.message);
      logger.error('malformed record dead-lettered', { sequenceNumber: record.dynamodb?.SequenceNumber, reason: error.message });
      return 'dead-lettered';
    }
    if (job === undefined) return 'ignored';
    let outcome, sentNow;
    try {
      ({ outcome, sentNow } = await delivery.deliver(job));
    } catch (error) {
      logger.warn('welcome mail failed, to be retried', { subscriptionId: job.subscriptionId, reason: failureReason(error) });
      deps.onResult?.({ kind: 'failed' });
      throw error;
    }
    if (outcome.status === 'failed') deps.onResult?.({ kind: 'rejected', reason: sesErrorName(outcome.reason) });
    else if (outcome.status === 'suppressed') deps.onResult?.({ kind: 'suppressed' });
    else if (sentNow) deps.onResult?.({ kind: 'sent' });
    // Records run in parallel: the id goes on the line itself, not as a logger-wide key.
    logger.info('welcome mail', {
      subscriptionId: job.subscriptionId,
      status: outcome.status,
      ...(outcome.status === 'sent' ? {} : { reason: outcome.reason }),
    });
    return outcome;
  };

  return async (event, context) => {
    delivery.registerLambdaContext(context);
    const response = await processPartialResponse(event, recordHandler, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
    if (response.batchItemFailures.length > 0) {
      logger.warn('records failed', { failed: response.batchItemFailures.length, of: event.Records.length });
    }
    return response;
  };
}
