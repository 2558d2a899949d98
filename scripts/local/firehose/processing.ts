/**
 * Data transformation with a Lambda function, as Firehose does it for a Kinesis data stream source ("Transform source
 * data in Amazon Data Firehose", "Required parameters for data transformation", "Handle failure in data
 * transformation", Amazon Data Firehose Developer Guide):
 *
 * - the function gets a batch as `{invocationId, deliveryStreamArn, sourceKinesisStreamArn, region, records}`, each
 *   record with its recordId, approximateArrivalTimestamp, base64 data and kinesisRecordMetadata, invoked synchronously
 *   (RequestResponse), so request and response are each limited to Lambda's 6 MB;
 * - it must answer every recordId exactly once with `result` Ok, Dropped or ProcessingFailed and base64 `data`
 *   (with dynamic partitioning, `metadata.partitionKeys`). Ok and Dropped count as processed; ProcessingFailed records go
 *   to the error prefix as `processing-failed`, and so do records whose recordId the answer lacks;
 * - an invocation that fails (the function errs, cannot be reached, answers too much, or answers something that is not
 *   the status model) is retried NumberOfRetries times (3 unless set), then the whole batch goes to the error prefix.
 *
 * The error document is the one "Handle failure in data transformation" shows — attemptsMade, arrivalTimestamp,
 * errorCode, errorMessage, attemptEndingTimestamp, rawData, lambdaArn — with rawData the record as it came from the
 * stream: Firehose keeps the source bytes of a record it could not transform, not what the function answered. The
 * codes and messages are those Firehose writes (its CloudWatch Logs error list); that every contract fault of an
 * answer is retried like a failed invocation is this stand-in's reading of the page, which documents no difference.
 */
import { randomUUID } from 'node:crypto';

/** Lambda's payload limit for synchronous invocations, request and response ("Lambda quotas"). */
export const LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024;

/** A record read from the Kinesis stream, as the delivery stream holds it until it is delivered. */
export interface SourceRecord {
  recordId: string;
  shardId: string;
  sequenceNumber: string;
  subsequenceNumber: number;
  partitionKey: string;
  /** ApproximateArrivalTimestamp of the stream record, epoch ms. */
  arrivalMs: number;
  data: Buffer;
}

/** The recordId Firehose gives a Kinesis record: its sequence number and subsequence number (de-aggregation). */
export const recordIdOf = (sequenceNumber: string, subsequenceNumber: number): string =>
  `${sequenceNumber}${String(subsequenceNumber).padStart(8, '0')}`;

export interface BatchContext {
  deliveryStreamArn: string;
  sourceKinesisStreamArn: string;
  region: string;
}

/** The event the function is invoked with. */
export function transformationEvent(records: readonly SourceRecord[], context: BatchContext, invocationId: string = randomUUID()) {
  return {
    invocationId,
    deliveryStreamArn: context.deliveryStreamArn,
    sourceKinesisStreamArn: context.sourceKinesisStreamArn,
    region: context.region,
    records: records.map((record) => ({
      recordId: record.recordId,
      approximateArrivalTimestamp: record.arrivalMs,
      data: record.data.toString('base64'),
      kinesisRecordMetadata: {
        shardId: record.shardId,
        partitionKey: record.partitionKey,
        approximateArrivalTimestamp: record.arrivalMs,
        sequenceNumber: record.sequenceNumber,
        subsequenceNumber: record.subsequenceNumber,
      },
    })),
  };
}

/** The bytes of the invocation's payload, to keep a batch within Lambda's 6 MB. */
export const eventBytes = (records: readonly SourceRecord[], context: BatchContext): number =>
  Buffer.byteLength(JSON.stringify(transformationEvent(records, context, '00000000-0000-0000-0000-000000000000')));

export interface Failure {
  errorCode: string;
  errorMessage: string;
}

export type RecordOutcome =
  | { record: SourceRecord; result: 'Ok'; data: Buffer; partitionKeys?: Record<string, string> }
  | { record: SourceRecord; result: 'Dropped' }
  | { record: SourceRecord; result: 'Failed'; failure: Failure; attemptsMade: number };

const FAILURES = {
  notStatusModel: {
    errorCode: 'Lambda.JsonProcessingException',
    errorMessage:
      'There was an error parsing returned records from the Lambda function. Ensure that the returned records follow the status model required by Firehose.',
  },
  invalidRecord: {
    errorCode: 'Lambda.FunctionError',
    errorMessage:
      'Check your function and make sure the output is in required format. In addition to that, make sure the processed records contain valid result status of Dropped, Ok, or ProcessingFailed',
  },
  duplicated: {
    errorCode: 'Lambda.DuplicatedRecordId',
    errorMessage: 'Multiple records were returned with the same record Id. Ensure that the Lambda function returns a unique record Id for each record.',
  },
  missing: {
    errorCode: 'Lambda.MissingRecordId',
    errorMessage: 'One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids.',
  },
  processingFailed: { errorCode: 'Lambda.ProcessingFailedStatus', errorMessage: 'ProcessingFailed status set for record' },
  functionError: { errorCode: 'Lambda.FunctionError', errorMessage: 'The Lambda function was successfully invoked but it returned an error result.' },
  tooLarge: { errorCode: 'Lambda.FunctionError', errorMessage: 'The response of the Lambda function exceeds the 6 MB payload limit.' },
} satisfies Record<string, Failure>;

/** Base64 as Firehose reads it: the standard alphabet, padded. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const RESULTS = new Set(['Ok', 'Dropped', 'ProcessingFailed']);

/**
 * The function's answer for a batch: an outcome per record (a record without an answer fails alone), or the failure
 * of the whole answer (not JSON, not the status model, an unknown result, data that is not base64, a recordId twice).
 */
export function readResponse(payload: string, records: readonly SourceRecord[], attemptsMade: number): { outcomes: RecordOutcome[] } | { failure: Failure } {
  if (Buffer.byteLength(payload) > LAMBDA_PAYLOAD_LIMIT) return { failure: FAILURES.tooLarge };
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return { failure: FAILURES.notStatusModel };
  }
  const answered = (body as { records?: unknown } | null)?.records;
  if (typeof body !== 'object' || body === null || !Array.isArray(answered)) return { failure: FAILURES.notStatusModel };
  const byId = new Map<string, { result: string; data: Buffer; partitionKeys?: Record<string, string> }>();
  for (const entry of answered as unknown[]) {
    const { recordId, result, data, metadata } = (entry ?? {}) as Record<string, unknown>;
    if (typeof recordId !== 'string' || typeof result !== 'string' || !RESULTS.has(result)) return { failure: FAILURES.invalidRecord };
    if (data !== undefined && (typeof data !== 'string' || !BASE64.test(data))) return { failure: FAILURES.invalidRecord };
    if (result === 'Ok' && data === undefined) return { failure: FAILURES.invalidRecord };
    const keys = (metadata as { partitionKeys?: unknown } | undefined)?.partitionKeys;
    if (keys !== undefined && (typeof keys !== 'object' || keys === null || Object.values(keys).some((value) => typeof value !== 'string'))) {
      return { failure: FAILURES.invalidRecord };
    }
    if (byId.has(recordId)) return { failure: FAILURES.duplicated };
    byId.set(recordId, {
      result,
      data: Buffer.from(typeof data === 'string' ? data : '', 'base64'),
      ...(keys ? { partitionKeys: { ...(keys as Record<string, string>) } } : {}),
    });
  }
  return {
    outcomes: records.map((record): RecordOutcome => {
      const answer = byId.get(record.recordId);
      if (!answer) return { record, result: 'Failed', failure: FAILURES.missing, attemptsMade };
      if (answer.result === 'Dropped') return { record, result: 'Dropped' };
      if (answer.result === 'ProcessingFailed') return { record, result: 'Failed', failure: FAILURES.processingFailed, attemptsMade };
      return { record, result: 'Ok', data: answer.data, ...(answer.partitionKeys ? { partitionKeys: answer.partitionKeys } : {}) };
    }),
  };
}

/** One invocation: the function's error payload, its answer, or the Lambda API's own refusal (thrown). */
export type Invocation = { functionError: string } | { payload: string };

/**
 * What Firehose writes when the Lambda API itself refuses (its codes for throttling and a missing function); for a
 * Lambda API that cannot be reached it documents none, so the local one says Lambda.ServiceUnavailable.
 */
export function invokeFailure(error: unknown): Failure {
  const name = (error as { name?: string } | null)?.name ?? 'Error';
  const message = (error as { message?: string } | null)?.message ?? String(error);
  if (name === 'TooManyRequestsException') return { errorCode: 'Lambda.InvokeLimitExceeded', errorMessage: message };
  if (name === 'ResourceNotFoundException') return { errorCode: 'Lambda.ResourceNotFound', errorMessage: message };
  return { errorCode: 'Lambda.ServiceUnavailable', errorMessage: `The Lambda function could not be invoked: ${name}` };
}

export interface ProcessingIo {
  invoke: (event: ReturnType<typeof transformationEvent>) => Promise<Invocation>;
  /** NumberOfRetries: invocations after the first. */
  retries: number;
  /** Pause before retry `attempt` (1, 2, …). */
  backoff: (attempt: number) => Promise<void>;
  log?: (message: string) => void;
}

/**
 * A batch through the function: its outcomes, retrying failed invocations; after the last one every record Failed
 * with the last failure and the number of attempts made.
 */
export async function processBatch(records: readonly SourceRecord[], context: BatchContext, io: ProcessingIo): Promise<RecordOutcome[]> {
  const attempts = io.retries + 1;
  let failure: Failure = FAILURES.functionError;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    if (attempt > 1) await io.backoff(attempt - 1);
    let invocation: Invocation;
    try {
      invocation = await io.invoke(transformationEvent(records, context));
    } catch (error) {
      failure = invokeFailure(error);
      io.log?.(`invocation ${attempt}/${attempts} failed: ${failure.errorCode}`);
      continue;
    }
    if ('functionError' in invocation) {
      failure = Buffer.byteLength(invocation.functionError) > LAMBDA_PAYLOAD_LIMIT ? FAILURES.tooLarge : FAILURES.functionError;
      io.log?.(`invocation ${attempt}/${attempts} failed: ${failure.errorCode} ${invocation.functionError.slice(0, 300)}`);
      continue;
    }
    const read = readResponse(invocation.payload, records, attempt);
    if ('outcomes' in read) return read.outcomes;
    failure = read.failure;
    io.log?.(`invocation ${attempt}/${attempts}: unusable answer, ${failure.errorCode}`);
  }
  return records.map((record) => ({ record, result: 'Failed', failure, attemptsMade: attempts }));
}

/** The document Firehose writes to the error prefix for a record it could not transform. */
export function processingErrorDocument(outcome: Extract<RecordOutcome, { result: 'Failed' }>, lambdaArn: string, attemptEndingMs: number) {
  return {
    attemptsMade: outcome.attemptsMade,
    arrivalTimestamp: outcome.record.arrivalMs,
    errorCode: outcome.failure.errorCode,
    errorMessage: outcome.failure.errorMessage,
    attemptEndingTimestamp: attemptEndingMs,
    rawData: outcome.record.data.toString('base64'),
    lambdaArn,
  };
}
