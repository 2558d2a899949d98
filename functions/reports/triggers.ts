/**
 * What starts a rebuild: messages on the reports queue, which receives the ingestion bucket's ObjectCreated
 * notifications (S3 → SQS), and the EventBridge schedule, so a quiet day still gets its reports.
 *
 * Debounce: a batch rebuilds once, however many objects it announces (the event source's batch window gathers a
 * burst of Firehose deliveries into one batch). If that rebuild fails, every record that asked for it is reported
 * in batchItemFailures (Powertools batch), so SQS delivers them again and a later attempt rebuilds; after the
 * queue's maxReceiveCount they go to its dead-letter queue. A message that is not an S3 notification at all goes
 * there at once, with the reason: no retry could make it one.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, ScheduledEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { DeadLetters } from '../lib/dead-letters';
import { logger } from '../lib/logger';

/** A message on the queue that is not an S3 event notification: it can never trigger anything. */
export class MalformedNotificationError extends Error {
  override readonly name = 'MalformedNotificationError';
}

/** What a queue message asks for: a rebuild (objects were created), or nothing (S3's test event). */
export type Notification = { kind: 'objects-created'; keys: string[] } | { kind: 'test' };

/**
 * Reads an S3 event notification as S3 sends it to SQS ("Event message structure", S3 user guide): a JSON object
 * with `Records` (eventName `ObjectCreated:*`, s3.object.key URL-encoded), or the `s3:TestEvent` S3 sends once when
 * the notification is configured.
 */
export function parseNotification(body: string): Notification {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    throw new MalformedNotificationError('message body is not JSON');
  }
  if (typeof message !== 'object' || message === null) throw new MalformedNotificationError('message is not an object');
  const { Event, Records } = message as { Event?: unknown; Records?: unknown };
  if (Event === 's3:TestEvent') return { kind: 'test' };
  if (!Array.isArray(Records) || Records.length === 0) throw new MalformedNotificationError('message has no Records');
  const keys = Records.map((record: unknown) => {
    const { eventName, s3 } = (record ?? {}) as { eventName?: unknown; s3?: { object?: { key?: unknown } } };
    const key = s3?.object?.key;
    if (typeof eventName !== 'string' || !eventName.startsWith('ObjectCreated:') || typeof key !== 'string') {
      throw new MalformedNotificationError('record is not an S3 ObjectCreated notification');
    }
    return key;
  });
  return { kind: 'objects-created', keys };
}

export interface TriggerDeps {
  /** Rebuilds every report; must be done by `deadlineMs` (epoch ms). */
  rebuild(deadlineMs: number): Promise<unknown>;
  /** Where a message that can never trigger anything is kept, with the reason (the queue's dead-letter queue). */
  deadLetters: DeadLetters<SQSRecord>;
}

/** Time kept back from the invocation's timeout for writing the answer and the logs. */
const SAFETY_MS = 5000;

const isScheduled = (event: unknown): event is ScheduledEvent =>
  typeof event === 'object' && event !== null && (event as ScheduledEvent)['detail-type'] === 'Scheduled Event';

export function reportsHandler(deps: TriggerDeps): (event: SQSEvent | ScheduledEvent, context: Context) => Promise<SQSBatchResponse | void> {
  const processor = new BatchProcessor(EventType.SQS);

  return async (event, context) => {
    const deadline = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MS;
    if (isScheduled(event)) {
      // Thrown: Lambda retries an asynchronous invocation twice.
      await deps.rebuild(deadline);
      return;
    }
    let rebuild: Promise<unknown> | undefined;
    const recordHandler = async (record: SQSRecord): Promise<string> => {
      let notification: Notification;
      try {
        notification = parseNotification(record.body);
      } catch (error) {
        if (!(error instanceof MalformedNotificationError)) throw error;
        // No retry could make it a notification: kept with the reason, not sent round until maxReceiveCount.
        await deps.deadLetters.put(record, error.message);
        logger.warn('message is not an S3 notification; dead-lettered', { messageId: record.messageId, reason: error.message });
        return 'dead-lettered';
      }
      if (notification.kind === 'test') return 'ignored';
      // Records are processed side by side: the first to get here starts the batch's one rebuild, the rest await it.
      rebuild ??= deps.rebuild(deadline);
      await rebuild;
      return 'rebuilt';
    };
    const response = await processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
    if (response.batchItemFailures.length > 0) {
      logger.warn('records failed, to be retried', { failed: response.batchItemFailures.length, of: event.Records.length });
    }
    return response;
  };
}
