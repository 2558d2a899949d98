/**
 * Each flow's metrics (functions/lib/flows.ts) as its functions print them: every handler driven through its own
 * module with the SDK clients' `send` faked, its stdout read as CloudWatch reads EMF (test/support/emf.ts). The names,
 * values, `service` and `stage` dimensions, and `reason` exactly where the flow promises one.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { Readable } from 'node:stream';
import { businessMetrics, captureEmf, enableMetrics, type EmfMetric } from '../../support/emf';
import { jpeg } from './thumbnails/images';

type AnyHandler = (event: unknown, context: Context) => Promise<unknown>;
type Send = (command: { constructor: { name: string }; input: Record<string, unknown> }) => unknown;

const AWS_ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const OWNER = '0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11';
const PHOTO = '3f2c6d1e-8a4b-4c5d-9e6f-7a8b9c0d1e2f';
const TOKEN = 'A'.repeat(43);

const context = {
  functionName: 'serverless-blog-test-fn',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

/** One metric as the flows promise them: service and stage always, reason only where given. */
const metric = (name: string, value: number, reason?: string): Omit<EmfMetric, 'unit'> & { unit: string } => ({
  namespace: 'serverless-blog',
  name,
  unit: 'Count',
  value,
  dimensions: { service: 'serverless-blog', stage: 'test', ...(reason === undefined ? {} : { reason }) },
});

/** Sorted by name and reason, so a test states the set it expects, not the order of the lines. */
const sorted = (metrics: EmfMetric[]): EmfMetric[] =>
  [...metrics].sort((a, b) => `${a.name}/${a.dimensions.reason ?? ''}`.localeCompare(`${b.name}/${b.dimensions.reason ?? ''}`));

/**
 * Loads a handler module afresh (its own Metrics, clients and cold start) with `env`, after faking `send` of the
 * given SDK client classes.
 */
async function load(
  handlerPath: string,
  env: Record<string, string>,
  fakes: Array<[() => Promise<{ prototype: object }>, Send]>,
): Promise<AnyHandler> {
  Object.assign(process.env, AWS_ENV, env);
  enableMetrics();
  jest.resetModules();
  for (const [client, send] of fakes) {
    const prototype = (await client()).prototype as { send: Send };
    jest.spyOn(prototype, 'send').mockImplementation(async (command) => send(command));
  }
  return ((await import(handlerPath)) as { handler: AnyHandler }).handler;
}

async function run(handler: AnyHandler, event: unknown): Promise<{ metrics: EmfMetric[]; result?: unknown; error?: unknown }> {
  const captured = await captureEmf(() => handler(event, context));
  return { ...captured, metrics: sorted(businessMetrics(captured.metrics)) };
}

const documentClient = async () => (await import('@aws-sdk/lib-dynamodb')).DynamoDBDocumentClient;
const dynamoDbClient = async () => (await import('@aws-sdk/client-dynamodb')).DynamoDBClient;
const s3Client = async () => (await import('@aws-sdk/client-s3')).S3Client;
const snsClient = async () => (await import('@aws-sdk/client-sns')).SNSClient;
const sesClient = async () => (await import('@aws-sdk/client-sesv2')).SESv2Client;
const kinesisClient = async () => (await import('@aws-sdk/client-kinesis')).KinesisClient;
const secretsClient = async () => (await import('@aws-sdk/client-secrets-manager')).SecretsManagerClient;
const athenaClient = async () => (await import('@aws-sdk/client-athena')).AthenaClient;
const sqsClient = async () => (await import('@aws-sdk/client-sqs')).SQSClient;

function httpEvent(routeKey: string, options: { body?: unknown; claims?: Record<string, unknown>; path?: Record<string, string> } = {}) {
  const [method, path] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    headers: { 'content-type': 'application/json' },
    ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    ...(options.path ? { pathParameters: options.path } : {}),
    isBase64Encoded: false,
    requestContext: {
      requestId: 'JBzqYh7OoAMEbAw=',
      timeEpoch: Date.now(),
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'Mozilla/5.0 Firefox/133.0' },
      ...(options.claims ? { authorizer: { jwt: { claims: options.claims, scopes: null } } } : {}),
    },
  };
}

const saved = { ...process.env };
afterEach(() => {
  jest.restoreAllMocks();
  process.env = { ...saved };
});

describe('subscriptions', () => {
  const subscribe = '../../../functions/subscribe/handler';

  it('subscribe counts a new address as SubscriptionsAccepted', async () => {
    const handler = await load(subscribe, { SUBSCRIBERS_TABLE: 'subscribers' }, [[documentClient, () => ({})]]);
    const { metrics, result } = await run(handler, httpEvent('POST /subscriptions', { body: { email: 'reader@example.com' } }));
    expect(result).toMatchObject({ statusCode: 202 });
    expect(metrics).toEqual([metric('SubscriptionsAccepted', 1)]);
  });

  it('subscribe counts nothing for an address already subscribed (same 202, nothing stored)', async () => {
    const { ConditionalCheckFailedException } = await import('@aws-sdk/client-dynamodb');
    const handler = await load(subscribe, { SUBSCRIBERS_TABLE: 'subscribers' }, [
      [documentClient, () => Promise.reject(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }))],
    ]);
    const { metrics, result } = await run(handler, httpEvent('POST /subscriptions', { body: { email: 'reader@example.com' } }));
    expect(result).toMatchObject({ statusCode: 202 });
    expect(metrics).toEqual([]);
  });

  it('subscribe counts a refusal with its error code as reason', async () => {
    const handler = await load(subscribe, { SUBSCRIBERS_TABLE: 'subscribers' }, [[documentClient, () => ({})]]);
    const { metrics, result } = await run(handler, httpEvent('POST /subscriptions', { body: '{"email":' }));
    expect(result).toMatchObject({ statusCode: 400 });
    expect(metrics).toEqual([metric('SubscriptionsRefused', 1, 'invalid_json')]);
  });

  it('unsubscribe counts a removed subscriber as Unsubscribed', async () => {
    const handler = await load('../../../functions/unsubscribe/handler', { SUBSCRIBERS_TABLE: 'subscribers' }, [
      [documentClient, (command) => (command.constructor.name === 'QueryCommand' ? { Items: [{ email: 'reader@example.com' }] } : {})],
    ]);
    const { metrics, result } = await run(handler, httpEvent('DELETE /subscriptions/{token}', { path: { token: TOKEN } }));
    expect(result).toMatchObject({ statusCode: 204 });
    expect(metrics).toEqual([metric('Unsubscribed', 1)]);
  });

  it('welcome counts each mail: sent, rejected by SES (with its error name), failed for now', async () => {
    // Prepare: three new subscribers; SES takes the first, refuses the second for good, is unreachable for the third
    const { MessageRejected } = await import('@aws-sdk/client-sesv2');
    const handler = await load(
      '../../../functions/welcome/handler',
      {
        SUBSCRIBERS_TABLE: 'subscribers',
        IDEMPOTENCY_TABLE: 'welcome-idempotency',
        WELCOME_SENDER: 'Blog <hello@blog.example>',
        WELCOME_CONFIGURATION_SET: 'serverless-blog-test-welcome',
        UNSUBSCRIBE_BASE_URL: 'https://api.example/subscriptions',
        SITE_URL: 'https://blog.example/',
        SES_MAX_SEND_RATE: '1000',
        SES_MAX_ATTEMPTS: '1',
        WELCOME_FAILURES_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/welcome-failures',
      },
      [
        [documentClient, () => ({})],
        [dynamoDbClient, () => ({})],
        [
          sesClient,
          (command) => {
            const to = (command.input.Destination as { ToAddresses: string[] }).ToAddresses[0];
            if (to === 'a@example.com') return { MessageId: 'message-a' };
            if (to === 'b@example.com') return Promise.reject(new MessageRejected({ message: 'Email address is on the suppression list', $metadata: {} }));
            return Promise.reject(new Error('connect ECONNREFUSED'));
          },
        ],
      ],
    );
    const record = (n: number, email: string) => ({
      eventID: String(n),
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        SequenceNumber: String(100 + n),
        NewImage: { email: { S: email }, subscriptionId: { S: `sub-${n}` }, token: { S: TOKEN } },
      },
    });

    // Act
    const { metrics, result } = await run(handler, {
      Records: [record(1, 'a@example.com'), record(2, 'b@example.com'), record(3, 'c@example.com')],
    });

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '103' }] });
    expect(metrics).toEqual([metric('WelcomeFailed', 1), metric('WelcomeRejected', 1, 'MessageRejected'), metric('WelcomeSent', 1)]);
  });
});

describe('mail feedback', () => {
  const welcomeEnv = {
    SUBSCRIBERS_TABLE: 'subscribers',
    IDEMPOTENCY_TABLE: 'welcome-idempotency',
    WELCOME_SENDER: 'Blog <hello@blog.example>',
    WELCOME_CONFIGURATION_SET: 'serverless-blog-test-welcome',
    UNSUBSCRIBE_BASE_URL: 'https://api.example/subscriptions',
    SITE_URL: 'https://blog.example/',
    SES_MAX_SEND_RATE: '1000',
    SES_MAX_ATTEMPTS: '1',
    WELCOME_FAILURES_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/welcome-failures',
  };
  const feedbackEnv = {
    SUBSCRIBERS_TABLE: 'subscribers',
    MAIL_FEEDBACK_DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/mail-feedback-failed',
  };
  const snsEvent = (...messages: string[]) => ({
    Records: messages.map((message, i) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:eu-west-1:123456789012:feedback:sub',
      Sns: { Type: 'Notification', MessageId: `m-${i}`, TopicArn: 'arn:aws:sns:eu-west-1:123456789012:feedback', Message: message, Timestamp: '2026-12-02T00:00:00.000Z' },
    })),
  });
  const fixture = (name: string) => readFileSync(path.join(__dirname, '../../fixtures/ses', name), 'utf8');

  it('welcome counts a suppressed address as WelcomeSuppressed and sends nothing', async () => {
    const sent: unknown[] = [];
    const handler = await load('../../../functions/welcome/handler', welcomeEnv, [
      [documentClient, (command) => (command.constructor.name === 'GetCommand' ? { Item: { suppression: { reason: 'bounce-permanent', detail: '5.1.1', at: '2026-12-01T00:00:00.000Z' } } } : {})],
      [dynamoDbClient, () => ({})],
      [sesClient, (command) => (sent.push(command), { MessageId: 'never' })],
    ]);
    const { metrics, result } = await run(handler, {
      Records: [{
        eventID: '1',
        eventName: 'INSERT',
        eventSource: 'aws:dynamodb',
        dynamodb: { SequenceNumber: '101', NewImage: { email: { S: 'gone@example.com' }, subscriptionId: { S: 'sub-1' }, token: { S: TOKEN } } },
      }],
    });
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sent).toEqual([]);
    expect(metrics).toEqual([metric('WelcomeSuppressed', 1)]);
  });

  it('mailFeedback counts each report by its reason, the subscribers it suppressed, and a malformed one', async () => {
    // Prepare: a permanent bounce of a subscriber, then a complaint about the same address (suppressed by then), then
    // a message that is not an SES report. The table: one subscriber; a second suppression fails its condition.
    const { ConditionalCheckFailedException } = await import('@aws-sdk/client-dynamodb');
    const suppressed = new Set<string>();
    const handler = await load('../../../functions/mail-feedback/handler', feedbackEnv, [
      [documentClient, (command) => {
        if (command.constructor.name !== 'UpdateCommand') return { Item: { email: 'recipient@example.com' } };
        const { email } = command.input.Key as { email: string };
        if (email !== 'recipient@example.com' || suppressed.has(email)) {
          return Promise.reject(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
        }
        suppressed.add(email);
        return {};
      }],
      [sqsClient, () => ({ MessageId: 'dead-letter' })],
    ]);

    // Act
    const { metrics, error } = await run(handler, snsEvent(fixture('event-bounce-permanent.json'), fixture('event-complaint.json'), '{"not":"ses"}'));

    // Assess
    expect(error).toBeUndefined();
    expect(metrics).toEqual([
      metric('MailFeedback', 1, 'bounce-permanent'),
      metric('MailFeedback', 1, 'complaint'),
      metric('MailFeedback', 1, 'malformed'),
      metric('SubscribersSuppressed', 1),
    ]);
  });
});

describe('photos', () => {
  it('upload-url counts a presigned POST as UploadsSigned', async () => {
    const handler = await load(
      '../../../functions/upload-url/handler',
      { UPLOADS_BUCKET: 'uploads', MAX_UPLOAD_BYTES: '20971520', PHOTOS_TABLE: 'photos', UPLOADS_PER_DAY: '50' },
      [[documentClient, (command) => (command.constructor.name === 'UpdateCommand' ? { Attributes: { count: 1 } } : {})]],
    );
    const { metrics, result } = await run(
      handler,
      httpEvent('POST /uploads', { claims: { sub: OWNER }, body: { contentType: 'image/jpeg', size: 1000 } }),
    );
    expect(result).toMatchObject({ statusCode: 201 });
    expect(metrics).toEqual([metric('UploadsSigned', 1)]);
  });

  it('upload-url counts a refusal with its error code as reason', async () => {
    const handler = await load(
      '../../../functions/upload-url/handler',
      { UPLOADS_BUCKET: 'uploads', MAX_UPLOAD_BYTES: '20971520', PHOTOS_TABLE: 'photos', UPLOADS_PER_DAY: '50' },
      [[documentClient, () => ({})]],
    );
    const { metrics, result } = await run(handler, httpEvent('POST /uploads', { claims: { sub: OWNER } }));
    expect(result).toMatchObject({ statusCode: 400 });
    expect(metrics).toEqual([metric('UploadsRefused', 1, 'body_required')]);
  });

  describe('thumbnails', () => {
    const env = {
      UPLOADS_BUCKET: 'uploads',
      THUMBNAILS_BUCKET: 'thumbnails',
      THUMBNAILS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:thumbnails',
      THUMBNAILS_BASE_URL: 'https://cdn.example',
      THUMBNAIL_WIDTHS: '160',
    };
    const s3Event = { Records: [{ s3: { bucket: { name: 'uploads' }, object: { key: `uploads/${OWNER}/${PHOTO}.jpg` } } }] };
    const upload = (bytes: Buffer): Send => (command) =>
      command.constructor.name === 'HeadObjectCommand'
        ? { ContentLength: bytes.length }
        : command.constructor.name === 'GetObjectCommand'
          ? { ContentLength: bytes.length, Body: Readable.from([bytes]) }
          : {};

    it('counts an upload turned into thumbnails as ThumbnailsReady', async () => {
      const handler = await load('../../../functions/thumbnails/handler', env, [
        [s3Client, upload(await jpeg(320, 240))],
        [snsClient, () => ({ MessageId: 'published' })],
      ]);
      const { metrics, error } = await run(handler, s3Event);
      expect(error).toBeUndefined();
      expect(metrics).toEqual([metric('ThumbnailsReady', 1)]);
    });

    it('counts an upload that can never become thumbnails as ThumbnailsFailed, by reason', async () => {
      const handler = await load('../../../functions/thumbnails/handler', env, [
        [s3Client, upload(Buffer.from('not an image at all'))],
        [snsClient, () => ({ MessageId: 'published' })],
      ]);
      const { metrics, error } = await run(handler, s3Event);
      expect(error).toBeUndefined();
      expect(metrics).toEqual([metric('ThumbnailsFailed', 1, 'unsupported_format')]);
    });
  });

  it('deletePhoto counts a deleted photo as PhotosDeleted', async () => {
    const item = {
      owner: OWNER,
      photoId: PHOTO,
      status: 'ready',
      createdAt: '2026-05-01T10:00:00.000Z',
      updatedAt: '2026-05-01T10:00:05.000Z',
      uploadKey: `uploads/${OWNER}/${PHOTO}.jpg`,
      contentType: 'image/jpeg',
      thumbnails: [],
    };
    const handler = await load(
      '../../../functions/delete-photo/handler',
      { PHOTOS_TABLE: 'photos', UPLOADS_BUCKET: 'uploads', THUMBNAILS_BUCKET: 'thumbnails' },
      [
        [documentClient, (command) => (command.constructor.name === 'GetCommand' ? { Item: item } : {})],
        [s3Client, () => ({})],
      ],
    );
    const { metrics, result } = await run(handler, httpEvent('DELETE /photos/{id}', { claims: { sub: OWNER }, path: { id: PHOTO } }));
    expect(result).toMatchObject({ statusCode: 204 });
    expect(metrics).toEqual([metric('PhotosDeleted', 1)]);
  });
});

describe('paid content', () => {
  it('registration counts a new user as UsersRegistered', async () => {
    const handler = await load('../../../functions/registration/handler', { USERS_TABLE: 'users' }, [[documentClient, () => ({})]]);
    const { metrics } = await run(handler, {
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      request: { userAttributes: { sub: OWNER, email: 'reader@example.com' } },
    });
    expect(metrics).toEqual([metric('UsersRegistered', 1)]);
  });

  it('plan counts a change with the new plan as reason', async () => {
    const handler = await load('../../../functions/plan/handler', { USERS_TABLE: 'users' }, [
      [documentClient, () => ({ Attributes: { userId: OWNER, email: 'reader@example.com', plan: 'premium', createdAt: '2026-01-01T00:00:00.000Z' } })],
    ]);
    const { metrics, result } = await run(
      handler,
      httpEvent('PUT /users/{userId}/plan', { claims: { sub: 'admin-1', 'cognito:groups': '[admins]' }, path: { userId: OWNER }, body: { plan: 'premium' } }),
    );
    expect(result).toMatchObject({ statusCode: 200 });
    expect(metrics).toEqual([metric('PlanChanges', 1, 'premium')]);
  });

  describe('signedUrl', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const env = {
      USERS_TABLE: 'users',
      PREMIUM_BUCKET: 'premium',
      PREMIUM_BASE_URL: 'https://premium.example',
      CLOUDFRONT_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
      CLOUDFRONT_PRIVATE_KEY_SECRET: 'cloudfront-private-key',
    };
    const premiumUser = { userId: OWNER, email: 'reader@example.com', plan: 'premium', createdAt: '2026-01-01T00:00:00.000Z' };
    const fakes = (user: unknown): Array<[() => Promise<{ prototype: object }>, Send]> => [
      [documentClient, () => (user === undefined ? {} : { Item: user })],
      [s3Client, () => ({ Contents: [{ Key: 'premium/videos/intro/a.mp4' }], KeyCount: 1 })],
      [secretsClient, () => ({ SecretString: pem })],
    ];

    it('counts a signed URL as SignedUrlsIssued and a cookie set as SignedCookiesIssued', async () => {
      const handler = await load('../../../functions/signed-url/handler', env, fakes(premiumUser));
      const url = await run(handler, httpEvent('POST /premium/url', { claims: { sub: OWNER }, body: { key: 'premium/videos/intro/a.mp4' } }));
      const cookies = await run(handler, httpEvent('POST /premium/cookies', { claims: { sub: OWNER }, body: { folder: 'premium/videos/intro/' } }));
      expect([url.result, cookies.result]).toMatchObject([{ statusCode: 200 }, { statusCode: 200 }]);
      expect(url.metrics).toEqual([metric('SignedUrlsIssued', 1)]);
      expect(cookies.metrics).toEqual([metric('SignedCookiesIssued', 1)]);
    });

    it('counts a refusal with its error code as reason', async () => {
      const handler = await load('../../../functions/signed-url/handler', env, fakes(undefined));
      const { metrics, result } = await run(handler, httpEvent('POST /premium/url', { claims: { sub: OWNER }, body: { key: 'premium/videos/intro/a.mp4' } }));
      expect(result).toMatchObject({ statusCode: 403 });
      expect(metrics).toEqual([metric('SignedAccessRefused', 1, 'not_premium')]);
    });
  });
});

describe('analytics', () => {
  const eventsEnv = { EVENTS_STREAM: 'analytics-stream', EVENTS_PUT_ATTEMPTS: '1', EVENTS_PUT_BASE_DELAY_MS: '1', EVENTS_PUT_MAX_DELAY_MS: '2' };
  const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const beacon = (n: number) => ({ events: Array.from({ length: n }, (_, i) => ({ eventId: uuid(i), type: 'page_view', path: '/', clientTime: new Date().toISOString() })) });
  const putRecords = (failed: boolean) => (command: { input: Record<string, unknown> }) => {
    const records = command.input.Records as unknown[];
    return {
      FailedRecordCount: failed ? records.length : 0,
      Records: records.map((_, i) => (failed ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' } : { SequenceNumber: String(i), ShardId: 'shardId-000000000000' })),
    };
  };

  it('events counts the events the stream took as EventsIngested', async () => {
    const handler = await load('../../../functions/events/handler', eventsEnv, [[kinesisClient, putRecords(false)]]);
    const { metrics, result } = await run(handler, httpEvent('POST /events', { body: beacon(3) }));
    expect(result).toMatchObject({ statusCode: 202 });
    expect(metrics).toEqual([metric('EventsIngested', 3)]);
  });

  it('events counts a refused request by its error code, and one the stream did not take as events_unavailable', async () => {
    const handler = await load('../../../functions/events/handler', eventsEnv, [[kinesisClient, putRecords(true)]]);
    const invalid = await run(handler, httpEvent('POST /events', { body: { events: [] } }));
    const unavailable = await run(handler, httpEvent('POST /events', { body: beacon(2) }));
    expect([invalid.result, unavailable.result]).toMatchObject([{ statusCode: 400 }, { statusCode: 503 }]);
    expect(invalid.metrics).toEqual([metric('EventsRefused', 1, 'invalid_events')]);
    expect(unavailable.metrics).toEqual([metric('EventsRefused', 1, 'events_unavailable')]);
  });

  it('analyticsTransform counts the events passed on and those dropped, by reason', async () => {
    const handler = await load('../../../functions/analytics-transform/handler', { IP_HASH_KEY_SECRET: 'ip-hash-key' }, [
      [secretsClient, () => ({ SecretString: 'k'.repeat(44) })],
    ]);
    const data = (eventId: string, userAgent: string) =>
      Buffer.from(
        JSON.stringify({ eventId, type: 'page_view', path: '/', clientTime: '2026-05-04T23:59:58.000Z', receivedAt: '2026-05-04T23:59:59.999Z', sourceIp: '198.51.100.23', userAgent }),
      ).toString('base64');
    const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
    const records = [
      { recordId: 'r1', data: data(uuid(1), firefox) },
      { recordId: 'r2', data: data(uuid(1), firefox) }, // a repeat of r1
      { recordId: 'r3', data: data(uuid(3), 'Googlebot/2.1 (+http://www.google.com/bot.html)') },
      { recordId: 'r4', data: Buffer.from('not json').toString('base64') },
      { recordId: 'r5', data: data(uuid(5), firefox) },
    ].map((record) => ({ ...record, approximateArrivalTimestamp: 1_777_890_030_123 }));

    const { metrics } = await run(handler, { invocationId: 'i', deliveryStreamArn: 'arn', region: 'eu-west-1', records });

    expect(metrics).toEqual([
      metric('EventsDropped', 1, 'bot'),
      metric('EventsDropped', 1, 'duplicate'),
      metric('EventsDropped', 1, 'malformed'),
      metric('EventsTransformed', 2),
    ]);
  });

  describe('reports', () => {
    const env = {
      ATHENA_WORKGROUP: 'reports',
      ATHENA_DATABASE: 'analytics',
      REPORTING_BUCKET: 'reporting',
      REPORTS_DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/reports-dlq',
      REPORT_QUERY_TIMEOUT_SECONDS: '5',
    };
    const scheduled = { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };

    it('counts a completed rebuild as ReportsBuilt', async () => {
      const handler = await load('../../../functions/reports/handler', env, [
        [
          athenaClient,
          (command) => {
            if (command.constructor.name === 'StartQueryExecutionCommand') return { QueryExecutionId: 'q-1' };
            if (command.constructor.name === 'GetQueryExecutionCommand') return { QueryExecution: { Status: { State: 'SUCCEEDED' } } };
            return { ResultSet: { Rows: [], ResultSetMetadata: { ColumnInfo: [] } } };
          },
        ],
        [s3Client, () => ({})],
        [sqsClient, () => ({})],
      ]);
      const { metrics, error } = await run(handler, scheduled);
      expect(error).toBeUndefined();
      expect(metrics).toEqual([metric('ReportsBuilt', 1)]);
    });

    it('counts a failed rebuild as ReportsFailed, published although the invocation throws', async () => {
      const handler = await load('../../../functions/reports/handler', env, [
        [athenaClient, () => Promise.reject(new Error('Athena is down'))],
        [s3Client, () => ({})],
        [sqsClient, () => ({})],
      ]);
      const { metrics, error } = await run(handler, scheduled);
      expect(error).toBeInstanceOf(Error);
      expect(metrics).toEqual([metric('ReportsFailed', 1)]);
    });
  });
});

describe('every function', () => {
  // serverless.yml's functions: each key with its handler file.
  const functions = [...readFileSync(path.join(__dirname, '../../../serverless.yml'), 'utf8').matchAll(/^ {2}([\w-]+):\n(?: {4}#.*\n)* {4}handler: (functions\/[\w-]+\/handler)\.handler$/gm)].map(
    ([, key, file]) => [key!, file!] as const,
  );

  it('is listed here from serverless.yml', () => {
    expect(functions.length).toBeGreaterThanOrEqual(18);
  });

  it.each(functions)('%s exports its handler wrapped in instrumented() under its own key', (key, file) => {
    const source = readFileSync(path.join(__dirname, '../../..', `${file}.ts`), 'utf8');
    expect(source).toMatch(new RegExp(`export const handler = instrumented\\(\\s*'${key}',`));
  });
});
