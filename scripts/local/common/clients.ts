/** SDK clients for the stack's own endpoints (localEnv), each made once, on first use, and destroyed with the stack. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { localClientConfig, localS3ClientConfig } from '../ports';

export class LocalClients {
  private readonly made = new Map<string, { destroy(): void }>();

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  get dynamodb(): DynamoDBClient {
    return this.once('dynamodb', () => new DynamoDBClient(localClientConfig(this.env.AWS_ENDPOINT_URL_DYNAMODB)));
  }

  get dynamodbStreams(): DynamoDBStreamsClient {
    return this.once('streams', () => new DynamoDBStreamsClient(localClientConfig(this.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS)));
  }

  get s3(): S3Client {
    return this.once('s3', () => new S3Client(localS3ClientConfig(this.env.AWS_ENDPOINT_URL_S3)));
  }

  get sqs(): SQSClient {
    return this.once('sqs', () => new SQSClient(localClientConfig(this.env.AWS_ENDPOINT_URL_SQS)));
  }

  get sns(): SNSClient {
    return this.once('sns', () => new SNSClient(localClientConfig(this.env.AWS_ENDPOINT_URL_SNS)));
  }

  get lambda(): LambdaClient {
    return this.once('lambda', () => new LambdaClient(localClientConfig(this.env.AWS_ENDPOINT_URL_LAMBDA)));
  }

  destroy(): void {
    for (const client of this.made.values()) client.destroy();
    this.made.clear();
  }

  private once<C extends { destroy(): void }>(name: string, make: () => C): C {
    const client = (this.made.get(name) as C | undefined) ?? make();
    this.made.set(name, client);
    return client;
  }
}
