/**
 * SES feedback → MailFeedbackTopic → mailFeedback λ → SubscribersTable, on the local stack: the topic is the one of
 * resources/mail-feedback.yml in fauxqs, delivered to the function as SNS invokes it (scripts/local/topics/). The
 * messages are SES's documented notifications (test/fixtures/ses/) with this test's own addresses.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { HOST, localClientConfig } from '../../scripts/local/ports';
import { DynamoDbSubscriberStore } from '../../functions/lib/subscribers';
import { welcomeDelivery } from '../../functions/welcome/deliver';
import { memoryPersistence, RecordingMailer } from '../support/subscriptions';
import { apiUrl, dynamodb, ports } from './local';
import { eventually as waitFor } from '../support/eventually';

jest.setTimeout(60_000);

const SUBSCRIBERS_TABLE = 'serverless-blog-local-subscribers-table';
const TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:serverless-blog-local-mail-feedback-topic';
const FAILED_QUEUE = 'serverless-blog-local-mail-feedback-failed-invocations-queue';
const sns = new SNSClient(localClientConfig(`http://${HOST}:${ports.messaging}`));
const sqs = new SQSClient(localClientConfig(`http://${HOST}:${ports.messaging}`));

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;
const sample = (name: string) => JSON.parse(readFileSync(path.join(__dirname, '../fixtures/ses', `${name}.json`), 'utf8')) as unknown;

const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => waitFor(what, probe, timeoutMs);

const subscriber = async (email: string) => {
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: SUBSCRIBERS_TABLE, Key: { email: { S: email } }, ConsistentRead: true }));
  return Item === undefined ? undefined : unmarshall(Item);
};

async function subscribe(email: string): Promise<void> {
  const response = await fetch(`${apiUrl}/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
  expect(response.status).toBe(202);
}

/** The documented Permanent bounce, about a mail to `email`. */
function permanentBounce(email: string): string {
  const body = sample('event-bounce-permanent') as { bounce: { bouncedRecipients: { emailAddress: string }[] }; mail: { destination: string[] } };
  body.bounce.bouncedRecipients[0]!.emailAddress = email;
  body.mail.destination = [email];
  return JSON.stringify(body);
}

it('a hard bounce published on MailFeedbackTopic marks the subscriber suppressed; a re-subscription keeps it', async () => {
  // Prepare
  const email = unique('bounced');
  await subscribe(email);

  // Act
  await sns.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: permanentBounce(email) }));

  // Assess
  const suppressed = await eventually('the suppression', async () => (await subscriber(email))?.suppression as Record<string, unknown> | undefined);
  expect(suppressed).toMatchObject({ reason: 'bounce', detail: 'Permanent/General: 5.1.1 smtp; 550 5.1.1 user unknown' });
  await subscribe(email.toUpperCase());
  expect((await subscriber(email))?.suppression).toEqual(suppressed);
});

it('a notification that is not an SES report is dead-lettered with its reason, once', async () => {
  // Prepare
  const marker = randomUUID();
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: FAILED_QUEUE }));

  // Act
  await sns.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: JSON.stringify({ eventType: 'Bounce', marker }) }));

  // Assess
  const letter = await eventually('the dead letter', async () => {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 0 }));
    const bodies = Messages.map((m) => JSON.parse(m.Body ?? '{}') as { condition?: string; reason?: string; record?: { Sns?: { Message?: string } } });
    return bodies.find((b) => b.record?.Sns?.Message?.includes(marker));
  });
  expect(letter).toMatchObject({ condition: 'MalformedRecord', reason: expect.stringMatching(/^Bounce: /) as string });
});

it('the welcome delivery (function and redrive) sends nothing more to an address once it is suppressed, on DynamoDB Local', async () => {
  // Prepare: a subscriber whose welcome went out (the stack's stream poller), then complained about through the topic.
  const email = unique('complained');
  await subscribe(email);
  const item = await eventually('the welcome', async () => {
    const found = await subscriber(email);
    return found?.welcomeStatus === 'sent' ? found : undefined;
  });
  const complaint = sample('event-complaint') as { complaint: { complainedRecipients: { emailAddress: string }[] } };
  complaint.complaint.complainedRecipients = [{ emailAddress: email }];
  await sns.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: JSON.stringify(complaint) }));
  await eventually('the suppression', async () => (await subscriber(email))?.suppression as unknown);
  const mailer = new RecordingMailer();
  const store = new DynamoDbSubscriberStore(DynamoDBDocumentClient.from(dynamodb), SUBSCRIBERS_TABLE);
  const delivery = welcomeDelivery({ mailer, store, settings: { unsubscribeBaseUrl: `${apiUrl}/subscriptions`, siteUrl: apiUrl }, persistenceStore: memoryPersistence(), idempotencyTtlSeconds: 3600 });

  // Act
  const { outcome, sentNow } = await delivery.deliver({ subscriptionId: item.subscriptionId as string, email, token: item.token as string });

  // Assess
  expect(outcome).toEqual({ status: 'suppressed', reason: 'complaint' });
  expect(sentNow).toBe(false);
  expect(mailer.attempts).toEqual([]);
  // The mail that did go out stays recorded as sent.
  expect(await subscriber(email)).toMatchObject({ welcomeStatus: 'sent', suppression: { reason: 'complaint', detail: 'complaint: abuse' } });
});
