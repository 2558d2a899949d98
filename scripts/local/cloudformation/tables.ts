/**
 * The template's tables in DynamoDB Local: AWS::DynamoDB::Table ("AWS::DynamoDB::Table", CloudFormation) as
 * CreateTable input, with what DynamoDB Local understands — keys, indexes, the stream, time to live.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { resourcesOfType, type CfnResource, type ServiceConfig } from '../service-config';
import { physicalName } from '../common/intrinsics';

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
