/**
 * S3 event notifications on the local stack ("Amazon S3 Event Notifications", Amazon S3 User Guide): s3rver emits
 * `event` for every object created or removed; each one matching a configuration of notifications.ts goes, as S3's
 * event message (messages.ts), one record per message:
 * - to a function, with Lambda's asynchronous invocation (common/invoke.ts invokeAsync: retries, then the on-failure
 *   destination), through serverless-offline's Lambda API;
 * - to a queue, as an SQS message whose body is the event message. When it starts, the dispatcher sends each queue of
 *   a configuration S3's `s3:TestEvent`, as S3 does when the configuration is put. A queue S3 cannot reach is retried
 *   (S3 delivers at least once) a few times, then logged.
 *
 * Written by hand: serverless-s3-local starts its own s3rver (ours sits behind the unsigned-request gate) and reads
 * the framework's `s3` events, which this stack does not use. Not emulated: versionId (s3rver keeps no versions),
 * Lambda's 1–2 minute retry back-off (a second or two here).
 */
import type { EventEmitter } from 'node:events';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { invokeAsync } from '../common/invoke';
import { eventRecord, sequencers, testEventMessage, type ObjectEvent } from './messages';
import { matches, type S3Notification } from './notifications';

/** One record of s3rver's `event`: the raw key; eTag without quotes, size for created objects. */
interface S3rverRecord {
  eventName: string;
  requestParameters?: { sourceIPAddress?: string };
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
}

export interface S3EventDispatcher {
  /** Resolves when every delivery started so far has finished (invoked, retried, sent, or given up). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function startS3EventDispatch(options: {
  s3rver: EventEmitter;
  notifications: S3Notification[];
  lambda: LambdaClient;
  sqs: SQSClient;
  /** Delay before retry n (1-based) of a function or a queue; a second or two unless set. */
  retryDelayMs?: (attempt: number) => number;
  log?: (message: string) => void;
}): S3EventDispatcher {
  const pending = new Set<Promise<void>>();
  const log = options.log ?? (() => undefined);
  const delay = options.retryDelayMs ?? ((attempt) => attempt * 1000);
  const nextSequencer = sequencers();

  const track = (work: Promise<void>, what: string) => {
    const delivery = work.catch((error: unknown) => log(`${what} failed: ${String(error)}`)).finally(() => pending.delete(delivery));
    pending.add(delivery);
  };

  const sendToQueue = async (queueUrl: string, body: unknown): Promise<void> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await options.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body) }));
        return;
      } catch (error) {
        if (attempt >= 2) throw error;
        await pause(delay(attempt + 1));
      }
    }
  };

  // S3 validates each queue destination when the configuration is put, and sends it this message.
  const tested = new Set<string>();
  for (const notification of options.notifications) {
    const { target } = notification;
    if (target.kind !== 'queue' || tested.has(`${notification.bucket} ${target.queueUrl}`)) continue;
    tested.add(`${notification.bucket} ${target.queueUrl}`);
    track(sendToQueue(target.queueUrl, testEventMessage(notification.bucket)), `s3:TestEvent to ${target.queueLogicalId}`);
  }

  const onEvent = (raw: { Records?: S3rverRecord[] }): void => {
    for (const record of raw.Records ?? []) {
      const event: ObjectEvent = {
        bucket: record.s3.bucket.name,
        key: record.s3.object.key,
        eventName: record.eventName,
        ...(record.s3.object.size === undefined ? {} : { size: Number(record.s3.object.size) }),
        ...(record.s3.object.eTag === undefined ? {} : { eTag: record.s3.object.eTag }),
        ...(record.requestParameters?.sourceIPAddress ? { sourceIp: record.requestParameters.sourceIPAddress } : {}),
        time: new Date(),
        sequencer: nextSequencer(),
      };
      for (const notification of options.notifications.filter((n) => matches(n, event))) {
        const message = { Records: [eventRecord(event, notification.configurationId)] };
        const { target } = notification;
        if (target.kind === 'queue') {
          track(sendToQueue(target.queueUrl, message), `notification to ${target.queueLogicalId}`);
        } else {
          // Lambda's async invocation: S3 does not wait for the function, so neither does the upload.
          const invocation = invokeAsync(target, message, { lambda: options.lambda, sqs: options.sqs, retryDelayMs: delay, log }).then(() => undefined);
          track(invocation, `delivery to ${target.functionName}`);
        }
      }
    }
  };
  options.s3rver.on('event', onEvent);

  const idle = async () => {
    while (pending.size > 0) await Promise.all([...pending]);
  };
  return {
    idle,
    stop: async () => {
      options.s3rver.off('event', onEvent);
      await idle();
    },
  };
}
