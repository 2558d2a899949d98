import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { boolEnv, intEnv } from './env';

/**
 * SDK clients, each made once per container on first use and reused by warm invocations. Endpoints are never set
 * here: the SDK reads the standard AWS_ENDPOINT_URL_<SERVICE> variables, which only the local stack sets.
 */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** The plain client, for libraries that take one (Powertools idempotency's persistence layer). */
export const dynamoDbClient = once(() => new DynamoDBClient({}));

export const dynamoDb = once(() =>
  DynamoDBDocumentClient.from(dynamoDbClient(), { marshallOptions: { removeUndefinedValues: true } }),
);

export const s3 = once(
  () =>
    new S3Client({
      // Path-style addressing for S3-compatible endpoints that have no per-bucket host names (the local S3).
      forcePathStyle: boolEnv('S3_FORCE_PATH_STYLE', false),
      // Checksums only where S3 requires them: the default streamed-upload checksum trailer is not understood by
      // every S3-compatible store (s3rver stored it as part of the object).
      requestChecksumCalculation: 'WHEN_REQUIRED',
    }),
);

/**
 * SES (API v2). `adaptive` retry mode adds a client-side token bucket that slows down after throttling answers
 * (SES "Maximum sending rate exceeded" is a TooManyRequestsException), on top of exponential backoff with jitter:
 * a batch sent in parallel settles at the account's send rate instead of failing records.
 */
export const sesv2Config = () =>
  ({ retryMode: 'adaptive', maxAttempts: intEnv('SES_MAX_ATTEMPTS', 8, { min: 1, max: 20 }) }) as const;

export const sesv2 = once(() => new SESv2Client(sesv2Config()));

export const sns = once(() => new SNSClient({}));

/**
 * Requests go to the client's endpoint, not to the queue URL's host: on AWS both are the regional SQS endpoint; the
 * local SQS names its queues `sqs.<region>.localhost`, a host that does not resolve everywhere.
 */
export const sqs = once(() => new SQSClient({ useQueueUrlAsEndpoint: false }));

/**
 * The client that signs browser uploads. With S3_TRANSFER_ACCELERATION the form posts to
 * `<bucket>.s3-accelerate.amazonaws.com` (the bucket must have acceleration enabled, see resources/uploads.yml).
 */
export const presignS3 = once(
  () =>
    new S3Client({
      forcePathStyle: boolEnv('S3_FORCE_PATH_STYLE', false),
      useAccelerateEndpoint: boolEnv('S3_TRANSFER_ACCELERATION', false),
    }),
);
