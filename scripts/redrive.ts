/**
 * `npm run redrive -- --stage <stage> welcome`: resends every failed welcome mail exactly once (scripts/redrive/
 * welcome.ts) and settles WelcomeFailuresQueue. `local` works on the stack of `npm start` (LOCAL_PORT_OFFSET moves
 * it); any other stage on the deployed one, with the operator's AWS credentials.
 *
 * Names and settings come from the welcome function's own environment — on AWS its configuration
 * (lambda:GetFunctionConfiguration), locally the resolved serverless.yml — so the redrive sends the very mail the
 * function sends, to the tables and queue it uses. What the operator needs, and nothing more:
 *   lambda:GetFunctionConfiguration on <service>-<stage>-welcome;
 *   dynamodb:Scan, dynamodb:GetItem (is the address suppressed) and dynamodb:UpdateItem on SubscribersTable;
 *   dynamodb:GetItem, PutItem, UpdateItem, DeleteItem on WelcomeIdempotencyTable (the shared idempotency records);
 *   ses:SendEmail on the stage's sender identity and on its welcome configuration set (WelcomeConfigurationSet);
 *   sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility on WelcomeFailuresQueue.
 */
import { parseArgs } from 'node:util';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { sesv2Config } from '../functions/lib/clients/sesv2';
import { DynamoDbSubscriberStore } from '../functions/lib/subscribers';
import { welcomeDelivery } from '../functions/welcome/deliver';
import { pacedMailer, SesMailer } from '../functions/welcome/mailer';
import { localEnv } from './local/stack';
import { localClientConfig, localPorts } from './local/ports';
import { loadServiceConfig, type ServiceConfig } from './local/service-config';
import { streamSubscriptions } from './local/streams/subscriptions';
import { formatSummary, redriveWelcome, type FailureMessage } from './redrive/welcome';

const USAGE = `Usage: npm run redrive -- --stage <stage> welcome [--region <region>]

Resends the welcome mail of every subscriber whose welcome failed (welcomeStatus failed, or no status on an item
older than the event source's record age limit), exactly once: a mail already sent is never sent again, also while
the stream retries. Deletes WelcomeFailuresQueue's on-failure records once every subscriber is settled.
Exit status 1 while anything is still failing.`;

/** Longer than a run takes: the messages stay hidden from a concurrent redrive until this one settles them. */
const HOLD_SECONDS = 900;
/** How long one send may hold its idempotency record before another delivery may take over (Lambda: the timeout). */
const SEND_HOLD_MS = 60_000;

interface Target {
  env: Record<string, string>;
  clients: { dynamodb: DynamoDBClient; ses: SESv2Client; sqs: SQSClient };
}

async function target(stage: string, region: string, config: ServiceConfig): Promise<Target> {
  const functionName = `${config.service}-${stage}-welcome`;
  if (stage === 'local') {
    const local = { ...localEnv(localPorts()), ...pickEndpoints(process.env) };
    const env = Object.fromEntries(
      Object.entries(config.functions.welcome?.environment ?? {}).map(([name, value]) => [name, String(value)]),
    );
    return {
      env,
      clients: {
        dynamodb: new DynamoDBClient(localClientConfig(local.AWS_ENDPOINT_URL_DYNAMODB)),
        ses: new SESv2Client({ ...localClientConfig(local.AWS_ENDPOINT_URL_SESV2), ...sesv2Config() }),
        sqs: new SQSClient(localClientConfig(local.AWS_ENDPOINT_URL_SQS)),
      },
    };
  }
  const lambda = new LambdaClient({ region });
  try {
    const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    return {
      env: fn.Environment?.Variables ?? {},
      clients: {
        dynamodb: new DynamoDBClient({ region }),
        ses: new SESv2Client({ region, ...sesv2Config() }),
        sqs: new SQSClient({ region }),
      },
    };
  } finally {
    lambda.destroy();
  }
}

const pickEndpoints = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[0].startsWith('AWS_ENDPOINT_URL_') && !!entry[1]));

function required(env: Record<string, string>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`the welcome function has no ${name}; deploy the stage first`);
  return value;
}

function queue(sqs: SQSClient, queueUrl: string) {
  const batches = <T>(items: T[]) => Array.from({ length: Math.ceil(items.length / 10) }, (_, i) => items.slice(i * 10, i * 10 + 10));
  return {
    async receiveAll(): Promise<FailureMessage[]> {
      const all: FailureMessage[] = [];
      for (;;) {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: HOLD_SECONDS, WaitTimeSeconds: 0 }),
        );
        if (!Messages?.length) return all;
        for (const m of Messages) all.push({ receiptHandle: m.ReceiptHandle ?? '', body: m.Body ?? '' });
      }
    },
    async delete(messages: FailureMessage[]): Promise<void> {
      for (const batch of batches(messages)) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receiptHandle })),
          }),
        );
      }
    },
    async release(messages: FailureMessage[]): Promise<void> {
      for (const batch of batches(messages)) {
        await sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receiptHandle, VisibilityTimeout: 0 })),
          }),
        );
      }
    },
  };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { stage: { type: 'string' }, region: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return console.log(USAGE);
  if (!values.stage || positionals.join(' ') !== 'welcome') {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const stage = values.stage;
  const region = values.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const config = await loadServiceConfig(stage, stage === 'local' ? localEnv(localPorts()) : {});
  const stream = streamSubscriptions(config).find((s) => s.functionKey === 'welcome');
  if (!stream) throw new Error('serverless.yml has no stream event for the welcome function');
  const { env, clients } = await target(stage, region, config);
  try {
    const store = new DynamoDbSubscriberStore(
      DynamoDBDocumentClient.from(clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
      required(env, 'SUBSCRIBERS_TABLE'),
    );
    const delivery = welcomeDelivery({
      mailer: pacedMailer(new SesMailer(clients.ses, required(env, 'WELCOME_SENDER'), required(env, 'WELCOME_CONFIGURATION_SET')), Number(env.SES_MAX_SEND_RATE ?? 1)),
      store,
      settings: { unsubscribeBaseUrl: required(env, 'UNSUBSCRIBE_BASE_URL'), siteUrl: required(env, 'SITE_URL') },
      persistenceStore: new DynamoDBPersistenceLayer({ tableName: required(env, 'IDEMPOTENCY_TABLE'), awsSdkV3Client: clients.dynamodb }),
      // As the function's (functions/welcome/config.ts): longer than the stream's retention and the age limit.
      idempotencyTtlSeconds: Number(env.IDEMPOTENCY_TTL_SECONDS ?? 172_800),
    });
    // Not a Lambda: each send may hold its subscription for SEND_HOLD_MS, after which a crashed run's hold lapses.
    delivery.registerLambdaContext({ getRemainingTimeInMillis: () => SEND_HOLD_MS } as Context);
    // An item with no status older than the record age limit: the event source gave up without the function noting.
    const ageLimitMs = (stream.maximumRecordAgeSeconds < 0 ? 86_400 : stream.maximumRecordAgeSeconds) * 1000;
    const summary = await redriveWelcome({
      candidates: store.welcomeCandidates(new Date(Date.now() - ageLimitMs)),
      deliver: (job) => delivery.deliver(job),
      failures: queue(clients.sqs, required(env, 'WELCOME_FAILURES_QUEUE_URL')),
    });
    console.log(formatSummary(summary));
    if (summary.stillFailing.length > 0 || summary.inProgress.length > 0) process.exitCode = 1;
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
