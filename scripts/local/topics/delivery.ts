/**
 * SNS → Lambda on the local stack. fauxqs delivers a topic to SQS queues only, so each `sns` event gets a queue of its
 * own subscribed to the topic (not raw: the body is SNS's JSON envelope), and this loop turns each message into the
 * event Lambda receives from SNS ("Invoking Lambda functions with Amazon SNS notifications", example event: one
 * record per invocation) and invokes the function asynchronously as SNS does — Lambda's retries, then the function's
 * on-failure destination (common/invoke.ts invokeAsync). The message is deleted once that is settled, so a stack
 * stopped mid-delivery delivers it again on the next start (SNS delivers at least once).
 *
 * Not emulated: SNS's own delivery retries towards an unreachable Lambda (here the invocation's retries cover it),
 * message signatures (the envelope carries fauxqs's placeholder).
 */
import { DeleteMessageCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SNSEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { invokeAsync, type AsyncTarget } from '../common/invoke';
import { oneLine } from '../common/log';

/** The SNS envelope of a non-raw delivery to SQS ("Amazon SNS message and JSON formats", Notification). */
interface Envelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string | null;
  Message: string;
  Timestamp: string;
  SignatureVersion?: string;
  Signature?: string;
  SigningCertURL?: string;
  UnsubscribeURL?: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/** The event Lambda gets for one SNS message, with the subscription's ARN. */
export function snsEvent(envelope: Envelope, subscriptionArn: string): SNSEvent {
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        EventSource: 'aws:sns',
        Sns: {
          SignatureVersion: envelope.SignatureVersion ?? '1',
          Timestamp: envelope.Timestamp,
          Signature: envelope.Signature ?? '',
          SigningCertUrl: envelope.SigningCertURL ?? '',
          MessageId: envelope.MessageId,
          Message: envelope.Message,
          MessageAttributes: envelope.MessageAttributes ?? {},
          Type: envelope.Type,
          UnsubscribeUrl: envelope.UnsubscribeURL ?? '',
          TopicArn: envelope.TopicArn,
          Subject: envelope.Subject ?? (null as unknown as string),
        },
      },
    ],
  };
}

function envelopeOf(message: Message): Envelope | undefined {
  try {
    const body = JSON.parse(message.Body ?? '') as Partial<Envelope>;
    return body.Type === 'Notification' && typeof body.Message === 'string' && typeof body.TopicArn === 'string' ? (body as Envelope) : undefined;
  } catch {
    return undefined;
  }
}

export interface TopicDelivery {
  /** Resolves when every message received so far has been delivered (or handed to the on-failure queue). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startTopicDelivery(options: {
  queueUrl: string;
  subscriptionArn: string;
  target: AsyncTarget;
  sqs: SQSClient;
  lambda: LambdaClient;
  log: (message: string) => void;
  retryDelayMs?: (retry: number) => number;
}): TopicDelivery {
  const { queueUrl, target, sqs, log } = options;
  const inFlight = new Set<Promise<void>>();
  let stopping = false;

  const deliver = async (message: Message): Promise<void> => {
    const envelope = envelopeOf(message);
    if (!envelope) log(`${target.functionKey}: not an SNS notification, dropped: ${oneLine(message.Body)}`);
    else {
      const { succeeded, invocations } = await invokeAsync(target, snsEvent(envelope, options.subscriptionArn), {
        lambda: options.lambda,
        sqs,
        log,
        ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}),
      });
      log(`${target.functionKey} ← ${envelope.TopicArn} ${envelope.MessageId}: ${succeeded ? 'delivered' : 'failed, on-failure record written'} (${invocations} invocation(s))`);
    }
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
  };

  const loop = (async () => {
    while (!stopping) {
      let messages: Message[];
      try {
        // A one-second long poll, so stopping waits a second at most (see queues/poller.ts).
        ({ Messages: messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 })));
      } catch (error) {
        if (!stopping) log(`${target.functionKey}: receive failed: ${oneLine(error)}`);
        await sleep(1000);
        continue;
      }
      // SNS invokes once per message, side by side.
      for (const message of messages) {
        const work: Promise<void> = deliver(message)
          .catch((error: unknown) => log(`${target.functionKey}: delivery failed: ${oneLine(error)}`))
          .finally(() => inFlight.delete(work));
        inFlight.add(work);
      }
    }
  })();

  return {
    idle: async () => {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    stop: async () => {
      stopping = true;
      await loop;
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
