/**
 * Amazon Data Firehose, locally: no emulator of it exists, so each AWS::KinesisFirehose::DeliveryStream of the template
 * (definition.ts) is run here as Firehose runs it — its Kinesis source read (source.ts), its records through the
 * processing function invoked on serverless-offline's Lambda API with Firehose's event and contract (processing.ts),
 * buffered per partition and written by its hints (delivery.ts) as Parquet of its Glue table (conversion.ts) or error
 * documents (prefix.ts for the keys) — to the local S3 through its API, so S3 event notifications fire for every
 * object as on AWS. Log: logs/firehose.log.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { resources } from '../cloudformation';
import { invoke } from '../common/invoke';
import { kinesis, localKinesisClient } from '../kinesis';
import { LOCAL_REGION, localClientConfig } from '../ports';
import type { StandIn } from '../stand-in';
import { toParquet } from './conversion';
import { deliveryStreams } from './definition';
import { DeliveryStream } from './delivery';
import { CheckpointFile, kinesisReads, ShardSource } from './source';

/** One GetRecords per shard a second, within a shard's 5 reads a second ("Quotas and limits", Kinesis Data Streams). */
const POLL_MS = 1_000;

/**
 * The pause before retry `attempt` of a failed invocation: 1 s, doubling. Firehose documents how many times it retries
 * (NumberOfRetries), not how long it waits; the count is what decides where records end up.
 */
export const invocationRetryDelayMs = (attempt: number): number => 1_000 * 2 ** (attempt - 1);

export const firehose: StandIn = {
  name: 'firehose',
  title: 'Starting the Firehose delivery streams (Kinesis → Lambda → S3)',
  async start(ctx) {
    const definitions = deliveryStreams(ctx.config);
    if (definitions.length === 0) return { stop: async () => undefined };
    const { streams } = ctx.use(kinesis);
    const { buckets } = ctx.use(resources);
    const kinesisClient = localKinesisClient(ctx.env.AWS_ENDPOINT_URL_KINESIS);
    // One attempt per Invoke: retrying is Firehose's (NumberOfRetries).
    const lambda = new LambdaClient({ ...localClientConfig(ctx.env.AWS_ENDPOINT_URL_LAMBDA), maxAttempts: 1 });
    const duckdb = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const connection = await duckdb.connect();
    const checkpoints = new CheckpointFile(path.join(ctx.dirs.state, 'firehose-checkpoints.json'));
    const stopping = new AbortController();
    const pause = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);
    const loops: Promise<void>[] = [];
    const stop = async () => {
      stopping.abort();
      await Promise.all(loops);
      connection.closeSync();
      duckdb.closeSync();
      lambda.destroy();
      kinesisClient.destroy();
    };

    try {
      for (const definition of definitions) {
        const source = streams.get(definition.sourceStream);
        const bucket = buckets.get(definition.bucket);
        if (!source || !bucket) throw new Error(`${definition.logicalId}: its stream or bucket is not on the local stack`);
        const log = (message: string) => ctx.log(message);
        const reads = kinesisReads(kinesisClient);
        const { createdMs } = await reads.describe(source.name);
        const shards = new ShardSource({ reads, stream: source.name, checkpoints: checkpoints.load(definition.name, source.arn, createdMs), log });
        await shards.open();
        const delivery = new DeliveryStream(
          definition,
          { deliveryStreamArn: definition.arn, sourceKinesisStreamArn: source.arn, region: LOCAL_REGION },
          {
            read: (push) => shards.read(push),
            invoke: (event) => invoke(lambda, definition.processor!.functionName, event),
            backoff: (attempt) => pause(invocationRetryDelayMs(attempt)),
            putObject: async (key, body) => {
              await ctx.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
            },
            parquet: (rows) =>
              toParquet(connection, definition.conversion!.schema, rows, {
                compression: definition.conversion!.compression,
                workDir: path.join(ctx.dirs.state, 'firehose'),
              }),
            checkpoint: (shardId, checkpoint) => checkpoints.set(definition.name, shardId, checkpoint),
            saveCheckpoints: () => checkpoints.save(),
            log,
          },
        );
        const hints = `${definition.buffering.sizeBytes / 1024 / 1024} MB or ${definition.buffering.intervalMs / 1000} s`;
        log(`${definition.name}: ${source.name} → ${definition.processor?.functionName ?? 'no processor'} → s3://${bucket}/${definition.prefix.source} (${hints})`);
        loops.push(
          (async () => {
            while (!stopping.signal.aborted) {
              try {
                await delivery.step();
              } catch (error) {
                if (!stopping.signal.aborted) log(`${definition.name}: ${(error as Error).stack ?? String(error)}`);
              }
              await pause(POLL_MS);
            }
          })(),
        );
      }
    } catch (error) {
      await stop();
      throw error;
    }
    // Buffers are not written out on the way down: the checkpoints stay before them, so the next start reads them again.
    return { stop };
  },
};
