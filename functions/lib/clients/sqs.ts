import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '../tracer';
import { once } from './once';

/**
 * Requests go to the client's endpoint, not to the queue URL's host: on AWS both are the regional SQS endpoint; the
 * local SQS names its queues `sqs.<region>.localhost`, a host that does not resolve everywhere.
 */
export const sqs = /* @__PURE__ */ once(() => tracer.captureAWSv3Client(new SQSClient({ useQueueUrlAsEndpoint: false })));
