/**
 * What CloudFormation would create from the template, in the emulators: tables, buckets, queues, topics and
 * subscriptions ("AWS resource and property types reference", CloudFormation User Guide). Kept between runs: what
 * exists is left as it is.
 */
import type { StandIn } from '../stand-in';
import { bucketNames, createBuckets } from './buckets';
import { createMessaging, type LocalQueue } from './queues';
import { createTables } from './tables';

export interface LocalResources {
  /** Bucket names, queues and topic ARNs by logical id. */
  buckets: Map<string, string>;
  queues: Map<string, LocalQueue>;
  topics: Map<string, string>;
}

export const resources: StandIn<LocalResources> = {
  name: 'resources',
  title: 'Creating tables, buckets, queues and topics from resources/*.yml',
  async start(ctx) {
    await createTables(ctx.config, ctx.clients.dynamodb);
    await createBuckets(ctx.config, ctx.clients.s3);
    const { queues, topics } = await createMessaging(ctx.config, ctx.clients.sqs, ctx.clients.sns);
    return { provides: { buckets: bucketNames(ctx.config), queues, topics }, stop: async () => undefined };
  },
};
