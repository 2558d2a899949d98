import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** What the signing flow needs to know about the premium bucket. */
export interface ContentStore {
  exists(key: string): Promise<boolean>;
  folderHasFiles(folder: string): Promise<boolean>;
  /** A presigned GET (the S3-only delivery mode). */
  presignGet(key: string, expiresIn: number): Promise<string>;
}

/**
 * Existence is checked with ListObjectsV2, not HeadObject: listing needs only s3:ListBucket, so in CloudFront mode
 * the function's role cannot read premium content itself.
 */
export class S3ContentStore implements ContentStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async exists(key: string): Promise<boolean> {
    const out = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key, MaxKeys: 1 }));
    return out.Contents?.[0]?.Key === key;
  }

  async folderHasFiles(folder: string): Promise<boolean> {
    const out = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: folder, MaxKeys: 1 }));
    return (out.KeyCount ?? 0) > 0;
  }

  presignGet(key: string, expiresIn: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn });
  }
}
