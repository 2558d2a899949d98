import { DeleteObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { PhotoObjects } from './delete-photo';

/**
 * The photo's objects in the uploads and thumbnails buckets. Both are versioned: DeleteObject without a version id
 * adds a delete marker, and the bucket's lifecycle expires the version it hides 30 days later (resources/*.yml).
 */
export class S3PhotoObjects implements PhotoObjects {
  constructor(
    private readonly s3: S3Client,
    private readonly uploadsBucket: string,
    private readonly thumbnailsBucket: string,
  ) {}

  async listThumbnails(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2({ client: this.s3 }, { Bucket: this.thumbnailsBucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    }
    return keys;
  }

  async deleteOriginal(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.uploadsBucket, Key: key }));
  }

  async deleteThumbnail(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.thumbnailsBucket, Key: key }));
  }
}
