import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { dynamoDb, dynamoDbClient } from '../lib/clients/dynamodb';
import { sesv2 } from '../lib/clients/sesv2';
import { sqs } from '../lib/clients/sqs';
import { SqsDeadLetters } from '../lib/dead-letters';
import { DynamoDbSubscriberStore } from '../lib/subscribers';
import { welcomeBatchHandler } from './batch';
import { config } from './config';
import { pacedMailer, SesMailer } from './mailer';

/** DynamoDB stream (INSERTs of SubscribersTable) → one welcome mail per subscription, partial batch failures. */
export const handler = welcomeBatchHandler({
  mailer: pacedMailer(new SesMailer(sesv2(), config.sender, config.configurationSet), config.sesMaxSendRate),
  store: new DynamoDbSubscriberStore(dynamoDb(), config.subscribersTable),
  settings: { unsubscribeBaseUrl: config.unsubscribeBaseUrl, siteUrl: config.siteUrl },
  persistenceStore: new DynamoDBPersistenceLayer({ tableName: config.idempotencyTable, awsSdkV3Client: dynamoDbClient() }),
  deadLetters: new SqsDeadLetters(sqs(), config.failuresQueueUrl),
  idempotencyTtlSeconds: config.idempotencyTtlSeconds,
});
