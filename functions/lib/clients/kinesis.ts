import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { boolEnv } from '../env';
import { tracer } from '../tracer';
import { once } from './once';

/**
 * Kinesis Data Streams. The SDK's Kinesis client speaks HTTP/2 by default (for SubscribeToShard's event stream);
 * PutRecords needs no HTTP/2, and the local stream (kinesis-mock) answers HTTP/1.1 only on its plain-HTTP port, so
 * KINESIS_HTTP1 (stage param `kinesisHttp1`, 'true' on local) selects the SDK's HTTP/1.1 handler, the way
 * S3_FORCE_PATH_STYLE adapts the S3 client. The endpoint itself comes from AWS_ENDPOINT_URL_KINESIS, as for every client.
 */
export const kinesisConfig = () => (boolEnv('KINESIS_HTTP1', false) ? { requestHandler: new NodeHttpHandler() } : {});

export const kinesis = /* @__PURE__ */ once(() => tracer.captureAWSv3Client(new KinesisClient(kinesisConfig())));
