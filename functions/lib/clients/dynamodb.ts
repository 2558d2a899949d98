import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../tracer';
import { once } from './once';

/** The plain client, for libraries that take one (Powertools idempotency's persistence layer). */
export const dynamoDbClient = /* @__PURE__ */ once(() => tracer.captureAWSv3Client(new DynamoDBClient({})));

export const dynamoDb = /* @__PURE__ */ once(() =>
  DynamoDBDocumentClient.from(dynamoDbClient(), { marshallOptions: { removeUndefinedValues: true } }),
);
