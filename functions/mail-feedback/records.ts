import type { SNSEvent, SNSEventRecord } from 'aws-lambda';
import type { DeadLetters } from '../lib/dead-letters';
import { logger } from '../lib/logger';
import type { SuppressionStore } from '../lib/subscribers';
import { applyFeedback, MAX_MESSAGE_BYTES, MalformedNotificationError, parseNotification, type FeedbackResult } from './mail-feedback';

export interface MailFeedbackDeps {
  store: SuppressionStore;
  /** Where a notification that is not an SES report is kept, with the reason (MailFeedbackFailedInvocationsQueue). */
  deadLetters: DeadLetters<SNSEventRecord>;
  now?: () => Date;
}

/** What one SNS record came to: a report acted on, an event type not acted on, or a dead letter. */
export type RecordOutcome =
  | ({ status: 'applied' } & FeedbackResult)
  | { status: 'ignored'; type: string }
  | { status: 'dead-lettered'; reason: string };

/** A dead letter keeps the record, but not a message that could not fit an SQS message with it. */
const DEAD_LETTER_MESSAGE_CHARS = 64 * 1024;

/**
 * SNS → the mail feedback, one record after the other (SNS delivers one per invocation; the loop does not assume it).
 * A malformed notification is dead-lettered and the invocation succeeds: a retry would read the same bytes. Anything
 * else that fails (DynamoDB) throws, so Lambda's asynchronous retries, then the on-failure destination, take over;
 * records already applied are applied again harmlessly (suppress is idempotent).
 */
export function mailFeedbackHandler(deps: MailFeedbackDeps): (event: SNSEvent) => Promise<RecordOutcome[]> {
  return async (event) => {
    const outcomes: RecordOutcome[] = [];
    for (const record of event?.Records ?? []) {
      let feedback;
      try {
        feedback = parseNotification(record?.Sns?.Message);
      } catch (error) {
        if (!(error instanceof MalformedNotificationError)) throw error;
        await deps.deadLetters.put(trimmed(record), error.message);
        logger.error('malformed notification dead-lettered', { snsMessageId: record?.Sns?.MessageId, reason: error.message });
        outcomes.push({ status: 'dead-lettered', reason: error.message });
        continue;
      }
      const result = await applyFeedback(feedback, deps.store, deps.now);
      if (result === undefined) {
        logger.info('notification ignored', { type: feedback.kind === 'ignored' ? feedback.type : feedback.kind });
        outcomes.push({ status: 'ignored', type: feedback.kind === 'ignored' ? feedback.type : feedback.kind });
        continue;
      }
      for (const { email, outcome } of result.recipients) {
        // The address stays out of the log (it is in the table when it is a subscriber); its domain and SES's
        // messageId are enough to follow a report.
        const line = { reason: result.reason, outcome, messageId: result.messageId, domain: email.slice(email.lastIndexOf('@') + 1) };
        if (outcome === 'unknown') logger.warn('feedback for an address that is not a subscriber', line);
        else if (result.reason === 'reject') logger.error('SES rejected a welcome mail', line);
        else logger.info('mail feedback', line);
      }
      outcomes.push({ status: 'applied', ...result });
    }
    return outcomes;
  };
}

function trimmed(record: SNSEventRecord): SNSEventRecord {
  const message = record?.Sns?.Message;
  if (typeof message !== 'string' || message.length <= DEAD_LETTER_MESSAGE_CHARS) return record;
  return { ...record, Sns: { ...record.Sns, Message: `${message.slice(0, DEAD_LETTER_MESSAGE_CHARS)}… (${Buffer.byteLength(message)} bytes in all, over ${MAX_MESSAGE_BYTES})` } };
}
