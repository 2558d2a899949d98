/**
 * What CloudFormation would create from the template, in the emulators: tables, buckets, queues, topics and
 * subscriptions ("AWS resource and property types reference", CloudFormation User Guide). Kept between runs: what
 * exists is left as it is.
 */
import type { Lookup } from '../common/intrinsics';
import type { StandIn } from '../stand-in';
import { bucketNames, createBuckets } from './buckets';
import { createMessaging, messagingLookup, type LocalQueue } from './queues';
import { createTables } from './tables';

export interface LocalResources {
  /** Bucket names, queues and topic ARNs by logical id. */
  buckets: Map<string, string>;
  queues: Map<string, LocalQueue>;
  topics: Map<string, string>;
  /** What Ref and Fn::GetAtt give for those (common/intrinsics.ts resolve). */
  lookup: Lookup;
}

/**
 * Ref and Fn::GetAtt of the buckets, queues and topics ("AWS::S3::Bucket", Return values: Ref is the name, Arn
 * `arn:aws:s3:::<name>`; queues and topics as queues.ts gives them).
 */
export function resourceLookup(buckets: ReadonlyMap<string, string>, queues: ReadonlyMap<string, LocalQueue>, topics: ReadonlyMap<string, string>): Lookup {
  const messaging = messagingLookup(queues, topics);
  return (logicalId, attribute = 'Ref') => {
    const bucket = buckets.get(logicalId);
    if (bucket === undefined) return messaging(logicalId, attribute);
    return ({ Ref: bucket, Arn: `arn:aws:s3:::${bucket}` } as Record<string, string>)[attribute];
  };
}

export const resources: StandIn<LocalResources> = {
  name: 'resources',
  title: 'Creating tables, buckets, queues and topics from resources/*.yml',
  async start(ctx) {
    await createTables(ctx.config, ctx.clients.dynamodb);
    await createBuckets(ctx.config, ctx.clients.s3);
    const { queues, topics } = await createMessaging(ctx.config, ctx.clients.sqs, ctx.clients.sns);
    const buckets = bucketNames(ctx.config);
    return { provides: { buckets, queues, topics, lookup: resourceLookup(buckets, queues, topics) }, stop: async () => undefined };
  },
};
