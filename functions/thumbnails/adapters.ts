/** The S3 and SNS sides of the use case's ports. */
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, NotFound, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { EventPublisher, ThumbnailEvent, ThumbnailSink, UploadSource } from './process-upload';
import { RejectedInput } from './thumbnails';

export class S3UploadSource implements UploadSource {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async size(key: string): Promise<number | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (error) {
      // A HEAD answer has no body, so a missing key is the SDK's generic NotFound (404). The bucket is the one the
      // notification is configured on (the handler checks), so the 404 is about the key.
      if (error instanceof NotFound) return undefined;
      throw error;
    }
  }

  /**
   * The whole object, copied as it arrives into one buffer of the announced length: no list of chunks to join at the
   * end, so a 15 MB upload costs 15 MB once, not twice, while it is read.
   */
  async read(key: string): Promise<Uint8Array> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })).catch((error: unknown) => {
      // Deleted between HeadObject and GetObject.
      if (error instanceof NoSuchKey) throw new RejectedInput('missing', 'The upload no longer exists');
      throw error;
    });
    const length = object.ContentLength;
    if (!(object.Body instanceof Readable) || length === undefined) {
      if (!object.Body) throw new Error(`GetObject ${key} returned no body`);
      return object.Body.transformToByteArray();
    }
    const bytes = Buffer.allocUnsafe(length);
    let received = 0;
    for await (const chunk of object.Body as AsyncIterable<Buffer>) {
      if (received + chunk.length > length) throw new Error(`GetObject ${key} sent more than its ${length} bytes`);
      received += chunk.copy(bytes, received);
    }
    if (received !== length) throw new Error(`GetObject ${key} ended after ${received} of ${length} bytes`);
    return bytes;
  }
}

export class S3ThumbnailSink implements ThumbnailSink {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async write(key: string, body: Buffer, contentType: string, cacheControl: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, CacheControl: cacheControl }),
    );
  }
}

export class SnsEventPublisher implements EventPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(event: ThumbnailEvent): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Message: JSON.stringify(event),
        // Subscribers filter on the type without parsing the body (SNS subscription filter policies).
        MessageAttributes: { type: { DataType: 'String', StringValue: event.type } },
      }),
    );
  }
}
