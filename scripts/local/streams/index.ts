/**
 * DynamoDB stream → Lambda, locally: a poller per `stream` event of serverless.yml that does what the event source
 * mapping does on AWS, reading its settings from the resolved config, the stream from DynamoDB Local and invoking
 * the function through serverless-offline's Lambda API (the same bundle and handler as the HTTP routes).
 *
 * Written here rather than taken from serverless-offline-dynamodb-streams (8.0.1, source read and tried): that
 * plugin treats a returned `batchItemFailures` as success (failed records are dropped, never retried), has no
 * bisection or record age limit, retries the whole batch `maximumRetryAttempts` times in total (AWS: retries after
 * the first attempt), and sends failures to the function's async `destinations`, not the event source's on-failure
 * destination, with a payload unlike the stream's. Those are the settings this flow's exactly-once rests on.
 *
 * Honoured: filterPatterns (the value / prefix / exists / anything-but subset, anything else refuses to start),
 * batchSize, batchWindow, startingPosition, functionResponseType ReportBatchItemFailures, bisectBatchOnFunctionError,
 * maximumRetryAttempts, maximumRecordAgeInSeconds, destinations.onFailure (an SQS queue of resources/*.yml).
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamSdkRecord,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord } from 'aws-lambda';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { localClientConfig } from '../ports';
import type { ServiceConfig } from '../service-config';
import { functionName, getAttOf, lambdaArn, onFailureQueueOf, physicalName } from '../shared/intrinsics';

// ---------------------------------------------------------------------------------------------------------------
// Settings, from the resolved serverless.yml

export interface StreamSubscription {
  functionKey: string;
  tableLogicalId: string;
  batchSize: number;
  batchWindowMs: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  filterPatterns: FilterPattern[];
  reportBatchItemFailures: boolean;
  bisectBatchOnFunctionError: boolean;
  /** -1: until the record expires, as on AWS. */
  maximumRetryAttempts: number;
  /** -1: no limit. */
  maximumRecordAgeSeconds: number;
  /** Logical id of the on-failure queue. */
  onFailureQueue?: string;
}

export type FilterPattern = { [key: string]: FilterPattern | FilterValue[] };
type FilterValue = string | number | boolean | null | Record<string, unknown>;

/** Every `stream` event of type dynamodb in the config, with AWS's defaults where the event leaves a value out. */
export function streamSubscriptions(config: ServiceConfig): StreamSubscription[] {
  const found: StreamSubscription[] = [];
  for (const [functionKey, fn] of Object.entries(config.functions)) {
    for (const event of fn.events ?? []) {
      const stream = (event as { stream?: Record<string, unknown> }).stream;
      if (!stream || stream.type !== 'dynamodb' || stream.enabled === false) continue;
      const streamArn = getAttOf(stream.arn);
      if (streamArn?.attribute !== 'StreamArn') throw new Error(`${functionKey}: the stream arn must be !GetAtt <Table>.StreamArn to run locally`);
      const tableLogicalId = streamArn.logicalId;
      const destinations = stream.destinations as { onFailure?: unknown } | undefined;
      const onFailureQueue = onFailureQueueOf(destinations?.onFailure, `${functionKey}: stream destinations.onFailure`);
      const patterns = (stream.filterPatterns ?? []) as FilterPattern[];
      patterns.forEach(assertSupportedPattern);
      found.push({
        functionKey,
        tableLogicalId,
        batchSize: Number(stream.batchSize ?? 100),
        batchWindowMs: Number(stream.batchWindow ?? 0) * 1000,
        startingPosition: stream.startingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
        filterPatterns: patterns,
        reportBatchItemFailures: stream.functionResponseType === 'ReportBatchItemFailures',
        bisectBatchOnFunctionError: stream.bisectBatchOnFunctionError === true,
        maximumRetryAttempts: Number(stream.maximumRetryAttempts ?? -1),
        maximumRecordAgeSeconds: Number(stream.maximumRecordAgeInSeconds ?? -1),
        ...(onFailureQueue === undefined ? {} : { onFailureQueue }),
      });
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// Filter patterns (Lambda event filtering, the subset this project can use)

const SUPPORTED_OPERATORS = new Set(['prefix', 'exists', 'anything-but']);

function assertSupportedPattern(pattern: FilterPattern): void {
  for (const value of Object.values(pattern)) {
    if (!Array.isArray(value)) {
      assertSupportedPattern(value);
      continue;
    }
    for (const choice of value) {
      if (typeof choice === 'object' && choice !== null) {
        const unsupported = Object.keys(choice).filter((operator) => !SUPPORTED_OPERATORS.has(operator));
        if (unsupported.length > 0) {
          throw new Error(`filter operator ${unsupported.join(', ')} is not supported by the local stream poller`);
        }
      }
    }
  }
}

function matchesChoice(choice: FilterValue, present: boolean, value: unknown): boolean {
  if (typeof choice !== 'object' || choice === null) return present && value === choice;
  if ('exists' in choice) return present === choice.exists;
  if (!present) return false;
  if ('prefix' in choice) return typeof value === 'string' && value.startsWith(String(choice.prefix));
  if ('anything-but' in choice) {
    const excluded = Array.isArray(choice['anything-but']) ? choice['anything-but'] : [choice['anything-but']];
    return !excluded.includes(value);
  }
  return false;
}

/** An object pattern matches when every key matches (AND); an array of choices when any matches (OR). */
export function matchesPattern(pattern: FilterPattern, subject: unknown): boolean {
  const object = (typeof subject === 'object' && subject !== null ? subject : {}) as Record<string, unknown>;
  return Object.entries(pattern).every(([key, expected]) => {
    const present = key in object;
    if (Array.isArray(expected)) return expected.some((choice) => matchesChoice(choice, present, object[key]));
    // An absent key is an empty object below: only `exists: false` leaves can match in it.
    return matchesPattern(expected, present ? object[key] : {});
  });
}

/** With patterns, a record goes to the function when any pattern matches; the others are skipped for good. */
export const passesFilters = (patterns: FilterPattern[], record: DynamoDBRecord): boolean =>
  patterns.length === 0 || patterns.some((pattern) => matchesPattern(pattern, record));

// ---------------------------------------------------------------------------------------------------------------
// Delivery of one batch: retries, partial failures, bisection, age limit, on-failure

export type InvokeResult = { error: string } | { batchItemFailures: string[] | undefined };

export interface FailedBatch {
  condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
  records: DynamoDBRecord[];
  invokeCount: number;
  error?: string;
}

const sequenceOf = (record: DynamoDBRecord): string => record.dynamodb?.SequenceNumber ?? '';

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

/** Resolves after `ms`, or at once when `signal` aborts (the stack is stopping): node's timer, its AbortError ignored. */
const pause = (ms: number, signal?: AbortSignal): Promise<void> => sleep(ms, undefined, { signal }).catch(() => undefined);
const createdSecondsOf = (record: DynamoDBRecord): number => Number(record.dynamodb?.ApproximateCreationDateTime ?? 0);

/**
 * Delivers a batch as Lambda's stream event source does. A function error retries the batch (halved first when
 * bisecting); reported item failures retry from the lowest failed sequence number on (the records before it are
 * done, as AWS checkpoints there); an unknown item id counts as a function error. Retries are bounded by
 * maximumRetryAttempts per batch, records older than maximumRecordAgeInSeconds are dropped, and both end in
 * `onFailure`. Record age is measured from each record's ApproximateCreationDateTime, as Lambda does, and checked
 * after the pause, right before each invocation. Resolves when every record is either delivered or handed to
 * `onFailure`, or — `aborted` — when `signal` aborts (nothing is handed on then: the records are read again).
 */
export async function deliverBatch(
  records: DynamoDBRecord[],
  settings: Pick<
    StreamSubscription,
    'reportBatchItemFailures' | 'bisectBatchOnFunctionError' | 'maximumRetryAttempts' | 'maximumRecordAgeSeconds'
  >,
  io: {
    invoke: (records: DynamoDBRecord[]) => Promise<InvokeResult>;
    onFailure: (failed: FailedBatch) => Promise<void>;
    nowSeconds?: () => number;
    /** Pause before a retry (attempt 1, 2, …); AWS backs off too (see streamRetryDelayMs). */
    backoff?: (attempt: number) => Promise<void>;
    signal?: AbortSignal;
  },
): Promise<{ invocations: number; aborted: boolean }> {
  const now = io.nowSeconds ?? (() => Date.now() / 1000);
  const maxRetries = settings.maximumRetryAttempts < 0 ? Number.POSITIVE_INFINITY : settings.maximumRetryAttempts;
  const work: { records: DynamoDBRecord[]; attempts: number }[] = [{ records, attempts: 0 }];
  let invocations = 0;
  while (work.length > 0) {
    const item = work.shift()!;
    if (item.attempts > 0) await io.backoff?.(item.attempts);
    if (io.signal?.aborted) return { invocations, aborted: true };
    if (settings.maximumRecordAgeSeconds >= 0) {
      const expired = item.records.filter((r) => now() - createdSecondsOf(r) > settings.maximumRecordAgeSeconds);
      if (expired.length > 0) {
        await io.onFailure({ condition: 'RecordAgeExceeded', records: expired, invokeCount: item.attempts });
        item.records = item.records.filter((r) => !expired.includes(r));
        if (item.records.length === 0) continue;
      }
    }
    invocations += 1;
    const result = await io.invoke(item.records);
    const attempts = item.attempts + 1;

    let retry: DynamoDBRecord[] = [];
    let error: string | undefined;
    if ('error' in result) {
      error = result.error;
      retry = item.records;
    } else if (settings.reportBatchItemFailures && result.batchItemFailures && result.batchItemFailures.length > 0) {
      const positions = result.batchItemFailures.map((id) => item.records.findIndex((r) => sequenceOf(r) === id));
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
        ...(error === undefined ? {} : { error }),
      });
      continue;
    }
    if (error !== undefined && settings.bisectBatchOnFunctionError && retry.length > 1) {
      const half = Math.ceil(retry.length / 2);
      work.unshift({ records: retry.slice(0, half), attempts }, { records: retry.slice(half), attempts });
    } else {
      work.unshift({ records: retry, attempts });
    }
  }
  return { invocations, aborted: false };
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

/** A record as the SDK reads it from the stream → as Lambda hands it to the function. */
export function toLambdaRecord(record: StreamSdkRecord, streamArn: string): DynamoDBRecord {
  const { ApproximateCreationDateTime, ...dynamodb } = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    dynamodb: {
      ...(dynamodb as DynamoDBRecord['dynamodb']),
      ApproximateCreationDateTime:
        ApproximateCreationDateTime === undefined ? Date.now() / 1000 : Math.floor(new Date(ApproximateCreationDateTime).getTime() / 1000),
    },
    eventSourceARN: streamArn,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The pollers (I/O)

export interface StreamPollerOptions {
  config: ServiceConfig;
  env: Record<string, string | undefined>;
  /** Queue URLs by logical id (the local stack's messaging). */
  queueUrls: Map<string, string>;
  stateDir: string;
  logFile: string;
  pollMs?: number;
}

interface ShardState {
  iterator?: string;
  closed: boolean;
}

export async function startStreamPollers(options: StreamPollerOptions): Promise<{ stop(): Promise<void> }> {
  const dynamodb = new DynamoDBClient(localClientConfig(options.env.AWS_ENDPOINT_URL_DYNAMODB));
  const streams = new DynamoDBStreamsClient(localClientConfig(options.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS));
  const lambda = new LambdaClient({ ...localClientConfig(options.env.AWS_ENDPOINT_URL_LAMBDA), maxAttempts: 1 });
  const sqs = new SQSClient(localClientConfig(options.env.AWS_ENDPOINT_URL_SQS));
  const checkpointFile = path.join(options.stateDir, 'stream-checkpoints.json');
  const checkpoints: Record<string, string> = existsSync(checkpointFile)
    ? (JSON.parse(readFileSync(checkpointFile, 'utf8')) as Record<string, string>)
    : {};
  const log = (message: string) => appendFileSync(options.logFile, `${new Date().toISOString()} ${message}\n`);
  const pollMs = options.pollMs ?? 250;
  const stopping = new AbortController();
  let stopped = false;
  const loops: Promise<void>[] = [];

  for (const subscription of streamSubscriptions(options.config)) {
    const table = options.config.resources.Resources[subscription.tableLogicalId];
    if (!table) throw new Error(`${subscription.functionKey}: no resource ${subscription.tableLogicalId}`);
    const tableName = physicalName(options.config, subscription.tableLogicalId, table, 'TableName');
    const described = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    const streamArn = described.Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`${tableName} has no stream (StreamSpecification missing?)`);
    const name = functionName(options.config, subscription.functionKey);
    const arn = lambdaArn(name);
    const queueUrl = subscription.onFailureQueue ? options.queueUrls.get(subscription.onFailureQueue) : undefined;
    if (subscription.onFailureQueue && !queueUrl) {
      throw new Error(`${subscription.functionKey}: on-failure queue ${subscription.onFailureQueue} is not a local queue`);
    }

    const invoke = async (records: DynamoDBRecord[]): Promise<InvokeResult> => {
      const response = await lambda.send(
        new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ Records: records })) }),
      );
      const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
      if (response.FunctionError) return { error: text.slice(0, 1000) };
      const body = text === '' ? undefined : (JSON.parse(text) as { batchItemFailures?: { itemIdentifier: string }[] } | null);
      return { batchItemFailures: body?.batchItemFailures?.map((failure) => failure.itemIdentifier) };
    };

    const shards = new Map<string, ShardState>();
    let buffer: { record: DynamoDBRecord; shardId: string }[] = [];
    let bufferSince = 0;

    const refreshShards = async () => {
      const stream = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
      for (const shard of stream.StreamDescription?.Shards ?? []) {
        const shardId = shard.ShardId!;
        if (shards.has(shardId)) continue;
        // A child shard starts once its parent is read to the end (records of one key stay in order).
        const parent = shard.ParentShardId ? shards.get(shard.ParentShardId) : undefined;
        if (parent && !parent.closed) continue;
        const checkpoint = checkpoints[`${streamArn}/${shardId}`];
        const type: ShardIteratorType = checkpoint
          ? 'AFTER_SEQUENCE_NUMBER'
          : parent
            ? 'TRIM_HORIZON'
            : subscription.startingPosition;
        let iterator;
        try {
          iterator = await streams.send(
            new GetShardIteratorCommand({
              StreamArn: streamArn,
              ShardId: shardId,
              ShardIteratorType: type,
              ...(checkpoint ? { SequenceNumber: checkpoint } : {}),
            }),
          );
        } catch (error) {
          // The checkpoint fell out of the stream: start again where a new subscription would, as Lambda does.
          if (checkpoint && isLostPosition(error)) delete checkpoints[`${streamArn}/${shardId}`];
          throw error;
        }
        shards.set(shardId, { iterator: iterator.ShardIterator, closed: false });
      }
    };

    const deliver = async (batch: { record: DynamoDBRecord; shardId: string }[]) => {
      const shardId = batch[0]!.shardId;
      const { invocations, aborted } = await deliverBatch(
        batch.map((entry) => entry.record),
        subscription,
        {
          invoke,
          signal: stopping.signal,
          backoff: (attempt) => {
            log(`${subscription.functionKey}: retry ${attempt} in ${streamRetryDelayMs(attempt)} ms`);
            return pause(streamRetryDelayMs(attempt), stopping.signal);
          },
          onFailure: async (failed) => {
            const message = failureMessage(failed, { functionArn: arn, streamArn, shardId });
            log(`${subscription.functionKey}: ${failed.records.length} record(s) failed for good (${failed.condition})`);
            if (queueUrl) await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
          },
        },
      );
      // Stopped mid-retry: no checkpoint, so the next start reads these records again (as a restarted poller would).
      if (aborted) return;
      log(`${subscription.functionKey}: delivered ${batch.length} record(s) in ${invocations} invocation(s)`);
      const last = batch[batch.length - 1]!;
      checkpoints[`${streamArn}/${last.shardId}`] = sequenceOf(last.record);
      writeFileSync(checkpointFile, JSON.stringify(checkpoints));
    };

    const loop = async () => {
      while (!stopped) {
        try {
          await refreshShards();
          for (const [shardId, state] of shards) {
            if (state.closed || !state.iterator) continue;
            let page;
            try {
              page = await streams.send(new GetRecordsCommand({ ShardIterator: state.iterator, Limit: 1000 }));
            } catch (error) {
              if (!isLostPosition(error)) throw error;
              // An expired or trimmed iterator is not fatal: read the shard again from the checkpoint (records not
              // yet delivered are dropped from the buffer and re-read), instead of retrying a dead iterator forever.
              log(`${subscription.functionKey}: ${(error as Error).name} on ${shardId}; re-reading from the checkpoint`);
              shards.delete(shardId);
              buffer = buffer.filter((entry) => entry.shardId !== shardId);
              continue;
            }
            state.iterator = page.NextShardIterator;
            if (!page.NextShardIterator) state.closed = true;
            for (const raw of page.Records ?? []) {
              const record = toLambdaRecord(raw, streamArn);
              if (!passesFilters(subscription.filterPatterns, record)) {
                // Filtered out: never delivered, but read past (the checkpoint moves with the next delivery).
                checkpoints[`${streamArn}/${shardId}`] = sequenceOf(record);
                continue;
              }
              if (buffer.length === 0) bufferSince = Date.now();
              buffer.push({ record, shardId });
            }
          }
          // A batch goes when it is full or the batching window since its first record has passed.
          while (buffer.length > 0 && (buffer.length >= subscription.batchSize || Date.now() - bufferSince >= subscription.batchWindowMs)) {
            const shardId = buffer[0]!.shardId;
            const sameShard = buffer.filter((entry) => entry.shardId === shardId).slice(0, subscription.batchSize);
            buffer = buffer.filter((entry) => !sameShard.includes(entry));
            bufferSince = Date.now();
            await deliver(sameShard);
          }
        } catch (error) {
          if (!stopped) log(`${subscription.functionKey}: ${(error as Error).stack ?? String(error)}`);
        }
        await pause(pollMs, stopping.signal);
      }
    };
    log(`${subscription.functionKey}: polling ${streamArn} (batch ${subscription.batchSize}, window ${subscription.batchWindowMs} ms)`);
    loops.push(loop());
  }

  return {
    async stop() {
      stopped = true;
      stopping.abort();
      await Promise.all(loops);
      for (const client of [dynamodb, streams, lambda, sqs]) client.destroy();
    },
  };
}

/** DynamoDB Streams' answers for an iterator or sequence number that no longer points into the stream. */
function isLostPosition(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'ExpiredIteratorException' || name === 'TrimmedDataAccessException';
}
