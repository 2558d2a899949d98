import type { S3Event } from 'aws-lambda';
import { s3 } from '../lib/clients/s3';
import { sns } from '../lib/clients/sns';
import { logger } from '../lib/logger';
import { count, instrumented } from '../lib/observability';
import { S3ThumbnailSink, S3UploadSource, SnsEventPublisher } from './adapters';
import { config } from './config';
import { decodeS3Key, processUpload, type Ports } from './process-upload';

const ports: Ports = {
  uploads: new S3UploadSource(s3(), config.uploadsBucket),
  thumbnails: new S3ThumbnailSink(s3(), config.thumbnailsBucket),
  events: new SnsEventPublisher(sns(), config.topicArn),
};

/**
 * S3 ObjectCreated (async invocation). A bad upload is reported on the topic and the invocation succeeds; anything
 * else throws, so Lambda retries twice and then sends the event to the on-failure destination queue.
 */
export const handler = instrumented('thumbnails', async (event: S3Event): Promise<void> => {
  for (const record of event.Records) {
    const source = { bucket: record.s3.bucket.name, key: decodeS3Key(record.s3.object.key) };
    logger.appendKeys({ bucket: source.bucket, key: source.key });
    try {
      // The notification is configured on the uploads bucket only; anything else is a misconfiguration, not input.
      if (source.bucket !== config.uploadsBucket) throw new Error(`Event from unexpected bucket ${source.bucket}`);
      const result = await processUpload(source, config, ports);
      if (result.type === 'thumbnails.ready') {
        logger.info('thumbnails ready', { outputs: result.outputs.length });
        count('ThumbnailsReady');
      } else {
        logger.warn('upload rejected', { reason: result.reason, detail: result.message });
        count('ThumbnailsFailed', result.reason);
      }
    } finally {
      logger.removeKeys(['bucket', 'key']);
    }
  }
});
