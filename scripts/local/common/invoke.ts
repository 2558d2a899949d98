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
