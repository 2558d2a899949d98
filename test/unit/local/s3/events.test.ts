/**
 * S3 event notifications on the local stack, end to end inside one test process: the real local S3 (s3rver behind
 * its gate), a real fauxqs for the queues, and a fake Lambda API. What S3 would deliver ("Amazon S3 Event
 * Notifications", "Event message structure", Amazon S3 User Guide; asynchronous invocation, Lambda developer guide).
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { localS3ClientConfig } from '../../../../scripts/local/ports';
import { startS3EventDispatch, type S3EventDispatcher } from '../../../../scripts/local/s3/events';
import type { S3Notification } from '../../../../scripts/local/s3/notifications';
import { startLocalS3, type LocalS3 } from '../../../../scripts/local/s3/server';
import { startFakeLambda, type FakeLambda } from '../../../support/fake-lambda';
import { startFauxqs, type Fauxqs } from '../../../support/fauxqs';

jest.setTimeout(30_000);

const BUCKET = 'svc-local-ingestion-bucket';
let directory: string;
let local: LocalS3;
let s3: S3Client;
let fauxqs: Fauxqs;
let lambda: FakeLambda;
let failing = new Set<string>();
let dispatcher: S3EventDispatcher | undefined;
let queues = 0;

beforeAll(async () => {
  directory = mkdtempSync(path.join(tmpdir(), 's3-events-'));
  [local, fauxqs, lambda] = await Promise.all([
    startLocalS3({ host: '127.0.0.1', port: 0, directory }),
    startFauxqs(),
    startFakeLambda((event) => {
      const key = (event as { Records: { s3: { object: { key: string } } }[] }).Records[0]?.s3.object.key ?? '';
      if (failing.has(key)) throw new Error('boom');
    }),
  ]);
  s3 = new S3Client(localS3ClientConfig(`http://127.0.0.1:${local.port}`));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  s3?.destroy();
  await Promise.all([local?.close(), fauxqs?.stop(), lambda?.close()]);
  rmSync(directory, { recursive: true, force: true });
});
beforeEach(() => {
  lambda.invocations.length = 0;
  failing = new Set();
});
afterEach(async () => {
  await dispatcher?.stop();
  dispatcher = undefined;
});

async function newQueue(): Promise<{ url: string; arn: string }> {
  queues += 1;
  const name = `events-${queues}`;
  const { QueueUrl } = await fauxqs.sqs.send(new CreateQueueCommand({ QueueName: name }));
  return { url: QueueUrl!, arn: `arn:aws:sqs:us-east-1:000000000000:${name}` };
}

const toQueue = (queue: { url: string; arn: string }, rule: Partial<S3Notification> = {}): S3Notification => ({
  bucketLogicalId: 'IngestionBucket',
  bucket: BUCKET,
  event: 's3:ObjectCreated:*',
  prefix: 'events/',
  suffix: '',
  configurationId: 'reports-rebuild',
  target: { kind: 'queue', queueLogicalId: 'ReportsQueue', queueUrl: queue.url, queueArn: queue.arn },
  ...rule,
});

const start = (notifications: S3Notification[]) => {
  dispatcher = startS3EventDispatch({ s3rver: local.server, notifications, lambda: lambda.client, sqs: fauxqs.sqs, retryDelayMs: () => 10 });
  return dispatcher;
};

async function drain(url: string): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (;;) {
    const { Messages = [] } = await fauxqs.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((message: Message) => JSON.parse(message.Body ?? '') as unknown));
  }
}

type Notification = { Records: { eventName: string; s3: { configurationId: string; bucket: { name: string; arn: string }; object: { key: string; size: number; eTag: string; sequencer: string } } }[] };

describe('S3 → SQS', () => {
  it("sends S3's s3:TestEvent when it starts, then one message per object created under the prefix, as S3's event message", async () => {
    // Prepare
    const queue = await newQueue();
    const events = start([toQueue(queue)]);
    await events.idle();
    const [test] = await drain(queue.url);

    // Act
    const body = 'parquet bytes';
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'events/dt=2024-05-01/hour=07/a b ✓.parquet', Body: body }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'errors/processing-failed/x', Body: 'x' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'events/dt=2024-05-01/hour=07/a b ✓.parquet' }));
    await events.idle();
    const messages = (await drain(queue.url)) as Notification[];

    // Assess
    expect(test).toMatchObject({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: BUCKET });
    expect(messages).toHaveLength(1);
    const [record] = messages[0]!.Records;
    expect(messages[0]!.Records).toHaveLength(1);
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: {
        configurationId: 'reports-rebuild',
        bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
        object: { key: 'events/dt%3D2024-05-01/hour%3D07/a+b+%E2%9C%93.parquet', size: Buffer.byteLength(body), eTag: put.ETag?.replace(/"/g, '') },
      },
    });
  });

  it('names an object completed by CompleteMultipartUpload as S3 does, and orders the events of a key by sequencer', async () => {
    // Prepare
    const queue = await newQueue();
    const events = start([toQueue(queue)]);
    const Key = 'events/dt=2024-05-01/hour=08/big.parquet';

    // Act
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'first' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key }));
    const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 1, Body: 'second' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    await events.idle();
    const records = ((await drain(queue.url)) as Notification[]).filter((message) => message.Records).map((message) => message.Records[0]!);

    // Assess
    expect(records.map((record) => record.eventName)).toEqual(['ObjectCreated:Put', 'ObjectCreated:CompleteMultipartUpload']);
    const [first, second] = records.map((record) => record.s3.object.sequencer.padStart(32, '0'));
    expect(second! > first!).toBe(true);
  });
});

describe('S3 → Lambda', () => {
  it('invokes the function with the same event message, and after its retries writes the on-failure record', async () => {
    // Prepare
    const failures = await newQueue();
    const notification: S3Notification = {
      ...toQueue(failures),
      target: { kind: 'function', functionKey: 'worker', functionName: 'svc-local-worker', maxRetries: 2, onFailureQueueUrl: failures.url },
    };
    const events = start([notification]);
    failing.add('events/bad+one.parquet');

    // Act
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'events/good.parquet', Body: 'g' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'events/bad one.parquet', Body: 'b' }));
    await events.idle();
    const [record] = (await drain(failures.url)) as { requestContext: Record<string, unknown>; requestPayload: Notification }[];

    // Assess
    const keys = lambda.invocations.map((invocation) => (invocation.event as Notification).Records[0]!.s3.object.key);
    expect(keys.sort()).toEqual(['events/bad+one.parquet', 'events/bad+one.parquet', 'events/bad+one.parquet', 'events/good.parquet']);
    expect((lambda.invocations[0]!.event as Notification).Records[0]).toMatchObject({ eventVersion: '2.1', eventName: 'ObjectCreated:Put' });
    expect(record!.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 3, functionArn: expect.stringContaining('function:svc-local-worker') as string });
    expect(record!.requestPayload.Records[0]!.s3.object.key).toBe('events/bad+one.parquet');
  });
});
