/**
 * Delivery of one batch of stream records as Lambda's DynamoDB event source does it ("Error handling for DynamoDB event
 * sources", "Configuring partial batch response with DynamoDB and Lambda", Lambda developer guide): retries, partial
 * batch failures, bisection, the record age limit — shared/invoke.ts — and the on-failure message, which describes the
 * batch rather than carrying it.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { DynamoDBRecord } from 'aws-lambda';
import { deliverWithRetries, invoke, type AttemptResult, type GivenUp, type Invocation, type RetryPolicy } from '../common/invoke';

export type InvokeResult = AttemptResult<string>;
export type FailedBatch = GivenUp<DynamoDBRecord, string>;

export const sequenceOf = (record: DynamoDBRecord): string => record.dynamodb?.SequenceNumber ?? '';
const createdSecondsOf = (record: DynamoDBRecord): number => Number(record.dynamodb?.ApproximateCreationDateTime ?? 0);

/**
 * The pause before retry `attempt` (1, 2, …) of a failed batch: 1 s, doubling, at most 5 minutes.
 *
 * AWS documents no retry interval for stream event sources — only that a failed batch is retried until it succeeds,
 * the records expire or exceed MaximumRecordAgeInSeconds, or MaximumRetryAttempts runs out ("Error handling for
 * DynamoDB event sources" / "Understanding retry behavior in Lambda", Lambda developer guide). The one schedule Lambda
 * documents for its own retries is exponential from 1 second to at most 5 minutes ("How Lambda handles errors and
 * retries with asynchronous invocation"); the poller keeps that shape rather than a shortened one, so a count-bounded
 * mapping cannot pass locally where it would run out on AWS, and an outage is not out-retried in seconds.
 */
export function streamRetryDelayMs(attempt: number): number {
  return Math.min(1_000 * 2 ** Math.max(0, attempt - 1), 300_000);
}

/** A batch of stream records through shared/invoke.ts: item failures name sequence numbers, age counts from creation. */
export function deliverBatch(
  records: DynamoDBRecord[],
  settings: RetryPolicy,
  io: {
    invoke: (records: DynamoDBRecord[]) => Promise<InvokeResult>;
    onFailure: (failed: FailedBatch) => Promise<void>;
    nowSeconds?: () => number;
    /** Pause before a retry (attempt 1, 2, …); AWS backs off too (see streamRetryDelayMs). */
    backoff?: (attempt: number) => Promise<void>;
    signal?: AbortSignal;
  },
): Promise<{ invocations: number; aborted: boolean }> {
  return deliverWithRetries(records, settings, { ...io, idOf: sequenceOf, createdSecondsOf });
}

/** The message Lambda sends to a stream's on-failure destination: where the records are, not the records. */
export function failureMessage(
  failed: FailedBatch,
  context: { functionArn: string; streamArn: string; shardId: string },
): Record<string, unknown> {
  const first = failed.records[0];
  const last = failed.records[failed.records.length - 1];
  const iso = (record: DynamoDBRecord | undefined) => new Date(createdSecondsOf(record ?? ({})) * 1000).toISOString();
  return {
    requestContext: {
      requestId: crypto.randomUUID(),
      functionArn: context.functionArn,
      condition: failed.condition,
      approximateInvokeCount: failed.invokeCount,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: failed.error === undefined ? '' : 'Unhandled',
    },
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId: context.shardId,
      startSequenceNumber: first ? sequenceOf(first) : '',
      endSequenceNumber: last ? sequenceOf(last) : '',
      approximateArrivalOfFirstRecord: iso(first),
      approximateArrivalOfLastRecord: iso(last),
      batchSize: failed.records.length,
      streamArn: context.streamArn,
    },
  };
}

/**
 * One attempt at a batch. An Invoke that never reached the function (the local Lambda API down or restarting) is a
 * failed attempt like a function error: the batch is retried with the back-off, bounded by the mapping's retries and
 * record age, and never skipped — the reader has already read past it, so a thrown error here used to lose the batch.
 * A response that is not a partial batch response is a failure of the whole batch, as Lambda treats one ("Configuring
 * partial batch response with DynamoDB and Lambda": an invalid JSON response fails the batch).
 */
export async function invokeStreamBatch(lambda: LambdaClient, name: string, records: DynamoDBRecord[]): Promise<InvokeResult> {
  let result: Invocation;
  try {
    result = await invoke(lambda, name, { Records: records });
  } catch (error) {
    return { error: `Invoke of ${name} failed: ${(error as Error).message}`.slice(0, 1000) };
  }
  if ('functionError' in result) return { error: result.functionError.slice(0, 1000) };
  let body: { batchItemFailures?: { itemIdentifier?: unknown }[] } | null | undefined;
  try {
    body = result.payload === '' ? undefined : (JSON.parse(result.payload) as typeof body);
  } catch {
    return { error: `${name} returned a response that is not JSON` };
  }
  const failures = body?.batchItemFailures;
  if (failures !== undefined && !Array.isArray(failures)) return { error: `${name} returned batchItemFailures that is not a list` };
  return { batchItemFailures: failures?.map((failure) => (typeof failure?.itemIdentifier === 'string' ? failure.itemIdentifier : '')) };
}
