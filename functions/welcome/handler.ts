import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { dynamoDb, dynamoDbClient } from '../lib/clients/dynamodb';
import { sesv2 } from '../lib/clients/sesv2';
import { sqs } from '../lib/clients/sqs';
import { SqsDeadLetters } from '../lib/dead-letters';
import { count, instrumented } from '../lib/observability';
import { DynamoDbSubscriberStore } from '../lib/subscribers';
import { welcomeBatchHandler, type WelcomeResult } from './batch';
import { config } from './config';
import { pacedMailer, SesMailer } from './mailer';

/** The welcome flow's counts (functions/lib/flows.ts), one per record's mail. */
function countWelcome(result: WelcomeResult): void {
  if (result.kind === 'sent') count('WelcomeSent');
  else if (result.kind === 'rejected') count('WelcomeRejected', result.reason);
  else if (result.kind === 'suppressed') count('WelcomeSuppressed');
  else count('WelcomeFailed');
}

/** DynamoDB stream (INSERTs of SubscribersTable) → one welcome mail per subscription, partial batch failures. */
export const handler = instrumented(
  'welcome',
  welcomeBatchHandler({
    mailer: pacedMailer(new SesMailer(sesv2(), config.sender, config.configurationSet), config.sesMaxSendRate),
    store: new DynamoDbSubscriberStore(dynamoDb(), config.subscribersTable),
    settings: { unsubscribeBaseUrl: config.unsubscribeBaseUrl, siteUrl: config.siteUrl },
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: config.idempotencyTable, awsSdkV3Client: dynamoDbClient() }),
    deadLetters: new SqsDeadLetters(sqs(), config.failuresQueueUrl),
    idempotencyTtlSeconds: config.idempotencyTtlSeconds,
    onResult: countWelcome,
  }),
);
