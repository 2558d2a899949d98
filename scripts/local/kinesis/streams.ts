/**
 * The template's Kinesis data streams in the local Kinesis, as CloudFormation creates them ("AWS::Kinesis::Stream",
 * CloudFormation User Guide; "CreateStream", Kinesis Data Streams API Reference): by name, in its capacity mode, with
 * its shard count and retention, and ready (ACTIVE) before anything writes to it. Kept between runs: a stream that
 * exists is left as it is.
 */
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { setTimeout as sleep } from 'node:timers/promises';
import { conditionHolds, withConditions } from '../cloudformation/conditions';
import { localPhysicalName } from '../common/intrinsics';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../ports';
import { resourcesOfType, type ServiceConfig } from '../service-config';

/**
 * Shards of an on-demand stream locally. On AWS a new on-demand stream starts with the write capacity of 4 shards and
 * splits them as traffic grows ("Choose the data stream capacity mode", Kinesis Data Streams Developer Guide); locally
 * the 4 it starts with stay (kinesis-mock does not scale), 4 MB/s or 4,000 records/s of writes, far over what a
 * browser on this machine sends. Kinesis-mock gives an on-demand stream 4 shards by itself; the stack checks it did.
 */
export const ON_DEMAND_SHARDS = 4;

/** The retention a new stream has, and the least it can have ("Changing the data retention period"). */
const DEFAULT_RETENTION_HOURS = 24;

export interface LocalStream {
  logicalId: string;
  name: string;
  mode: 'ON_DEMAND' | 'PROVISIONED';
  shardCount: number;
  retentionHours: number;
}

/** The ARN a stream of that name has on the local stack. */
export const kinesisStreamArn = (name: string): string => `arn:aws:kinesis:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stream/${name}`;

/** Every AWS::Kinesis::Stream of the template the local stage creates (a resource Condition that fails leaves it out). */
export function templateStreams(config: ServiceConfig): LocalStream[] {
  return resourcesOfType(config, 'AWS::Kinesis::Stream').flatMap(([logicalId, resource]) => {
    const condition = (resource as { Condition?: unknown }).Condition;
    if (typeof condition === 'string' && !conditionHolds(config, condition, logicalId)) return [];
    const props = withConditions(config, resource.Properties ?? {}, logicalId) as Record<string, unknown>;
    const known = new Set(['Name', 'StreamModeDetails', 'ShardCount', 'RetentionPeriodHours', 'StreamEncryption', 'Tags', 'DesiredShardLevelMetrics']);
    const unknown = Object.keys(props).filter((key) => !known.has(key));
    if (unknown.length > 0) throw new Error(`${logicalId}: the local Kinesis cannot follow ${unknown.join(', ')}`);
    const name = typeof props.Name === 'string' ? props.Name : localPhysicalName(config, logicalId);
    const mode = (props.StreamModeDetails as { StreamMode?: unknown } | undefined)?.StreamMode ?? 'PROVISIONED';
    if (mode !== 'ON_DEMAND' && mode !== 'PROVISIONED') throw new Error(`${logicalId}: unknown StreamMode ${JSON.stringify(mode)}`);
    // CloudFormation's default for a provisioned stream without ShardCount is 1; an on-demand one takes none.
    const declared = props.ShardCount === undefined ? undefined : Number(props.ShardCount);
    if (mode === 'ON_DEMAND' && declared !== undefined) throw new Error(`${logicalId}: an ON_DEMAND stream takes no ShardCount`);
    const shardCount = mode === 'ON_DEMAND' ? ON_DEMAND_SHARDS : (declared ?? 1);
    if (!Number.isInteger(shardCount) || shardCount < 1) throw new Error(`${logicalId}: ShardCount must be a whole number from 1`);
    const retentionHours = props.RetentionPeriodHours === undefined ? DEFAULT_RETENTION_HOURS : Number(props.RetentionPeriodHours);
    if (!Number.isInteger(retentionHours) || retentionHours < 24 || retentionHours > 8760) {
      throw new Error(`${logicalId}: RetentionPeriodHours must be 24 to 8760`);
    }
    return [{ logicalId, name, mode, shardCount, retentionHours }];
  });
}

async function describe(kinesis: KinesisClient, name: string) {
  try {
    return (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

async function untilActive(kinesis: KinesisClient, name: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const summary = await describe(kinesis, name);
    if (summary?.StreamStatus === 'ACTIVE') return summary;
    if (Date.now() > deadline) throw new Error(`stream ${name} is not ACTIVE after ${timeoutMs / 1000} s (${summary?.StreamStatus ?? 'missing'})`);
    await sleep(100);
  }
}

/** Creates the streams that do not exist yet and waits until every one is ACTIVE with the shards it should have. */
export async function createStreams(kinesis: KinesisClient, streams: readonly LocalStream[], timeoutMs = 30_000): Promise<void> {
  for (const stream of streams) {
    if (!(await describe(kinesis, stream.name))) {
      await kinesis.send(
        new CreateStreamCommand({
          StreamName: stream.name,
          StreamModeDetails: { StreamMode: stream.mode },
          ...(stream.mode === 'PROVISIONED' ? { ShardCount: stream.shardCount } : {}),
        }),
      );
    }
    let summary = await untilActive(kinesis, stream.name, timeoutMs);
    if ((summary.RetentionPeriodHours ?? DEFAULT_RETENTION_HOURS) < stream.retentionHours) {
      await kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: stream.name, RetentionPeriodHours: stream.retentionHours }));
      summary = await untilActive(kinesis, stream.name, timeoutMs);
    }
    // A stream kept from an earlier run with another mode or shard count is not the template's: say so, guess nothing.
    if (summary.StreamModeDetails?.StreamMode !== stream.mode || summary.OpenShardCount !== stream.shardCount) {
      throw new Error(
        `stream ${stream.name} has ${summary.OpenShardCount} shard(s) (${summary.StreamModeDetails?.StreamMode}), the template says ` +
          `${stream.shardCount} (${stream.mode}); delete the local state folder to start again`,
      );
    }
  }
}
