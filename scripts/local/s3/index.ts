/**
 * S3, and S3's event notifications. The bucket API is s3rver's, behind the gate of server.ts; notifications follow
 * each bucket's NotificationConfiguration ("Amazon S3 Event Notifications", Amazon S3 User Guide; notifications.ts) to
 * functions, with Lambda's asynchronous invocation, and to queues (events.ts).
 */
import path from 'node:path';
import type S3rver from 's3rver';
import { resources } from '../cloudformation';
import { LOCAL_S3_CREDENTIALS, localUrl } from '../ports';
import type { StandIn } from '../stand-in';
import { startS3EventDispatch } from './events';
import { s3Notifications } from './notifications';
import { startLocalS3 } from './server';

export const s3: StandIn<S3rver> = {
  name: 's3',
  title: 'Starting S3 (s3rver)',
  row: { label: 'S3', rank: 3 },
  env: (ports) => ({ AWS_ENDPOINT_URL_S3: localUrl(ports.s3) }),
  async start(ctx) {
    const local = await startLocalS3({ host: ctx.host, port: ctx.ports.s3, directory: path.join(ctx.dirs.state, 's3') });
    const { accessKeyId, secretAccessKey } = LOCAL_S3_CREDENTIALS;
    return { url: localUrl(ctx.ports.s3), note: `(credentials ${accessKeyId} / ${secretAccessKey})`, provides: local.server, stop: local.close };
  },
};

/** S3 → Lambda and S3 → SQS notifications of resources/*.yml (uploads → thumbnails…), once the Lambda API is up. */
export const s3Events: StandIn = {
  name: 's3-events',
  async start(ctx) {
    const { buckets, queues, lookup } = ctx.use(resources);
    const dispatcher = startS3EventDispatch({
      s3rver: ctx.use(s3),
      notifications: s3Notifications(ctx.config, buckets, queues, lookup),
      lambda: ctx.clients.lambda,
      sqs: ctx.clients.sqs,
      log: ctx.log,
    });
    return { stop: () => dispatcher.stop() };
  },
};
