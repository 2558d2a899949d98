/**
 * A failure queue as the redrive reads it: every visible message received at once and hidden from other readers for
 * the run (a second redrive at the same time finds nothing to do), then each one deleted (settled) or made visible
 * again (kept, so the queue's alarm keeps an operator on it).
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** The message attributes as sent (a dead letter keeps them; a move sends them on). */
  attributes: Record<string, MessageAttributeValue>;
}

export interface HeldQueue {
  /** Every visible message, oldest first as far as SQS tells, hidden for the run. */
  receiveAll(): Promise<QueueMessage[]>;
  delete(messages: readonly Pick<QueueMessage, 'receiptHandle'>[]): Promise<void>;
  /** Makes the messages visible again. */
  release(messages: readonly Pick<QueueMessage, 'receiptHandle'>[]): Promise<void>;
}

/** Longer than a run takes: the messages stay hidden from a concurrent redrive until this one settles them. */
export const HOLD_SECONDS = 900;

const batches = <T>(items: readonly T[]): T[][] =>
  Array.from({ length: Math.ceil(items.length / 10) }, (_, i) => items.slice(i * 10, i * 10 + 10));

export function sqsQueue(sqs: SQSClient, queueUrl: string, holdSeconds = HOLD_SECONDS): HeldQueue {
  const settle = async (name: string, failed: { Id?: string; Message?: string }[] | undefined) => {
    if (failed?.length) throw new Error(`${name} failed for ${failed.length} message(s) of ${queueUrl}: ${failed[0]?.Message ?? ''}`);
  };
  return {
    async receiveAll() {
      const all: QueueMessage[] = [];
      for (;;) {
        // A 1-second wait, not 0: a short poll asks only some of SQS's servers and may answer empty while messages
        // are there ("Amazon SQS short and long polling", SQS developer guide).
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: holdSeconds,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ['All'],
          }),
        );
        if (!Messages?.length) return all;
        for (const m of Messages) {
          all.push({ messageId: m.MessageId ?? '', receiptHandle: m.ReceiptHandle ?? '', body: m.Body ?? '', attributes: m.MessageAttributes ?? {} });
        }
      }
    },
    async delete(messages) {
      for (const batch of batches(messages)) {
        const { Failed } = await sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receiptHandle })) }),
        );
        await settle('DeleteMessageBatch', Failed);
      }
    },
    async release(messages) {
      for (const batch of batches(messages)) {
        const { Failed } = await sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receiptHandle, VisibilityTimeout: 0 })),
          }),
        );
        await settle('ChangeMessageVisibilityBatch', Failed);
      }
    },
  };
}
