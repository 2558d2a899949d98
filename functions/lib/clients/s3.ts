import { S3Client } from '@aws-sdk/client-s3';
import { boolEnv } from '../env';
import { tracer } from '../tracer';
import { once } from './once';

export const s3 = /* @__PURE__ */ once(() =>
  tracer.captureAWSv3Client(
    new S3Client({
      // Path-style addressing for S3-compatible endpoints that have no per-bucket host names (the local S3).
      forcePathStyle: boolEnv('S3_FORCE_PATH_STYLE', false),
      // Checksums only where S3 requires them: the default streamed-upload checksum trailer is not understood by
      // every S3-compatible store (s3rver stored it as part of the object).
      requestChecksumCalculation: 'WHEN_REQUIRED',
    }),
  ),
);

/**
 * The client that signs browser uploads. With S3_TRANSFER_ACCELERATION the form posts to
 * `<bucket>.s3-accelerate.amazonaws.com` (the bucket must have acceleration enabled, see resources/uploads.yml).
 */
export const presignS3 = /* @__PURE__ */ once(() =>
  tracer.captureAWSv3Client(
    new S3Client({
      forcePathStyle: boolEnv('S3_FORCE_PATH_STYLE', false),
      useAccelerateEndpoint: boolEnv('S3_TRANSFER_ACCELERATION', false),
    }),
  ),
);
