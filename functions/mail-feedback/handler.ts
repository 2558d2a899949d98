import { dynamoDb } from '../lib/clients/dynamodb';
import { sqs } from '../lib/clients/sqs';
import { SqsDeadLetters } from '../lib/dead-letters';
import { DynamoDbSubscriberStore } from '../lib/subscribers';
import { config } from './config';
import { mailFeedbackHandler } from './records';

/** MailFeedbackTopic (SES bounces, complaints, rejects of the welcome mail) → suppressed subscribers. */
export const handler = mailFeedbackHandler({
  store: new DynamoDbSubscriberStore(dynamoDb(), config.subscribersTable),
  deadLetters: new SqsDeadLetters(sqs(), config.deadLetterQueueUrl),
});
