import { dynamoDb } from '../lib/clients/dynamodb';
import { sqs } from '../lib/clients/sqs';
import { SqsDeadLetters } from '../lib/dead-letters';
import { count, instrumented } from '../lib/observability';
import { DynamoDbSubscriberStore } from '../lib/subscribers';
import { config } from './config';
import { mailFeedbackHandler, type RecordOutcome } from './records';

const handle = mailFeedbackHandler({
  store: new DynamoDbSubscriberStore(dynamoDb(), config.subscribersTable),
  deadLetters: new SqsDeadLetters(sqs(), config.deadLetterQueueUrl),
});

/** The flow's counts (functions/lib/flows.ts): each report by its reason, and the subscribers it newly suppressed. */
function countFeedback(outcomes: RecordOutcome[]): void {
  for (const outcome of outcomes) {
    if (outcome.status === 'dead-lettered') count('MailFeedback', 'malformed');
    if (outcome.status !== 'applied') continue;
    count('MailFeedback', outcome.reason);
    count('SubscribersSuppressed', outcome.recipients.filter((recipient) => recipient.outcome === 'suppressed').length);
  }
}

/** MailFeedbackTopic (SES bounces, complaints, rejects of the welcome mail) → suppressed subscribers. */
export const handler = instrumented('mailFeedback', async (event: Parameters<typeof handle>[0]) => {
  const outcomes = await handle(event);
  countFeedback(outcomes);
  return outcomes;
});
