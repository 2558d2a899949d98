/**
 * Dead letters written by a function itself: input that can never succeed (a stream record with no address, a queue
 * message that is not what the queue carries) kept whole with the reason in a failure queue, instead of being retried
 * until the event source gives up. Told apart from the event sources' own failure records by `condition`.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface DeadLetters<R> {
  put(record: R, reason: string): Promise<void>;
}

export interface MalformedRecordMessage<R> {
  condition: 'MalformedRecord';
  reason: string;
  timestamp: string;
  /** Kept whole: the queue is the only place left that has it. */
  record: R;
}

export class SqsDeadLetters<R> implements DeadLetters<R> {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async put(record: R, reason: string): Promise<void> {
    const message: MalformedRecordMessage<R> = { condition: 'MalformedRecord', reason, timestamp: new Date().toISOString(), record };
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }));
  }
}
