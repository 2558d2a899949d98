/**
 * Subscribe → SubscribersTable → stream → welcome λ → SES, against DynamoDB Local, the SES emulator, the local stream
 * poller and serverless-offline: one mail per subscription, also when the batch is delivered again.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient, DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { HOST, LOCAL_REGION, LOCAL_S3_CREDENTIALS } from '../../scripts/local/ports';
import { toLambdaRecord } from '../../scripts/local/streams/shards';
import { DynamoDbSubscriberStore } from '../../functions/lib/subscribers';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { welcomeBatchHandler } from '../../functions/welcome/batch';
import { SesMailer } from '../../functions/welcome/mailer';
import type { Mailer } from '../../functions/welcome/welcome';
import { lambdaContext, RecordingDeadLetters, streamRecord } from '../support/subscriptions';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../scripts/local/service-config';
import { apiUrl, dynamodb, ports, sesUrl, stopSes } from './local';
import { eventually as waitFor } from '../support/eventually';

jest.setTimeout(60_000);

const SUBSCRIBERS_TABLE = 'serverless-blog-local-subscribers-table';
const IDEMPOTENCY_TABLE = 'serverless-blog-local-welcome-idempotency-table';
const FAILURES_QUEUE = 'serverless-blog-local-welcome-failures-queue';
const WELCOME_FUNCTION = 'serverless-blog-local-welcome';
const common = { region: LOCAL_REGION, credentials: LOCAL_S3_CREDENTIALS };
const lambda = new LambdaClient({ ...common, endpoint: `http://${HOST}:${ports.lambda}`, maxAttempts: 1 });
const streams = new DynamoDBStreamsClient({ ...common, endpoint: `http://${HOST}:${ports.dynamodb}` });
const sqs = new SQSClient({ ...common, endpoint: `http://${HOST}:${ports.messaging}` });

interface StoredMail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: { name: string; value: string }[];
}

interface FailureRecord {
  condition?: string;
  reason?: string;
  record?: DynamoDBRecord;
}

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;

async function mailsTo(address: string): Promise<StoredMail[]> {
  const response = await fetch(`${sesUrl}/store`);
  const { emails } = (await response.json()) as { emails: StoredMail[] };
  return emails.filter((mail) => mail.destination.to.includes(address));
}

/** This flow's waits: the stream's batch window and the paced sends take seconds. */
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 25_000): Promise<T> => waitFor(what, probe, timeoutMs);

const firstMail = (address: string) =>
  eventually(`a mail to ${address}`, async () => {
    const mails = await mailsTo(address);
    return mails.length > 0 ? mails : undefined;
  });

const subscribe = (body: unknown) =>
  fetch(`${apiUrl}/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The real INSERT record of an address, read back from the table's stream. */
async function insertRecordOf(address: string): Promise<DynamoDBRecord> {
  const table = await dynamodb.send(new DescribeTableCommand({ TableName: SUBSCRIBERS_TABLE }));
  const streamArn = table.Table!.LatestStreamArn!;
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator: iterator } = await streams.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      const found = page.Records?.find((r) => r.eventName === 'INSERT' && r.dynamodb?.NewImage?.email?.S === address);
      if (found) return toLambdaRecord(found, streamArn);
      if (!page.Records?.length) break;
      iterator = page.NextShardIterator;
    }
  }
  throw new Error(`no INSERT for ${address} in the stream`);
}

async function invokeWelcome(records: DynamoDBRecord[]): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  const response = await lambda.send(
    new InvokeCommand({ FunctionName: WELCOME_FUNCTION, Payload: Buffer.from(JSON.stringify({ Records: records })) }),
  );
  const text = Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8');
  if (response.FunctionError) throw new Error(`welcome failed: ${text}`);
  return JSON.parse(text) as { batchItemFailures: { itemIdentifier: string }[] };
}

afterAll(() => {
  for (const client of [lambda, streams, sqs]) client.destroy();
});

describe('subscribe → welcome mail', () => {
  it('sends one welcome mail with an HTML and a text part and a working List-Unsubscribe', async () => {
    // Prepare
    const address = unique('new-reader');

    // Act
    const response = await subscribe({ email: address.toUpperCase(), name: 'Ada <Lovelace>' });
    const mails = await firstMail(address);

    // Assess
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'accepted' });
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.subject).toBe('Welcome to the blog');
    expect(mail!.from).toContain('hello@blog.localhost');
    expect(mail!.body.html).toContain('Hi Ada &lt;Lovelace&gt;,');
    expect(mail!.body.text).toContain('Hi Ada <Lovelace>,');
    const listUnsubscribe = mail!.headers?.find((h) => h.name === 'List-Unsubscribe')?.value ?? '';
    expect(listUnsubscribe).toMatch(new RegExp(`^<${apiUrl}/subscriptions/[A-Za-z0-9_-]{43}/unsubscribe>$`));
    expect(mail!.body.text).toContain(listUnsubscribe.slice(1, -1));
    // The outcome is noted on the subscriber (an update the stream filter keeps from the function).
    const item = await eventually('the welcome status', async () => {
      const { Item } = await dynamodb.send(new GetItemCommand({ TableName: SUBSCRIBERS_TABLE, Key: marshall({ email: address }) }));
      return Item?.welcomeStatus ? Item : undefined;
    });
    expect(item.welcomeStatus?.S).toBe('sent');
  });

  it('sends one mail when the same address subscribes twice', async () => {
    // Prepare
    const address = unique('twice');
    const later = unique('sentinel');

    // Act
    const first = await subscribe({ email: address });
    const second = await subscribe({ email: `  ${address.toUpperCase()} ` });
    await subscribe({ email: later });
    // The stream is one ordered shard here: once the later subscription's mail is out, any second INSERT of the
    // address would have been delivered too. (Records of one batch are sent concurrently, so the address's own mail
    // may land just after the later one: wait for both.)
    await Promise.all([firstMail(address), firstMail(later)]);

    // Assess
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(await mailsTo(address)).toHaveLength(1);
  });

  it('sends nothing again when Lambda delivers the same stream record again (forced retry)', async () => {
    // Prepare: a subscription whose mail went out, and its INSERT record as the stream holds it.
    const address = unique('retried');
    await subscribe({ email: address });
    await firstMail(address);
    const record = await insertRecordOf(address);

    // Act: the event source retries the batch (e.g. after a timeout, or because a sibling record failed).
    const retried = await invokeWelcome([record]);

    // Assess
    expect(retried.batchItemFailures).toEqual([]);
    expect(await mailsTo(address)).toHaveLength(1);
  });

  it('dead-letters the malformed record of a batch and fails nothing; the batch delivered again re-sends nothing', async () => {
    // Prepare: two good new subscriptions around a record without an address.
    const goods = [unique('batch-a'), unique('batch-b')];
    const item = (email: string) => ({ email, subscriptionId: randomUUID(), token: randomUUID(), createdAt: new Date().toISOString() });
    const bad = streamRecord({ subscriptionId: randomUUID(), token: 'x' });
    const batch = [streamRecord(item(goods[0]!)), bad, streamRecord(item(goods[1]!))];

    // Act
    const first = await invokeWelcome(batch);
    const retry = await invokeWelcome(batch);

    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(retry.batchItemFailures).toEqual([]);
    for (const address of goods) expect(await mailsTo(address)).toHaveLength(1);
  });

  it('retries only the record whose send failed; the others are not re-sent (real idempotency table and SES)', async () => {
    // Prepare: the welcome core with the local tables and SES, SES failing once for one address.
    const addresses = [unique('send-a'), unique('send-b'), unique('send-c')];
    const ses = new SESv2Client({ ...common, endpoint: sesUrl });
    const real = new SesMailer(ses, 'Blog <hello@blog.localhost>', 'serverless-blog-local-welcome');
    let failuresLeft = 1;
    const flaky: Mailer = {
      send: async (email) => {
        if (email.to === addresses[1] && failuresLeft-- > 0) throw new Error('SES is unavailable');
        return real.send(email);
      },
    };
    const handler = welcomeBatchHandler({
      mailer: flaky,
      store: new DynamoDbSubscriberStore(DynamoDBDocumentClient.from(dynamodb), SUBSCRIBERS_TABLE),
      settings: { unsubscribeBaseUrl: `${apiUrl}/subscriptions`, siteUrl: 'http://127.0.0.1/' },
      persistenceStore: new DynamoDBPersistenceLayer({ tableName: IDEMPOTENCY_TABLE, awsSdkV3Client: dynamodb }),
      deadLetters: new RecordingDeadLetters(),
      idempotencyTtlSeconds: 3600,
    });
    const records = addresses.map((email) =>
      streamRecord({ email, subscriptionId: randomUUID(), token: randomUUID(), createdAt: new Date().toISOString() }),
    );

    // Act
    const first = await handler({ Records: records }, lambdaContext());
    const retry = await handler({ Records: records }, lambdaContext());
    ses.destroy();

    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }]);
    expect(retry.batchItemFailures).toEqual([]);
    for (const address of addresses) expect(await mailsTo(address)).toHaveLength(1);
  });

  it('dead-letters a record it can never send, with the reason, instead of retrying it', async () => {
    // Prepare: an item the welcome function cannot read (no subscriptionId), written past the API.
    const address = unique('poison');
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: FAILURES_QUEUE }));

    // Act
    await dynamodb.send(new PutItemCommand({ TableName: SUBSCRIBERS_TABLE, Item: marshall({ email: address, token: 'x' }) }));

    // Assess: the record itself and why, in the failures queue (retries until the record age limit would be useless).
    const message = await eventually('a dead letter in the failures queue', async () => {
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
      return received.Messages?.map((m) => JSON.parse(m.Body ?? '{}') as FailureRecord).find(
        (m) => m.record?.dynamodb?.NewImage?.email?.S === address,
      );
    });
    expect(message).toMatchObject({ condition: 'MalformedRecord', reason: 'no subscriptionId' });
    expect(await mailsTo(address)).toHaveLength(0);
  });
});

describe('subscribe refuses bad input', () => {
  it.each([
    ['a malformed address', { email: 'not-an-address' }, 400, 'invalid_email'],
    ['an unknown field', { email: 'a@example.com', admin: true }, 400, 'unknown_field'],
    ['an oversized body', { email: 'a@example.com', name: 'x'.repeat(5000) }, 413, 'payload_too_large'],
  ])('%s is refused with its status and code', async (_, body, status, code) => {
    const response = await subscribe(body);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
  });
});

describe('unsubscribe', () => {
  it('the link in the mail shows a confirm page, its POST unsubscribes, and the token then no longer works', async () => {
    // Prepare
    const address = unique('leaving');
    await subscribe({ email: address });
    const [mail] = await firstMail(address);
    const link = (mail!.headers?.find((h) => h.name === 'List-Unsubscribe')?.value ?? '').slice(1, -1);
    const token = /subscriptions\/([^/]+)\/unsubscribe$/.exec(link)?.[1] ?? '';

    // Act
    const page = await fetch(link);
    const stillThere = await dynamodb.send(new GetItemCommand({ TableName: SUBSCRIBERS_TABLE, Key: marshall({ email: address }) }));
    const confirm = await fetch(link, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const gone = await dynamodb.send(new GetItemCommand({ TableName: SUBSCRIBERS_TABLE, Key: marshall({ email: address }) }));
    const again = await fetch(`${apiUrl}/subscriptions/${token}`, { method: 'DELETE' });

    // Assess
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    expect(stillThere.Item).toBeDefined(); // a GET (a link preview) changes nothing
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('You are unsubscribed');
    expect(gone.Item).toBeUndefined();
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({ error: { code: 'subscription_not_found', message: 'No subscription with this link' } });
  });

  it('DELETE /subscriptions/{token} unsubscribes through the API', async () => {
    const address = unique('api-leaving');
    await subscribe({ email: address });
    const [mail] = await firstMail(address);
    const token = /subscriptions\/([^/]+)\/unsubscribe>$/.exec(mail!.headers?.find((h) => h.name === 'List-Unsubscribe')?.value ?? '')?.[1];

    const response = await fetch(`${apiUrl}/subscriptions/${token}`, { method: 'DELETE' });

    expect(response.status).toBe(204);
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: SUBSCRIBERS_TABLE, Key: marshall({ email: address }) }));
    expect(Item).toBeUndefined();
  });
});

describe('an SES outage', () => {
  const run = promisify(execFile);

  const statusOf = async (address: string) => {
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: SUBSCRIBERS_TABLE, Key: marshall({ email: address }) }));
    return Item?.welcomeStatus?.S;
  };
  const markedFailed = (addresses: string[]) =>
    eventually(
      'the failed attempts noted on the subscribers',
      async () => ((await Promise.all(addresses.map(statusOf))).every((status) => status === 'failed') ? true : undefined),
      60_000,
    );
  const redrive = async (): Promise<string> => {
    try {
      const { stdout } = await run(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/redrive.ts', '--stage', 'local', 'welcome'], {
        cwd: ROOT,
        env: process.env,
        timeout: 120_000,
      });
      return stdout;
    } catch (error) {
      // Exit status 1: something is still failing or being sent by the stream; the summary says what.
      return String((error as { stdout?: string }).stdout ?? error);
    }
  };

  it('loses no mail when SES is down longer than the old retry window: every subscriber gets exactly one', async () => {
    // Prepare: SES unreachable (refused connections) for 45 s: more than the 1 + 5 attempts the mapping used to allow.
    const outage = await stopSes();
    const downSince = Date.now();
    const addresses = [unique('outage-a'), unique('outage-b'), unique('outage-c')];

    // Act
    for (const address of addresses) expect((await subscribe({ email: address })).status).toBe(202);
    await markedFailed(addresses);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 45_000 - (Date.now() - downSince))));
    await outage.restart(); // left serving the files after this one; global-teardown stops it

    // Assess
    for (const address of addresses) await eventually(`a mail to ${address}`, async () => ((await mailsTo(address)).length > 0 ? true : undefined), 90_000);
    for (const address of addresses) {
      expect(await mailsTo(address)).toHaveLength(1);
      expect(await eventually('sent', async () => ((await statusOf(address)) === 'sent' ? 'sent' : undefined))).toBe('sent');
    }
  }, 200_000);

  it('npm run redrive resends a failed welcome once, beside the stream still retrying it; a second run sends nothing', async () => {
    // Prepare: a subscriber whose first attempts failed (marked failed), then SES back.
    const outage = await stopSes();
    const address = unique('redrive');
    expect((await subscribe({ email: address })).status).toBe(202);
    await markedFailed([address]);
    await outage.restart(); // left serving the files after this one; global-teardown stops it

    // Act: the redrive, while the stream's own retry is pending.
    const first = await redrive();
    // The shard is in order: once a later subscription's mail is out, the stream's retry of the first is done too.
    const later = unique('redrive-later');
    await subscribe({ email: later });
    await firstMail(later);
    const second = await redrive();

    // Assess
    expect(first).toMatch(/\d+ resent\n\d+ skipped, already sent/);
    expect(await mailsTo(address)).toHaveLength(1);
    expect(await statusOf(address)).toBe('sent');
    expect(second).toMatch(/^0 resent\n/);
    expect(await mailsTo(address)).toHaveLength(1);
  }, 200_000);
});
