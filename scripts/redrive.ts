/**
 * `npm run redrive -- --stage <stage> <queue> [--dry-run]`: moves the failed work of one failure queue back for
 * another try, and prints what it moved. `local` works on the stack of `npm start` (LOCAL_PORT_OFFSET moves it); any
 * other stage on the deployed one, with the operator's AWS credentials. Safe to run twice, also at the same time.
 * Exit status 1 while anything is left that could not be moved.
 *
 * - `welcome` (WelcomeFailuresQueue): resends every failed welcome mail exactly once (scripts/redrive/welcome.ts).
 * - a dead-letter queue of scripts/redrive/queues.ts: back to its source queue (scripts/redrive/dead-letter.ts).
 * - an on-failure queue of scripts/redrive/queues.ts: the function invoked again with each record's event
 *   (scripts/redrive/on-failure.ts).
 *
 * What the operator needs on AWS, and nothing more:
 *   welcome: lambda:GetFunctionConfiguration on <service>-<stage>-welcome; dynamodb:Scan, dynamodb:GetItem (is the
 *     address suppressed) and dynamodb:UpdateItem on SubscribersTable; dynamodb:GetItem, PutItem, UpdateItem,
 *     DeleteItem on WelcomeIdempotencyTable (the shared idempotency records); ses:SendEmail on the stage's sender
 *     identity and on its welcome configuration set (WelcomeConfigurationSet); sqs:ReceiveMessage, sqs:DeleteMessage,
 *     sqs:ChangeMessageVisibility on WelcomeFailuresQueue.
 *   every other queue: cloudformation:DescribeStackResources on the stack <service>-<stage> (the queues' URLs).
 *   ThumbnailsEventsDeadLetterQueue, ReportsDeadLetterQueue: on the dead-letter queue sqs:GetQueueAttributes,
 *     sqs:ReceiveMessage and sqs:ChangeMessageVisibility (to list the messages first), sqs:StartMessageMoveTask,
 *     sqs:ListMessageMoveTasks, and sqs:DeleteMessage (the move task deletes as its caller); on the source queue
 *     (ThumbnailsEventsQueue, ReportsQueue) sqs:GetQueueAttributes and sqs:SendMessage ("Configure queue permissions
 *     for dead-letter queue redrive", SQS developer guide). The queues use SSE-SQS: no KMS permission.
 *   ThumbnailsFailedInvocationsQueue, ReportsFailedInvocationsQueue, MailFeedbackFailedInvocationsQueue:
 *     sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility on the queue; lambda:InvokeFunction on
 *     <service>-<stage>-thumbnails, -reports or -mailFeedback.
 *     Thumbnails also: lambda:GetFunctionConfiguration on the function (its uploads bucket), s3:GetObject on
 *     uploads/* of the uploads bucket (HeadObject) and s3:ListBucket on the bucket, without which S3 answers a
 *     missing key with 403 instead of 404.
 */
import { parseArgs } from 'node:util';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { sesv2Config } from '../functions/lib/clients/sesv2';
import { DynamoDbSubscriberStore } from '../functions/lib/subscribers';
import { welcomeDelivery } from '../functions/welcome/deliver';
import { pacedMailer, SesMailer } from '../functions/welcome/mailer';
import { localEnv } from './local/stack';
import { localClientConfig, localPorts } from './local/ports';
import { isStageName, loadServiceConfig, type ServiceConfig } from './local/service-config';
import { streamSubscriptions } from './local/streams/subscriptions';
import { REDRIVE_QUEUES, redriveQueue, type RedriveQueueName } from './redrive/queues';
import { redrive } from './redrive/run';
import { sqsQueue } from './redrive/sqs-queue';
import { awsContext, localContext } from './redrive/stages';
import { formatSummary, redriveWelcome } from './redrive/welcome';

const USAGE = `Usage: npm run redrive -- --stage <stage> <queue> [--dry-run] [--follow <seconds>] [--region <region>]

<queue>:
  welcome (WelcomeFailuresQueue)    resends every failed welcome mail exactly once; deletes the stream's on-failure
                                    records once every subscriber is settled (no --dry-run)
${Object.entries(REDRIVE_QUEUES)
  .map(([name, entry]) => `  ${name.padEnd(34)}${entry.kind === 'dead-letter' ? `back to ${entry.source}` : `${entry.functionKey} invoked again with each record's event`}`)
  .join('\n')}

--dry-run   lists what would be moved; moves, invokes and deletes nothing
--follow    how long to follow an SQS move task on AWS (default 600 s); run again to follow it further
Exit status 1 while anything is left that could not be moved.`;

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

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      stage: { type: 'string' },
      region: { type: 'string' },
      'dry-run': { type: 'boolean' },
      follow: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return console.log(USAGE);
  const [queueName, ...extra] = positionals;
  const welcome = queueName === 'welcome' || queueName === 'WelcomeFailuresQueue';
  const followSeconds = Number(values.follow ?? 600);
  if (
    !values.stage ||
    !isStageName(values.stage) ||
    !queueName ||
    extra.length > 0 ||
    (!welcome && !redriveQueue(queueName)) ||
    (welcome && values['dry-run']) ||
    !Number.isInteger(followSeconds) ||
    followSeconds < 0
  ) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const stage = values.stage;
  const region = values.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const config = await loadServiceConfig(stage, stage === 'local' ? localEnv(localPorts()) : {});
  if (welcome) return redriveWelcomeQueue(stage, region, config);

  const options = { dryRun: values['dry-run'] ?? false, followMs: followSeconds * 1000 };
  const context =
    stage === 'local'
      ? localContext(config, { ...localEnv(localPorts()), ...pickEndpoints(process.env) }, options)
      : await awsContext(config, stage, region, options);
  try {
    const result = await redrive(queueName as RedriveQueueName, context);
    console.log(result.text);
    if (!result.settled) process.exitCode = 1;
  } finally {
    context.destroy();
  }
}

async function redriveWelcomeQueue(stage: string, region: string, config: ServiceConfig): Promise<void> {
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
      failures: sqsQueue(clients.sqs, required(env, 'WELCOME_FAILURES_QUEUE_URL')),
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
