import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { EventRecord, EventStream, PutOutcome } from './events';

/**
 * Errors of a whole PutRecords call that say "not now" rather than "never" (Kinesis API Reference, "PutRecords",
 * Errors; "Common Errors"): the SDK has already retried them, so the ingest counts every record of the call as refused
 * and its own retries and 503 take over. Anything else (no such stream, access denied) is a fault of the deployment.
 */
const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'KMSThrottlingException',
  'LimitExceededException',
  'ThrottlingException',
  'InternalFailure',
  'InternalFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

/**
 * Kinesis out of reach: the connection refused, reset or timed out (Node's error codes, the ones the SDK's own retry
 * classifies as transient) or the SDK's request timeout. The SDK has retried these too; a Kinesis that cannot be
 * reached for the length of a request is "not now" as much as a throttled one.
 */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

function isTransient(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (error as { code?: unknown }).code;
  return (
    TRANSIENT.has(error.name) ||
    error.name === 'TimeoutError' ||
    (typeof code === 'string' && UNREACHABLE.has(code)) ||
    (status !== undefined && status >= 500)
  );
}

/** The events stream on Kinesis Data Streams. */
export class KinesisEventStream implements EventStream {
  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
  ) {}

  async put(records: readonly EventRecord[]): Promise<PutOutcome[]> {
    try {
      const { Records = [], FailedRecordCount = 0 } = await this.client.send(
        new PutRecordsCommand({
          StreamName: this.streamName,
          Records: records.map((record) => ({ PartitionKey: record.partitionKey, Data: Buffer.from(record.data, 'utf8') })),
        }),
      );
      if (FailedRecordCount === 0) return records.map(() => ({ ok: true }));
      // Results come in request order; a refused record has an ErrorCode, a written one a SequenceNumber.
      return Records.map((result) => (result.ErrorCode === undefined ? { ok: true } : { ok: false, errorCode: result.ErrorCode }));
    } catch (error) {
      if (isTransient(error)) {
        const code = (error as { code?: unknown }).code;
        return records.map(() => ({ ok: false, errorCode: typeof code === 'string' ? code : error.name }));
      }
      throw error;
    }
  }
}
