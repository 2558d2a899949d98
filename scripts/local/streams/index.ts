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
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord } from 'aws-lambda';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { resources } from '../cloudformation';
import { localClientConfig } from '../ports';
import type { ServiceConfig } from '../service-config';
import { Batcher } from '../common/batcher';
import { functionName, lambdaArn, physicalName } from '../common/intrinsics';
import { sendToDestination } from '../common/invoke';
import type { StandIn } from '../stand-in';
import { deliverBatch, failureMessage, invokeStreamBatch, sequenceOf, streamRetryDelayMs, type InvokeResult } from './delivery';
import { passesFilters } from './filters';
import { Checkpoints, dynamoDbStreamReads, ShardReader, type ShardRecord } from './shards';
import { streamSubscriptions } from './subscriptions';

export interface StreamPollerOptions {
  config: ServiceConfig;
  clients: { dynamodb: DynamoDBClient; streams: DynamoDBStreamsClient; sqs: SQSClient };
  /** The Lambda API, for a client of the poller's own: one attempt per Invoke, as retrying is the poller's (Lambda's rules). */
  lambdaEndpoint: string | undefined;
  /** Queue URLs by logical id (the local stack's messaging). */
  queueUrls: Map<string, string>;
  checkpointFile: string;
  log: (message: string) => void;
  pollMs?: number;
}

/** Resolves after `ms`, or at once when `signal` aborts (the stack is stopping): node's timer, its AbortError ignored. */
const pause = (ms: number, signal?: AbortSignal): Promise<void> => sleep(ms, undefined, { signal }).catch(() => undefined);

export async function startStreamPollers(options: StreamPollerOptions): Promise<{ stop: () => Promise<void> }> {
  const { dynamodb, streams, sqs } = options.clients;
  const lambda = new LambdaClient({ ...localClientConfig(options.lambdaEndpoint), maxAttempts: 1 });
  const checkpoints = new Checkpoints(options.checkpointFile);
  const { log } = options;
  const pollMs = options.pollMs ?? 250;
  const stopping = new AbortController();
  let stopped = false;
  const loops: Promise<void>[] = [];

  for (const subscription of streamSubscriptions(options.config)) {
    const { functionKey } = subscription;
    const table = options.config.resources.Resources[subscription.tableLogicalId];
    if (!table) throw new Error(`${functionKey}: no resource ${subscription.tableLogicalId}`);
    const tableName = physicalName(options.config, subscription.tableLogicalId, table, 'TableName');
    const described = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    const streamArn = described.Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`${tableName} has no stream (StreamSpecification missing?)`);
    const name = functionName(options.config, functionKey);
    const queueUrl = subscription.onFailureQueue ? options.queueUrls.get(subscription.onFailureQueue) : undefined;
    if (subscription.onFailureQueue && !queueUrl) {
      throw new Error(`${functionKey}: on-failure queue ${subscription.onFailureQueue} is not a local queue`);
    }

    const invokeBatch = (records: DynamoDBRecord[]): Promise<InvokeResult> => invokeStreamBatch(lambda, name, records);

    const deliver = async (batch: ShardRecord[]) => {
      const shardId = batch[0]!.shardId;
      const { invocations, aborted } = await deliverBatch(
        batch.map((entry) => entry.record),
        subscription,
        {
          invoke: invokeBatch,
          signal: stopping.signal,
          backoff: (attempt) => {
            log(`${functionKey}: retry ${attempt} in ${streamRetryDelayMs(attempt)} ms`);
            return pause(streamRetryDelayMs(attempt), stopping.signal);
          },
          onFailure: async (failed) => {
            const message = failureMessage(failed, { functionArn: lambdaArn(name), streamArn, shardId });
            log(`${functionKey}: ${failed.records.length} record(s) failed for good (${failed.condition})`);
            if (queueUrl) await sendToDestination(sqs, queueUrl, message);
          },
        },
      );
      // Stopped mid-retry: no checkpoint, so the next start reads these records again (as a restarted poller would).
      if (aborted) return;
      log(`${functionKey}: delivered ${batch.length} record(s) in ${invocations} invocation(s)`);
      const last = batch[batch.length - 1]!;
      checkpoints.set(streamArn, last.shardId, sequenceOf(last.record));
      checkpoints.save();
    };

    const reader = new ShardReader({
      reads: dynamoDbStreamReads(streams),
      streamArn,
      startingPosition: subscription.startingPosition,
      checkpoints,
      log: (message) => log(`${functionKey}: ${message}`),
    });
    const batches = new Batcher<ShardRecord>({
      maxItems: subscription.batchSize,
      windowMs: subscription.batchWindowMs,
      groupOf: (entry) => entry.shardId,
    });
    const loop = async () => {
      while (!stopped) {
        try {
          await reader.read({
            record: (entry) => {
              // Filtered out: never delivered, but read past (the checkpoint moves with the next delivery).
              if (passesFilters(subscription.filterPatterns, entry.record)) batches.add(entry);
              else checkpoints.set(streamArn, entry.shardId, sequenceOf(entry.record));
            },
            // Records of a shard read again from its checkpoint: drop what was read of it and not yet delivered.
            lost: (shardId) => batches.discard((entry) => entry.shardId === shardId),
          });
          for (let batch = batches.next(); batch; batch = batches.next()) await deliver(batch);
        } catch (error) {
          if (!stopped) log(`${functionKey}: ${(error as Error).stack ?? String(error)}`);
        }
        await pause(pollMs, stopping.signal);
      }
    };
    log(`${functionKey}: polling ${streamArn} (batch ${subscription.batchSize}, window ${subscription.batchWindowMs} ms)`);
    loops.push(loop());
  }

  return {
    stop: async () => {
      stopped = true;
      stopping.abort();
      await Promise.all(loops);
      lambda.destroy();
    },
  };
}

export const streamPollers: StandIn = {
  name: 'streams',
  title: 'Starting DynamoDB stream pollers (event source mappings)',
  async start(ctx) {
    const { queues } = ctx.use(resources);
    const pollers = await startStreamPollers({
      config: ctx.config,
      clients: { dynamodb: ctx.clients.dynamodb, streams: ctx.clients.dynamodbStreams, sqs: ctx.clients.sqs },
      lambdaEndpoint: ctx.env.AWS_ENDPOINT_URL_LAMBDA,
      queueUrls: new Map([...queues].map(([id, queue]) => [id, queue.url])),
      checkpointFile: path.join(ctx.dirs.state, 'stream-checkpoints.json'),
      log: ctx.log,
    });
    return { stop: pollers.stop };
  },
};
