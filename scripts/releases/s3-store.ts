/**
 * The releases bucket on S3 (or the local S3): the ReleaseStore of publish.ts. Files go up with lib-storage's Upload
 * (multipart above one part, parts in parallel); `If-None-Match: *` is one of its params, which it passes on to
 * PutObject for a one-part file and to CompleteMultipartUpload otherwise, so no size of file can overwrite a version.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import { WriteConflictError, type ObjectHeaders, type ReleaseStore, type UploadOptions, type WriteCondition } from './publish';

/**
 * A refused condition as WriteConflictError: 412 PreconditionFailed, 409 ConditionalRequestConflict, and the 404
 * NoSuchKey S3 answers to `If-Match` when the object is gone ("How to prevent object overwrites with conditional
 * writes", Amazon S3 User Guide). Everything else is rethrown as it is.
 */
function conflictOrRethrow(error: unknown, key: string, condition: WriteCondition): never {
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode ?? 0;
    if (status === 412 || status === 409 || (status === 404 && error.name === 'NoSuchKey' && 'ifMatch' in condition)) {
      throw new WriteConflictError(key, status);
    }
  }
  throw error;
}

export class S3ReleaseStore implements ReleaseStore {
  readonly description: string;

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {
    this.description = `s3://${bucket}`;
  }

  async read(key: string): Promise<{ body: string; etag: string } | undefined> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (object.Body === undefined || object.ETag === undefined) throw new Error(`GetObject ${key} returned no body or ETag`);
      return { body: await object.Body.transformToString(), etag: object.ETag };
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      // A HEAD has no body, so a missing object is a bare 404 (NotFound).
      if (error instanceof NotFound || (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)) return false;
      throw error;
    }
  }

  async write(key: string, body: string, headers: ObjectHeaders, condition: WriteCondition): Promise<void> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: headers.contentType,
          CacheControl: headers.cacheControl,
          ...('ifMatch' in condition ? { IfMatch: condition.ifMatch } : { IfNoneMatch: condition.ifNoneMatch }),
        }),
      );
    } catch (error) {
      conflictOrRethrow(error, key, condition);
    }
  }

  async upload(key: string, body: Readable, headers: ObjectHeaders & { size: number }, options: UploadOptions): Promise<void> {
    const upload = new Upload({
      client: this.s3,
      partSize: options.partSize,
      queueSize: options.queueSize,
      // A failed upload is aborted, so its parts are not stored (and billed) until a lifecycle rule removes them.
      leavePartsOnError: false,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentLength: headers.size,
        ContentType: headers.contentType,
        CacheControl: headers.cacheControl,
        IfNoneMatch: '*',
      },
    });
    upload.on('httpUploadProgress', (progress) => options.onProgress(progress.loaded ?? 0));
    try {
      await upload.done();
    } catch (error) {
      conflictOrRethrow(error, key, { ifNoneMatch: '*' });
    }
  }
}
