/**
 * A function invoked through the local Lambda API (serverless-offline's), and what Lambda does when it fails, for every
 * source that invokes it here. Retried with a pause; for stream event sources also partial batch failures, bisection
 * and a record age limit ("Error handling for DynamoDB event sources", "Configuring partial batch response with
 * DynamoDB and Lambda"); then a record of what was given up in the on-failure destination queue — the stream's batch
 * description, or the asynchronous invocation record ("Capturing records of Lambda asynchronous invocations").
 */
import { randomUUID } from 'node:crypto';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ServiceConfig } from '../service-config';
import { functionName, lambdaArn, onFailureQueueOf } from './intrinsics';

/** A synchronous invocation's outcome: the function failed (its error payload) or returned (its payload). */
export type Invocation = { functionError: string } | { payload: string };

/** One RequestResponse Invoke; an unreachable Lambda API throws. */
export async function invoke(lambda: LambdaClient, functionName: string, event: unknown): Promise<Invocation> {
  const response = await lambda.send(
    new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(event)) }),
  );
  const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
  return response.FunctionError ? { functionError: text } : { payload: text };
}

/** What one attempt came to: a function error, or success with the item failures it reported. */
export type AttemptResult<E> = { error: E } | { batchItemFailures: string[] | undefined };

export interface RetryPolicy {
  reportBatchItemFailures: boolean;
  bisectBatchOnFunctionError: boolean;
  /** -1: until the records expire. */
  maximumRetryAttempts: number;
  /** -1: no limit. */
  maximumRecordAgeSeconds: number;
}

export interface GivenUp<R, E> {
  condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
  records: R[];
  invokeCount: number;
  error?: E;
}

export interface Attempts<R, E> {
  invoke: (records: R[]) => Promise<AttemptResult<E>>;
  onFailure: (failed: GivenUp<R, E>) => Promise<void>;
  /** The item identifier a reported failure names (a stream record's sequence number). */
  idOf?: (record: R) => string;
  /** When a record was made, in epoch seconds, for the record age limit. */
  createdSecondsOf?: (record: R) => number;
  nowSeconds?: () => number;
  /** Pause before retry `attempt` (1, 2, …). */
  backoff?: (attempt: number) => Promise<void>;
  signal?: AbortSignal;
}

/**
 * Delivers records as Lambda's event sources do. A function error retries them (halved first when bisecting);
 * reported item failures retry from the lowest failed one on (the records before it are done, as AWS checkpoints
 * there); an unknown item id counts as a function error. Retries are bounded by maximumRetryAttempts per batch,
 * records older than maximumRecordAgeSeconds are dropped, and both end in `onFailure`. Age is checked after the pause,
 * right before each invocation. Resolves when every record is delivered or handed to `onFailure`, or — `aborted` —
 * when `signal` aborts (nothing is handed on then: the source reads the records again).
 */
export async function deliverWithRetries<R, E>(
  records: R[],
  policy: RetryPolicy,
  io: Attempts<R, E>,
): Promise<{ invocations: number; aborted: boolean }> {
  const now = io.nowSeconds ?? (() => Date.now() / 1000);
  const createdSeconds = io.createdSecondsOf ?? (() => now());
  const maxRetries = policy.maximumRetryAttempts < 0 ? Number.POSITIVE_INFINITY : policy.maximumRetryAttempts;
  const work: { records: R[]; attempts: number }[] = [{ records, attempts: 0 }];
  let invocations = 0;
  while (work.length > 0) {
    const item = work.shift()!;
    if (item.attempts > 0) await io.backoff?.(item.attempts);
    if (io.signal?.aborted) return { invocations, aborted: true };
    if (policy.maximumRecordAgeSeconds >= 0) {
      const expired = item.records.filter((r) => now() - createdSeconds(r) > policy.maximumRecordAgeSeconds);
      if (expired.length > 0) {
        await io.onFailure({ condition: 'RecordAgeExceeded', records: expired, invokeCount: item.attempts });
        item.records = item.records.filter((r) => !expired.includes(r));
        if (item.records.length === 0) continue;
      }
    }
    invocations += 1;
    const result = await io.invoke(item.records);
    const attempts = item.attempts + 1;

    let retry: R[] = [];
    let error: E | string | undefined;
    if ('error' in result) {
      error = result.error;
      retry = item.records;
    } else if (policy.reportBatchItemFailures && result.batchItemFailures && result.batchItemFailures.length > 0) {
      const idOf = io.idOf ?? (() => '');
      const positions = result.batchItemFailures.map((id) => item.records.findIndex((r) => idOf(r) === id));
      if (positions.some((position) => position < 0)) {
        error = 'batchItemFailures names a record that is not in the batch';
        retry = item.records;
      } else {
        retry = item.records.slice(Math.min(...positions));
      }
    }
    if (retry.length === 0) continue;
    if (attempts > maxRetries) {
      await io.onFailure({
        condition: 'RetryAttemptsExhausted',
        records: retry,
        invokeCount: attempts,
        ...(error === undefined ? {} : { error: error as E }),
      });
      continue;
    }
    if (error !== undefined && policy.bisectBatchOnFunctionError && retry.length > 1) {
      const half = Math.ceil(retry.length / 2);
      work.unshift({ records: retry.slice(0, half), attempts }, { records: retry.slice(half), attempts });
    } else {
      work.unshift({ records: retry, attempts });
    }
  }
  return { invocations, aborted: false };
}

/** The record Lambda sends to an asynchronous invocation's on-failure destination once its retries are spent. */
export function asyncFailureRecord(failed: { functionArn: string; event: unknown; invokeCount: number; error: unknown }): Record<string, unknown> {
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: randomUUID(),
      functionArn: failed.functionArn,
      condition: 'RetriesExhausted',
      approximateInvokeCount: failed.invokeCount,
    },
    requestPayload: failed.event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: failed.error,
  };
}

/** Writes an on-failure record to its destination queue. */
export async function sendToDestination(sqs: SQSClient, queueUrl: string, record: unknown): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(record) }));
}

/** An asynchronous invocation's target as serverless.yml sets it: the function, its retries and on-failure queue. */
export interface AsyncTarget {
  functionKey: string;
  functionName: string;
  /** The function's maximumRetryAttempts: 0 to 2, 2 unless set. */
  maxRetries: number;
  /** Queue URL of the function's `destinations.onFailure`, if it has one. */
  onFailureQueueUrl?: string;
}

/** The asynchronous settings of `functionKey`; an on-failure destination that is not a queue of the stack stops it. */
export function asyncTarget(config: ServiceConfig, functionKey: string, queues: ReadonlyMap<string, { url: string }>): AsyncTarget {
  const fn = config.functions[functionKey] as { maximumRetryAttempts?: unknown; destinations?: { onFailure?: unknown } } | undefined;
  if (!fn) throw new Error(`${functionKey} is not a function of this service`);
  const maxRetries = fn.maximumRetryAttempts === undefined ? 2 : Number(fn.maximumRetryAttempts);
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 2) throw new Error(`${functionKey}: maximumRetryAttempts must be 0, 1 or 2`);
  const queueId = onFailureQueueOf(fn.destinations?.onFailure, `${functionKey}: destinations.onFailure`);
  const queue = queueId === undefined ? undefined : queues.get(queueId);
  if (queueId !== undefined && !queue) throw new Error(`${functionKey}: on-failure queue ${queueId} is not a queue of this stack`);
  return { functionKey, functionName: functionName(config, functionKey), maxRetries, ...(queue ? { onFailureQueueUrl: queue.url } : {}) };
}

/**
 * One event through Lambda's asynchronous invocation ("How Lambda handles errors and retries with asynchronous
 * invocation"): a function error (or an unreachable Lambda API) is retried `maxRetries` times, then the invocation
 * record goes to the on-failure queue. Lambda waits about 1 and then 2 minutes between tries; `retryDelayMs` says how
 * long here (a second or two: the wait changes no outcome, only how long a developer watches). Not emulated:
 * maximumEventAge (the retries here end long before its 60-second minimum).
 */
export async function invokeAsync(
  target: AsyncTarget,
  event: unknown,
  io: { lambda: LambdaClient; sqs: SQSClient; retryDelayMs?: (retry: number) => number; log?: (message: string) => void },
): Promise<{ succeeded: boolean; invocations: number }> {
  const delay = io.retryDelayMs ?? ((retry) => retry * 1000);
  const policy = { maximumRetryAttempts: target.maxRetries, maximumRecordAgeSeconds: -1, reportBatchItemFailures: false, bisectBatchOnFunctionError: false };
  let succeeded = true;
  const { invocations } = await deliverWithRetries<unknown, unknown>([event], policy, {
    invoke: async () => {
      let error: unknown;
      try {
        const result = await invoke(io.lambda, target.functionName, event);
        if (!('functionError' in result)) return { batchItemFailures: undefined };
        error = parseJson(result.functionError);
      } catch (thrown) {
        error = { errorType: (thrown as Error).name, errorMessage: (thrown as Error).message };
      }
      io.log?.(`${target.functionName} failed: ${JSON.stringify(error)}`);
      return { error };
    },
    backoff: (retry) => new Promise((resolve) => setTimeout(resolve, delay(retry))),
    onFailure: async (failed) => {
      succeeded = false;
      if (!target.onFailureQueueUrl) return;
      const functionArn = `${lambdaArn(target.functionName)}:$LATEST`;
      await sendToDestination(io.sqs, target.onFailureQueueUrl, asyncFailureRecord({ functionArn, event, invokeCount: failed.invokeCount, error: failed.error }));
    },
  });
  return { succeeded, invocations };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    return { errorMessage: text };
  }
}
