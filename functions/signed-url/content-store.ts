import { GetObjectCommand, ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** What the signing flow needs to know about the premium bucket. */
export interface ContentStore {
  exists(key: string): Promise<boolean>;
  folderHasFiles(folder: string): Promise<boolean>;
  /** A presigned GET (the S3-only delivery mode). */
  presignGet(key: string, expiresIn: number): Promise<string>;
}

/**
 * Existence is checked by listing, not HeadObject: listing needs only s3:ListBucket, so in CloudFront mode the
 * function's role cannot read premium content itself. ListObjects (v1) rather than v2: both need the same permission
 * and cost one request here, but the local S3 (s3rver 3.7) fails every truncated v2 listing — its continuation token
 * uses DES, which OpenSSL 3 no longer offers — and a one-key listing of a folder is always truncated.
 */
export class S3ContentStore implements ContentStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async exists(key: string): Promise<boolean> {
    const out = await this.s3.send(new ListObjectsCommand({ Bucket: this.bucket, Prefix: key, MaxKeys: 1 }));
    return out.Contents?.[0]?.Key === key;
  }

  async folderHasFiles(folder: string): Promise<boolean> {
    const out = await this.s3.send(new ListObjectsCommand({ Bucket: this.bucket, Prefix: folder, MaxKeys: 1 }));
    return (out.Contents?.length ?? 0) > 0;
  }

  presignGet(key: string, expiresIn: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn });
  }
}
