import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { localPhysicalName, resourcesOfType, type CfnResource, type ServiceConfig } from './service-config';

/** The name a resource has locally: its literal name from the template, else the local naming rule. */
export function physicalName(config: ServiceConfig, logicalId: string, resource: CfnResource, prop: string): string {
  const declared = resource.Properties?.[prop];
  return typeof declared === 'string' ? declared : localPhysicalName(config, logicalId);
}

/** CreateTable input from an AWS::DynamoDB::Table definition, with only what DynamoDB Local understands. */
export function tableInput(config: ServiceConfig, logicalId: string, resource: CfnResource): CreateTableCommandInput {
  const p = resource.Properties ?? {};
  const indexes = (value: unknown) =>
    Array.isArray(value)
      ? (value as Record<string, unknown>[]).map(({ IndexName, KeySchema, Projection }) => ({
          IndexName,
          KeySchema,
          Projection,
        }))
      : undefined;
  const stream = p.StreamSpecification as { StreamViewType?: string } | undefined;
  return {
    TableName: physicalName(config, logicalId, resource, 'TableName'),
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    BillingMode: 'PAY_PER_REQUEST',
    GlobalSecondaryIndexes: indexes(p.GlobalSecondaryIndexes),
    LocalSecondaryIndexes: indexes(p.LocalSecondaryIndexes),
    StreamSpecification: stream?.StreamViewType
      ? { StreamEnabled: true, StreamViewType: stream.StreamViewType }
      : undefined,
  } as CreateTableCommandInput;
}

export async function createTables(config: ServiceConfig, dynamodb: DynamoDBClient): Promise<string[]> {
  const created: string[] = [];
  for (const [logicalId, resource] of resourcesOfType(config, 'AWS::DynamoDB::Table')) {
    const input = tableInput(config, logicalId, resource);
    try {
      await dynamodb.send(new DescribeTableCommand({ TableName: input.TableName }));
      continue; // kept from an earlier run
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    await dynamodb.send(new CreateTableCommand(input));
    const ttl = resource.Properties?.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    if (ttl?.Enabled && ttl.AttributeName) {
      await dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: input.TableName,
          TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
        }),
      );
    }
    created.push(input.TableName!);
  }
  return created;
}

export function bucketNames(config: ServiceConfig): Map<string, string> {
  return new Map(
    resourcesOfType(config, 'AWS::S3::Bucket').map(([logicalId, resource]) => [
      logicalId,
      physicalName(config, logicalId, resource, 'BucketName'),
    ]),
  );
}

export async function createBuckets(config: ServiceConfig, s3: S3Client): Promise<string[]> {
  const created: string[] = [];
  for (const name of bucketNames(config).values()) {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: name }));
      continue;
    } catch {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
      created.push(name);
    }
  }
  return created;
}
