/**
 * The template's buckets in the local S3: AWS::S3::Bucket ("AWS::S3::Bucket", CloudFormation) by name, with its CORS
 * rules, which decide whether a browser may post to it (presigned uploads); s3rver enforces them like S3.
 */
import { CreateBucketCommand, HeadBucketCommand, PutBucketCorsCommand, type S3Client } from '@aws-sdk/client-s3';
import { resourcesOfType, type ServiceConfig } from '../service-config';
import { physicalName } from '../common/intrinsics';

export function bucketNames(config: ServiceConfig): Map<string, string> {
  return new Map(
    resourcesOfType(config, 'AWS::S3::Bucket').map(([logicalId, resource]) => [
      logicalId,
      physicalName(config, logicalId, resource, 'BucketName'),
    ]),
  );
}

interface CfnCorsRule {
  Id?: string;
  AllowedMethods: string[];
  AllowedOrigins: string[];
  AllowedHeaders?: string[];
  ExposedHeaders?: string[];
  MaxAge?: number;
}

export async function createBuckets(config: ServiceConfig, s3: S3Client): Promise<string[]> {
  const created: string[] = [];
  const names = bucketNames(config);
  for (const name of names.values()) {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: name }));
      continue;
    } catch {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
      created.push(name);
    }
  }
  // CORS decides whether a browser may post to a bucket (presigned uploads); s3rver enforces it like S3.
  for (const [logicalId, resource] of resourcesOfType(config, 'AWS::S3::Bucket')) {
    const cors = resource.Properties?.CorsConfiguration as { CorsRules: CfnCorsRule[] } | undefined;
    if (!cors) continue;
    // CloudFormation's CorsRule names differ from the S3 API's (CorsRules/MaxAge vs CORSRules/MaxAgeSeconds).
    const CORSRules = cors.CorsRules.map(({ Id, MaxAge, ...rule }) => ({ ...rule, ID: Id, MaxAgeSeconds: MaxAge }));
    await s3.send(new PutBucketCorsCommand({ Bucket: names.get(logicalId), CORSConfiguration: { CORSRules } }));
  }
  return created;
}
