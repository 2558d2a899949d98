/**
 * `npm run redrive` on the local stage against a real fauxqs and a fake Lambda API: the queues are made from a
 * template by the stack's own cloudformation/queues.ts, named as the local stack names them, and the redrive finds
 * them as it does on `npm start` (scripts/redrive/stages.ts localContext). Only S3's HeadObject is a fake here.
 */
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SNSClient } from '@aws-sdk/client-sns';
import { createMessaging } from '../../../scripts/local/cloudformation/queues';
import type { ServiceConfig } from '../../../scripts/local/service-config';
import { redrive } from '../../../scripts/redrive/run';
import { localContext } from '../../../scripts/redrive/stages';
import { startFakeLambda, type FakeLambda } from '../../support/fake-lambda';
import { startFauxqs, type Fauxqs } from '../../support/fauxqs';

jest.setTimeout(30_000);

let fauxqs: Fauxqs;
let lambda: FakeLambda;
/** Upload keys the thumbnails function fails on (as during an S3 or SNS outage). */
const failing = new Set<string>();
let services = 0;

beforeAll(async () => {
  fauxqs = await startFauxqs();
  lambda = await startFakeLambda((event) => {
    const key = (event as { Records?: { s3: { object: { key: string } } }[] }).Records?.[0]?.s3.object.key ?? '';
    if (failing.has(key)) throw new Error(`cannot process ${key}`);
    return null;
  });
});
afterAll(async () => {
  await lambda?.close();
  await fauxqs?.stop();
});

const BUCKET = 'serverless-blog-local-uploads-bucket';
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** A service of its own (its own queues) with the stack's logical ids for the thumbnails flow. */
async function stack(options: { redrivePolicy?: boolean } = {}) {
  services += 1;
  const service = `redrive${services}`;
  const config = {
    service,
    provider: { stage: 'local' },
    params: {},
    functions: {
      thumbnails: {
        handler: 'h',
        maximumRetryAttempts: 2,
        destinations: { onFailure: { type: 'sqs', arn: getAtt('ThumbnailsFailedInvocationsQueue') } },
        environment: { UPLOADS_BUCKET: BUCKET },
      },
    },
    resources: {
      Resources: {
        ThumbnailsEventsQueue: {
          Type: 'AWS::SQS::Queue',
          Properties: options.redrivePolicy === false ? {} : { RedrivePolicy: { deadLetterTargetArn: getAtt('ThumbnailsEventsDeadLetterQueue'), maxReceiveCount: 5 } },
        },
        ThumbnailsEventsDeadLetterQueue: { Type: 'AWS::SQS::Queue' },
        ThumbnailsFailedInvocationsQueue: { Type: 'AWS::SQS::Queue' },
      },
    },
  } as unknown as ServiceConfig;
  const { queues } = await createMessaging(config, fauxqs.sqs, {} as SNSClient);
  const present = new Set<string>();
  const context = (dryRun = false) => ({
    ...localContext(config, { AWS_ENDPOINT_URL_SQS: fauxqs.url, AWS_ENDPOINT_URL_LAMBDA: lambda.url, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' }, { dryRun, followMs: 0, retryDelayMs: () => 0 }),
    objectExists: async (bucket: string, key: string) => bucket === BUCKET && present.has(key),
  });
  const url = (id: string) => queues.get(id)!.url;
  const invocations = () => lambda.invocations.filter((i) => i.functionName === `${service}-local-thumbnails`);
  return { config, context, url, present, invocations, functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${service}-local-thumbnails:$LATEST` };
}

async function drain(url: string) {
  const { Messages = [] } = await fauxqs.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30, MessageAttributeNames: ['All'] }),
  );
  return Messages;
}

const s3Event = (key: string) => ({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Post', s3: { bucket: { name: BUCKET }, object: { key } } }] });

describe('redriving a dead-letter queue locally (the move a StartMessageMoveTask makes)', () => {
  it('moves every message back to the source queue with its body and message attributes, then has nothing to move', async () => {
    // Prepare: a message SQS dead-lettered after its receives, with its attributes, and one the function wrote itself.
    const { context, url } = await stack();
    const dlq = url('ThumbnailsEventsDeadLetterQueue');
    const event = JSON.stringify({ type: 'thumbnails.ready', owner: 'u' });
    await fauxqs.sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: event, MessageAttributes: { type: { DataType: 'String', StringValue: 'thumbnails.ready' } } }));
    const letter = JSON.stringify({ condition: 'MalformedRecord', reason: 'not a thumbnails event', timestamp: '2026-12-01T00:00:00Z', record: 'x' });
    await fauxqs.sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: letter }));

    // Act
    const ctx = context();
    const first = await redrive('ThumbnailsEventsDeadLetterQueue', ctx);
    const second = await redrive('ThumbnailsEventsDeadLetterQueue', ctx);
    ctx.destroy();

    // Assess
    const moved = await drain(url('ThumbnailsEventsQueue'));
    expect(moved.map((m) => m.Body).sort()).toEqual([event, letter].sort());
    expect(moved.find((m) => m.Body === event)?.MessageAttributes?.type).toMatchObject({ DataType: 'String', StringValue: 'thumbnails.ready' });
    expect(await drain(dlq)).toEqual([]);
    expect(first.settled).toBe(true);
    expect(first.text).toContain('reason: not a thumbnails event');
    expect(first.text).toContain('2 moved, 0 not moved');
    expect(second).toEqual({ settled: true, text: expect.stringContaining('nothing to move') as string });
  });

  it('in a dry run lists the messages and leaves them in the dead-letter queue, visible', async () => {
    const { context, url } = await stack();
    await fauxqs.sqs.send(new SendMessageCommand({ QueueUrl: url('ThumbnailsEventsDeadLetterQueue'), MessageBody: 'x' }));
    const ctx = context(true);
    const result = await redrive('ThumbnailsEventsDeadLetterQueue', ctx);
    ctx.destroy();
    expect(result.text).toContain('1 message(s) in the dead-letter queue');
    expect(await drain(url('ThumbnailsEventsDeadLetterQueue'))).toHaveLength(1);
    expect(await drain(url('ThumbnailsEventsQueue'))).toEqual([]);
  });

  it("refuses to move anything when the source queue's RedrivePolicy does not name the dead-letter queue", async () => {
    const { context, url } = await stack({ redrivePolicy: false });
    await fauxqs.sqs.send(new SendMessageCommand({ QueueUrl: url('ThumbnailsEventsDeadLetterQueue'), MessageBody: 'x' }));
    const ctx = context();
    await expect(redrive('ThumbnailsEventsDeadLetterQueue', ctx)).rejects.toThrow("ThumbnailsEventsQueue's RedrivePolicy does not name ThumbnailsEventsDeadLetterQueue");
    ctx.destroy();
    expect(await drain(url('ThumbnailsEventsDeadLetterQueue'))).toHaveLength(1);
  });
});

describe('redriving an on-failure queue locally (asynchronous invocation again)', () => {
  it('re-invokes each record with its event, reports the gone upload, and leaves a new record for one that fails again', async () => {
    // Prepare: three invocation records — an upload that is there, one deleted since, one the function still fails on.
    const { context, url, present, invocations, functionArn } = await stack();
    present.add('uploads/u/ok.jpg');
    present.add('uploads/u/bad.jpg');
    failing.add('uploads/u/bad.jpg');
    const queue = url('ThumbnailsFailedInvocationsQueue');
    for (const [key, requestId] of [['uploads/u/ok.jpg', 'r-ok'], ['uploads/u/gone.jpg', 'r-gone'], ['uploads/u/bad.jpg', 'r-bad']] as const) {
      const record = { version: '1.0', requestContext: { requestId, functionArn, condition: 'RetriesExhausted', approximateInvokeCount: 3 }, requestPayload: s3Event(key) };
      await fauxqs.sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: JSON.stringify(record) }));
    }

    // Act
    const ctx = context();
    const first = await redrive('ThumbnailsFailedInvocationsQueue', ctx);

    // Assess: the ok upload once; the bad one with Lambda's two retries; nothing for the gone one.
    const keys = invocations().map((i) => (i.event as ReturnType<typeof s3Event>).Records[0]!.s3.object.key);
    expect(keys.sort()).toEqual(['uploads/u/bad.jpg', 'uploads/u/bad.jpg', 'uploads/u/bad.jpg', 'uploads/u/ok.jpg']);
    expect(first.settled).toBe(false);
    expect(first.text).toContain(`request r-gone: s3://${BUCKET}/uploads/u/gone.jpg`);
    expect(first.text).toContain('request r-bad (RetriesExhausted): failed again: a new record is in the queue');
    const left = await drain(queue);
    expect(left).toHaveLength(1);
    const again = JSON.parse(left[0]!.Body!) as { requestContext: { requestId: string }; requestPayload: unknown };
    expect(again.requestPayload).toEqual(s3Event('uploads/u/bad.jpg'));
    expect(again.requestContext.requestId).not.toBe('r-bad');

    // Act again, once the cause is fixed (the record just drained comes back visible after its timeout: send it anew).
    failing.delete('uploads/u/bad.jpg');
    await fauxqs.sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: left[0]!.Body! }));
    const second = await redrive('ThumbnailsFailedInvocationsQueue', ctx);
    const third = await redrive('ThumbnailsFailedInvocationsQueue', ctx);
    ctx.destroy();

    expect(second.settled).toBe(true);
    expect(second.text).toContain('1 re-invoked and deleted');
    expect(third.text).toContain('0 re-invoked and deleted');
    expect(invocations()).toHaveLength(5);
    expect(await drain(queue)).toEqual([]);
  });

  it('keeps a record that is no invocation record of the function, with the reason', async () => {
    const { context, url, invocations } = await stack();
    const queue = url('ThumbnailsFailedInvocationsQueue');
    await fauxqs.sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: '{"hello":"world"}' }));
    const ctx = context();
    const result = await redrive('ThumbnailsFailedInvocationsQueue', ctx);
    ctx.destroy();
    expect(result.settled).toBe(false);
    expect(result.text).toContain('not an asynchronous invocation record');
    expect(invocations()).toEqual([]);
    expect(await drain(queue)).toHaveLength(1);
  });
});
