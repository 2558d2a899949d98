import type { DynamoDBRecord } from 'aws-lambda';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { deliverBatch, failureMessage, invokeStreamBatch, streamRetryDelayMs, type FailedBatch, type InvokeResult } from '../../../../scripts/local/streams/delivery';
import { localClientConfig } from '../../../../scripts/local/ports';
import { startFakeLambda } from '../../../support/fake-lambda';
import { streamRecord, subscriberItem } from '../../../support/subscriptions';

const settings = {
  reportBatchItemFailures: true,
  bisectBatchOnFunctionError: true,
  maximumRetryAttempts: 2,
  maximumRecordAgeSeconds: -1,
};

/** A function stand-in: fails the records `fail` names, by reporting them or by throwing. */
function fakeFunction(fail: (record: DynamoDBRecord, invocation: number) => boolean, mode: 'report' | 'throw') {
  const calls: string[][] = [];
  const invoke = async (records: DynamoDBRecord[]): Promise<InvokeResult> => {
    calls.push(records.map((r) => r.dynamodb!.SequenceNumber!));
    const failed = records.filter((r) => fail(r, calls.length));
    if (failed.length === 0) return { batchItemFailures: [] };
    if (mode === 'throw') return { error: 'boom' };
    return { batchItemFailures: failed.map((r) => r.dynamodb!.SequenceNumber!) };
  };
  return { calls, invoke };
}

const records = (n: number) => Array.from({ length: n }, (_, i) => streamRecord(subscriberItem(i + 1)));
const seq = (r: DynamoDBRecord) => r.dynamodb!.SequenceNumber!;

describe('stream delivery (as the event source mapping does it)', () => {
  it('retries from the first reported failure on, not the records before it', async () => {
    // Prepare: the 2nd of 4 fails once.
    const batch = records(4);
    const fn = fakeFunction((r, call) => r === batch[1] && call === 1, 'report');
    const failures: FailedBatch[] = [];

    // Act
    await deliverBatch(batch, settings, { invoke: fn.invoke, onFailure: async (f) => void failures.push(f) });

    // Assess
    expect(fn.calls).toEqual([batch.map(seq), batch.slice(1).map(seq)]);
    expect(failures).toEqual([]);
  });

  it('hands a record that keeps failing to on-failure after maximumRetryAttempts retries', async () => {
    const batch = records(3);
    const fn = fakeFunction((r) => r === batch[2], 'report');
    const failures: FailedBatch[] = [];

    await deliverBatch(batch, settings, { invoke: fn.invoke, onFailure: async (f) => void failures.push(f) });

    expect(fn.calls).toEqual([batch.map(seq), [seq(batch[2]!)], [seq(batch[2]!)]]);
    expect(failures).toEqual([expect.objectContaining({ condition: 'RetryAttemptsExhausted', records: [batch[2]], invokeCount: 3 })]);
  });

  it('halves a batch whose invocation throws until the bad record is alone', async () => {
    const batch = records(4);
    const fn = fakeFunction((r) => r === batch[3], 'throw');
    const failures: FailedBatch[] = [];

    await deliverBatch(batch, { ...settings, maximumRetryAttempts: 5 }, { invoke: fn.invoke, onFailure: async (f) => void failures.push(f) });

    // [1,2,3,4] → [1,2] ok, [3,4] → [3] ok, [4] … retried until the attempts run out
    expect(fn.calls.slice(0, 4)).toEqual([batch.map(seq), [seq(batch[0]!), seq(batch[1]!)], [seq(batch[2]!), seq(batch[3]!)], [seq(batch[2]!)]]);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.records).toEqual([batch[3]]);
    expect(failures[0]!.error).toBe('boom');
  });

  it('treats an item id that is not in the batch as a failure of the whole batch', async () => {
    const batch = records(2);
    const failures: FailedBatch[] = [];
    await deliverBatch(batch, { ...settings, maximumRetryAttempts: 0, bisectBatchOnFunctionError: false }, {
      invoke: async () => ({ batchItemFailures: ['no-such-record'] }),
      onFailure: async (f) => void failures.push(f),
    });
    expect(failures.map((f) => f.records.length)).toEqual([2]);
  });

  it('ignores reported failures when the mapping does not ask for them (AWS does too)', async () => {
    const batch = records(2);
    const fn = fakeFunction(() => true, 'report');
    await deliverBatch(batch, { ...settings, reportBatchItemFailures: false }, { invoke: fn.invoke, onFailure: async () => undefined });
    expect(fn.calls).toHaveLength(1);
  });

  it('drops records older than maximumRecordAgeInSeconds to on-failure without invoking', async () => {
    const batch = records(2);
    const fn = fakeFunction(() => false, 'report');
    const failures: FailedBatch[] = [];
    await deliverBatch(batch, { ...settings, maximumRecordAgeSeconds: 60 }, {
      invoke: fn.invoke,
      onFailure: async (f) => void failures.push(f),
      nowSeconds: () => 1_700_000_000 + 61,
    });
    expect(fn.calls).toEqual([]);
    expect(failures).toEqual([expect.objectContaining({ condition: 'RecordAgeExceeded', records: batch })]);
  });

  describe('retries bounded by record age (maximumRetryAttempts -1, as the welcome mapping)', () => {
    const byAge = { reportBatchItemFailures: true, bisectBatchOnFunctionError: true, maximumRetryAttempts: -1, maximumRecordAgeSeconds: 3600 };
    const created = 1_700_000_000; // the records' ApproximateCreationDateTime (test/support/subscriptions.ts)

    /** A clock the backoff moves, so an hour of Lambda's retry timing passes without waiting. */
    function fakeTime() {
      let now = created;
      const waits: number[] = [];
      return {
        waits,
        nowSeconds: () => now,
        backoff: async (attempt: number) => {
          waits.push(streamRetryDelayMs(attempt));
          now += streamRetryDelayMs(attempt) / 1000;
        },
        advance: (seconds: number) => (now += seconds),
      };
    }

    it('delivers a record that fails through a 30-minute outage: no count runs out, nothing goes to on-failure', async () => {
      // Prepare: every invocation takes 10 s and reports the record failed until 30 minutes have passed.
      const batch = records(3);
      const time = fakeTime();
      const failures: FailedBatch[] = [];
      const invoke = async (sent: DynamoDBRecord[]): Promise<InvokeResult> => {
        time.advance(10);
        return { batchItemFailures: time.nowSeconds() - created < 1800 ? sent.map(seq) : [] };
      };

      // Act
      const { invocations } = await deliverBatch(batch, byAge, { invoke, onFailure: async (f) => void failures.push(f), ...time });

      // Assess
      expect(failures).toEqual([]);
      expect(invocations).toBeGreaterThan(6); // more than the old count of 1 + 5 attempts
      expect(time.nowSeconds() - created).toBeLessThan(3600);
    });

    it('hands a record that never succeeds to on-failure as RecordAgeExceeded once it is older than the limit', async () => {
      const batch = records(1);
      const time = fakeTime();
      const failures: FailedBatch[] = [];
      const invoke = async (sent: DynamoDBRecord[]): Promise<InvokeResult> => ({ batchItemFailures: sent.map(seq) });

      await deliverBatch(batch, byAge, { invoke, onFailure: async (f) => void failures.push(f), ...time });

      expect(failures).toEqual([expect.objectContaining({ condition: 'RecordAgeExceeded', records: batch })]);
      expect(time.nowSeconds() - created).toBeGreaterThan(3600);
      // The age is checked after the pause: no invocation of a record already past the limit.
      expect(failures[0]!.invokeCount).toBe(time.waits.length);
    });

    it('stops without handing anything on when the poller stops during a pause', async () => {
      const controller = new AbortController();
      const failures: FailedBatch[] = [];
      const result = await deliverBatch(records(1), byAge, {
        invoke: async (sent) => ({ batchItemFailures: sent.map(seq) }),
        onFailure: async (f) => void failures.push(f),
        backoff: async () => controller.abort(),
        signal: controller.signal,
        nowSeconds: () => created,
      });
      expect(result).toEqual({ invocations: 1, aborted: true });
      expect(failures).toEqual([]);
    });
  });

  it('waits before each retry as Lambda documents for its retries: from 1 s, doubling, at most 5 minutes', () => {
    expect([1, 2, 3, 4, 9, 10, 50].map(streamRetryDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 256_000, 300_000, 300_000]);
  });

  it('describes a failed batch by shard and sequence numbers, as Lambda does', () => {
    const batch = records(2);
    const message = failureMessage(
      { condition: 'RetryAttemptsExhausted', records: batch, invokeCount: 6, error: 'boom' },
      { functionArn: 'arn:fn', streamArn: 'arn:stream', shardId: 'shard-1' },
    );
    expect(message).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 6, functionArn: 'arn:fn' },
      DDBStreamBatchInfo: { shardId: 'shard-1', startSequenceNumber: seq(batch[0]!), endSequenceNumber: seq(batch[1]!), batchSize: 2, streamArn: 'arn:stream' },
    });
  });

  describe('one attempt through the Lambda API', () => {
    it('counts an Invoke that never reached the function as a failed attempt, so the batch is retried, not lost', async () => {
      // Prepare: the Lambda API is down for the first two attempts (nothing listens on the port), then back.
      const up = await startFakeLambda(() => ({ batchItemFailures: [] }));
      const down = new LambdaClient({ ...localClientConfig('http://127.0.0.1:9'), maxAttempts: 1 });
      const batch = records(3);
      const failures: FailedBatch[] = [];
      let attempt = 0;
      try {
        // Act
        const result = await deliverBatch(batch, settings, {
          invoke: (sent) => invokeStreamBatch((attempt += 1) <= 2 ? down : up.client, 'serverless-blog-local-welcome', sent),
          onFailure: async (f) => void failures.push(f),
        });

        // Assess: bisection splits the batch on the first failure; every record reaches the function once it is back.
        expect(result.aborted).toBe(false);
        expect(failures).toEqual([]);
        expect(up.invocations.flatMap((call) => (call.event as { Records: DynamoDBRecord[] }).Records.map(seq)).sort()).toEqual(batch.map(seq).sort());
      } finally {
        down.destroy();
        await up.close();
      }
    });

    it('hands the whole batch to the on-failure destination when the API stays down past the retries', async () => {
      const down = new LambdaClient({ ...localClientConfig('http://127.0.0.1:9'), maxAttempts: 1 });
      const failures: FailedBatch[] = [];
      try {
        await deliverBatch(records(1), { ...settings, bisectBatchOnFunctionError: false }, {
          invoke: (sent) => invokeStreamBatch(down, 'serverless-blog-local-welcome', sent),
          onFailure: async (f) => void failures.push(f),
        });
        expect(failures).toHaveLength(1);
        expect(failures[0]).toMatchObject({ condition: 'RetryAttemptsExhausted', invokeCount: 3 });
        expect(String(failures[0]!.error)).toMatch(/^Invoke of serverless-blog-local-welcome failed/);
      } finally {
        down.destroy();
      }
    });

    it('fails the whole batch on a partial batch response whose item identifier is null, as Lambda does', async () => {
      const fn = await startFakeLambda(() => ({ batchItemFailures: [{ itemIdentifier: null }] }));
      try {
        const result = await invokeStreamBatch(fn.client, 'f', records(2));
        // An id that names no record of the batch: deliverWithRetries retries the whole batch (delivery tests above).
        expect(result).toEqual({ batchItemFailures: [''] });
        const failures: FailedBatch[] = [];
        await deliverBatch(records(2), { ...settings, maximumRetryAttempts: 0, bisectBatchOnFunctionError: false }, {
          invoke: (sent) => invokeStreamBatch(fn.client, 'f', sent),
          onFailure: async (f) => void failures.push(f),
        });
        expect(failures[0]?.records).toHaveLength(2);
      } finally {
        await fn.close();
      }
    });
  });
});
