/**
 * S3 event notifications on the local stack ("Amazon S3 Event Notifications" and "Event message structure", Amazon S3
 * User Guide): s3rver emits `event` for every object created; this dispatcher sends each one to the functions that
 * the bucket's `NotificationConfiguration.LambdaConfigurations` (resources/*.yml, the definition that deploys) names,
 * through serverless-offline's Lambda API, with Lambda's asynchronous semantics ("How Lambda handles errors and
 * retries with asynchronous invocation"): retried `maximumRetryAttempts` times (default 2) on a function error, then
 * an on-failure destination record in the function's `destinations.onFailure` queue (shared/invoke.ts).
 *
 * Written by hand: serverless-s3-local starts its own s3rver (ours sits behind the unsigned-request gate) and reads
 * the framework's `s3` events, which this stack does not use. Not emulated: SQS/SNS notification targets, suffix-only
 * subtleties beyond prefix/suffix matching, maximumEventAge, and Lambda's 1–2 minute retry back-off (shortened).
 */
import type { EventEmitter } from 'node:events';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { resourcesOfType, type ServiceConfig } from '../service-config';
import { functionKeyOf, functionName, lambdaArn, onFailureQueueOf } from '../common/intrinsics';
import { asyncFailureRecord, deliverWithRetries, invoke, sendToDestination } from '../common/invoke';

export interface S3Notification {
  bucket: string;
  /** `s3:ObjectCreated:*`, `s3:ObjectCreated:Put`, … */
  event: string;
  prefix: string;
  suffix: string;
  functionKey: string;
  functionName: string;
  maxRetries: number;
  /** Queue URL of the function's on-failure destination, if it has one. */
  onFailureQueueUrl?: string;
}

interface S3EventRecord {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number } };
}

/** Every Lambda notification of every bucket, resolved to local bucket names, function names and queue URLs. */
export function s3Notifications(
  config: ServiceConfig,
  bucketNames: Map<string, string>,
  queues: Map<string, { url: string }>,
): S3Notification[] {
  return resourcesOfType(config, 'AWS::S3::Bucket').flatMap(([bucketId, resource]) => {
    const notification = resource.Properties?.NotificationConfiguration as
      | { LambdaConfigurations?: { Event: string; Function: unknown; Filter?: unknown }[] }
      | undefined;
    return (notification?.LambdaConfigurations ?? []).map((entry) => {
      const functionKey = functionKeyOf(config, entry.Function);
      const fn = functionKey ? config.functions[functionKey] : undefined;
      if (!functionKey || !fn) throw new Error(`${bucketId}: notification target ${JSON.stringify(entry.Function)} is not a function of this service`);
      const rules = (entry.Filter as { S3Key?: { Rules?: { Name: string; Value: string }[] } } | undefined)?.S3Key?.Rules ?? [];
      const rule = (name: string) => rules.find((r) => r.Name.toLowerCase() === name)?.Value ?? '';
      const options = fn as { maximumRetryAttempts?: number; destinations?: { onFailure?: unknown } };
      const queueId = onFailureQueueOf(options.destinations?.onFailure, `${functionKey}: destinations.onFailure`);
      if (queueId !== undefined && !queues.has(queueId)) throw new Error(`${functionKey}: on-failure queue ${queueId} is not a queue of this stack`);
      return {
        bucket: bucketNames.get(bucketId) ?? bucketId,
        event: entry.Event,
        prefix: rule('prefix'),
        suffix: rule('suffix'),
        functionKey,
        functionName: functionName(config, functionKey),
        maxRetries: options.maximumRetryAttempts ?? 2,
        onFailureQueueUrl: queueId ? queues.get(queueId)?.url : undefined,
      };
    });
  });
}

export function matches(notification: S3Notification, record: S3EventRecord, key: string): boolean {
  const [type, detail] = notification.event.replace(/^s3:/, '').split(':');
  const [recordType, recordDetail] = record.eventName.split(':');
  return (
    record.s3.bucket.name === notification.bucket &&
    type === recordType &&
    (detail === '*' || detail === recordDetail) &&
    key.startsWith(notification.prefix) &&
    key.endsWith(notification.suffix)
  );
}

/** Keys in S3 event records are URL-encoded with `+` for spaces; s3rver sends them raw. */
export const encodeEventKey = (key: string): string =>
  key.split('/').map((part) => encodeURIComponent(part).replace(/%20/g, '+')).join('/');

export interface S3EventDispatcher {
  /** Resolves when every delivery started so far has finished (invoked, retried, or sent to its destination). */
  idle(): Promise<void>;
  stop(): void;
}

export function startS3EventDispatch(options: {
  s3rver: EventEmitter;
  notifications: S3Notification[];
  lambda: LambdaClient;
  sqs: SQSClient;
  /** Delay before retry n (1-based); Lambda waits about 1 and 2 minutes, locally a second or two is enough. */
  retryDelayMs?: (attempt: number) => number;
  log?: (message: string) => void;
}): S3EventDispatcher {
  const pending = new Set<Promise<void>>();
  const log = options.log ?? (() => undefined);
  const delay = options.retryDelayMs ?? ((attempt) => attempt * 1000);

  // Lambda's asynchronous invocation of one event: retries, then the on-failure record (shared/invoke.ts).
  const deliver = async (notification: S3Notification, event: { Records: S3EventRecord[] }): Promise<void> => {
    const policy = { maximumRetryAttempts: notification.maxRetries, maximumRecordAgeSeconds: -1, reportBatchItemFailures: false, bisectBatchOnFunctionError: false };
    let attempt = 0;
    await deliverWithRetries<typeof event, unknown>([event], policy, {
      invoke: async () => {
        let error: unknown;
        try {
          const result = await invoke(options.lambda, notification.functionName, event);
          if (!('functionError' in result)) return { batchItemFailures: undefined };
          error = JSON.parse(result.functionError || '{}');
        } catch (thrown) {
          error = { errorType: (thrown as Error).name, errorMessage: (thrown as Error).message };
        }
        attempt += 1;
        log(`${notification.functionName} failed (attempt ${attempt}): ${JSON.stringify(error)}`);
        return { error };
      },
      backoff: (retry) => new Promise((resolve) => setTimeout(resolve, delay(retry))),
      onFailure: async (failed) => {
        if (!notification.onFailureQueueUrl) return;
        const functionArn = `${lambdaArn(notification.functionName)}:$LATEST`;
        await sendToDestination(options.sqs, notification.onFailureQueueUrl, asyncFailureRecord({ functionArn, event, invokeCount: failed.invokeCount, error: failed.error }));
      },
    });
  };

  const onEvent = (event: { Records?: S3EventRecord[] }): void => {
    for (const raw of event.Records ?? []) {
      const key = raw.s3.object.key;
      const record = { ...raw, s3: { ...raw.s3, object: { ...raw.s3.object, key: encodeEventKey(key) } } };
      for (const notification of options.notifications.filter((n) => matches(n, raw, key))) {
        // Lambda's async invocation: S3 does not wait for the function, so neither does the upload.
        const delivery = deliver(notification, { Records: [record] })
          .catch((error: unknown) => log(`delivery to ${notification.functionName} failed: ${String(error)}`))
          .finally(() => pending.delete(delivery));
        pending.add(delivery);
      }
    }
  };
  options.s3rver.on('event', onEvent);
  return {
    idle: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    stop: () => options.s3rver.off('event', onEvent),
  };
}
