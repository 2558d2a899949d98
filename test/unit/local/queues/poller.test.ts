/**
 * The SQS event source mapping stand-in against a real fauxqs and a fake Lambda API, each test quoting the behaviour
 * of "Using Lambda with Amazon SQS" / "Handling errors for an SQS event source in Lambda" (Lambda developer guide) it
 * checks. The queues are made from a template by the stack's own cloudformation/queues.ts, attributes included.
 */
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSEvent } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMessaging } from '../../../../scripts/local/cloudformation/queues';
import { invoke } from '../../../../scripts/local/common/invoke';
import { startQueuePoller, type QueuePoller } from '../../../../scripts/local/queues/poller';
import { queueSubscriptions } from '../../../../scripts/local/queues/subscriptions';
import type { ServiceConfig } from '../../../../scripts/local/service-config';
import { startFakeLambda, type FakeLambda } from '../../../support/fake-lambda';
import { startFauxqs, type Fauxqs } from '../../../support/fauxqs';

jest.setTimeout(30_000);

let fauxqs: Fauxqs;
let lambda: FakeLambda;
/** What each fake function does with its events, by function name (every test has its own service). */
const behaviours = new Map<string, (event: SQSEvent) => unknown>();
const pollers: QueuePoller[] = [];
let services = 0;

beforeAll(async () => {
  fauxqs = await startFauxqs();
  lambda = await startFakeLambda((event, name) => (behaviours.get(name) ?? (() => undefined))(event as SQSEvent));
});
afterAll(async () => {
  await Promise.all(pollers.map((poller) => poller.stop()));
  await lambda?.close();
  await fauxqs?.stop();
});

/**
 * A service of its own whose function `worker` reads WorkQueue (visibility 2 s, DLQ after 2 receives) with these
 * event settings and does `behaviour` with each event; the tests run side by side, each on its own queues.
 */
async function mapping(sqsEvent: Record<string, unknown> = {}, queue: Record<string, unknown> = {}, behaviour: (event: SQSEvent) => unknown = () => undefined) {
  services += 1;
  const config = {
    service: `svc${services}`,
    provider: { stage: 'local', timeout: 1 },
    params: {},
    functions: { worker: { handler: 'h', events: [{ sqs: { arn: { 'Fn::GetAtt': ['WorkQueue', 'Arn'] }, ...sqsEvent } }] } },
    resources: {
      Resources: {
        WorkQueue: {
          Type: 'AWS::SQS::Queue',
          Properties: { VisibilityTimeout: 2, RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['WorkDeadLetterQueue', 'Arn'] }, maxReceiveCount: 2 }, ...queue },
        },
        WorkDeadLetterQueue: { Type: 'AWS::SQS::Queue' },
      },
    },
  } as unknown as ServiceConfig;
  const { queues } = await createMessaging(config, fauxqs.sqs, {} as SNSClient);
  const [subscription] = queueSubscriptions(config, queues);
  const name = subscription!.functionName;
  behaviours.set(name, behaviour);
  const start = () => {
    const poller = startQueuePoller(subscription!, { sqs: fauxqs.sqs, invoke: (event) => invoke(lambda.client, name, event), log: () => undefined });
    pollers.push(poller);
    return poller;
  };
  const invocations = () => lambda.invocations.filter((invocation) => invocation.functionName === name);
  const events = () => invocations().map((invocation) => invocation.event as SQSEvent);
  return { subscription: subscription!, queue: queues.get('WorkQueue')!, dlq: queues.get('WorkDeadLetterQueue')!, start, invocations, events };
}

const send = (url: string, body: string, attributes = {}) =>
  fauxqs.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageAttributes: attributes }));

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

/** Messages the queue holds, visible or in flight. */
async function held(url: string): Promise<number> {
  const { Attributes = {} } = await fauxqs.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}

const bodies = (event: SQSEvent | undefined) => (event?.Records ?? []).map((record) => record.body);

describe('the queues of the template (cloudformation/queues.ts)', () => {
  it.concurrent('are made with their VisibilityTimeout and their RedrivePolicy naming the dead-letter queue', async () => {
    // Prepare
    const { queue, dlq } = await mapping();

    // Act
    const { Attributes = {} } = await fauxqs.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }));

    // Assess
    expect(Attributes.VisibilityTimeout).toBe('2');
    expect(JSON.parse(Attributes.RedrivePolicy ?? '{}')).toEqual({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 });
  });
});

describe('batching', () => {
  it.concurrent('gathers one batch until the window has passed since its first message ("continues to poll messages until the batching window expires"), then deletes it', async () => {
    // Prepare
    const { queue, start, invocations, events } = await mapping({ batchSize: 100, maximumBatchingWindow: 2 }, { VisibilityTimeout: 10 });
    start();

    // Act
    const first = Date.now();
    await send(queue.url, 'a', { kind: { DataType: 'String', StringValue: 'page' } });
    await sleep(500);
    await send(queue.url, 'b');
    await sleep(500);
    await send(queue.url, 'c');
    await until(() => invocations().length > 0);
    await sleep(300);

    // Assess
    expect(invocations()).toHaveLength(1);
    expect(bodies(events()[0]).sort()).toEqual(['a', 'b', 'c']);
    const waited = invocations()[0]!.at - first;
    expect(waited).toBeGreaterThanOrEqual(1900);
    expect(waited).toBeLessThan(4000);
    expect(invocations()[0]!.invocationType).toBe('RequestResponse');
    await until(() => true);
    expect(await held(queue.url)).toBe(0);
  });

  it.concurrent('hands each record over in the event shape of "example standard queue message event"', async () => {
    // Prepare
    const { queue, subscription, start, invocations, events } = await mapping();
    start();

    // Act
    const sent = await send(queue.url, '{"hello":"world"}', { kind: { DataType: 'String', StringValue: 'page' } });
    await until(() => invocations().length > 0);

    // Assess
    const record = events()[0]!.Records[0]!;
    expect(record).toEqual({
      messageId: sent.MessageId,
      receiptHandle: expect.any(String) as string,
      body: '{"hello":"world"}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d{13}$/) as string,
        SenderId: expect.any(String) as string,
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/) as string,
      },
      messageAttributes: { kind: { stringValue: 'page', stringListValues: [], binaryListValues: [], dataType: 'String' } },
      md5OfBody: createHash('md5').update('{"hello":"world"}').digest('hex'),
      md5OfMessageAttributes: sent.MD5OfMessageAttributes,
      eventSource: 'aws:sqs',
      eventSourceARN: subscription.queueArn,
      awsRegion: 'us-east-1',
    });
  });

  it.concurrent('invokes as soon as the batch is full, before the window ends', async () => {
    // Prepare
    const { queue, start, invocations, events } = await mapping({ batchSize: 12, maximumBatchingWindow: 30 });
    start();

    // Act
    const first = Date.now();
    for (let n = 0; n < 12; n += 1) await send(queue.url, `m${n}`);
    await until(() => invocations().length > 0);

    // Assess
    expect(invocations()[0]!.at - first).toBeLessThan(5000);
    expect(bodies(events()[0])).toHaveLength(12);
  });

  it.concurrent('keeps one record of a message received again within the window (a visibility timeout shorter than the window), counting every receive', async () => {
    // Prepare
    const { queue, start, invocations, events } = await mapping({ batchSize: 100, maximumBatchingWindow: 3 }, { VisibilityTimeout: 1, RedrivePolicy: undefined });
    start();

    // Act
    await send(queue.url, 'slow');
    await until(() => invocations().length > 0);
    await sleep(300);

    // Assess
    const records = events()[0]!.Records;
    expect(records.map((record) => record.body)).toEqual(['slow']);
    expect(Number(records[0]!.attributes.ApproximateReceiveCount)).toBeGreaterThanOrEqual(2);
  });

  it.concurrent('keeps at most maximumConcurrency batches in flight at once', async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;
    const behaviour = async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await sleep(600);
      inFlight -= 1;
    };
    const { queue, start, invocations } = await mapping({ batchSize: 1, maximumConcurrency: 2 }, {}, behaviour);
    start();

    // Act
    for (let n = 0; n < 5; n += 1) await send(queue.url, `m${n}`);
    await until(() => invocations().length === 5 && inFlight === 0);

    // Assess
    expect(most).toBe(2);
  });
});

describe('failures', () => {
  it.concurrent('with ReportBatchItemFailures deletes the rest and receives the failed message again after the visibility timeout', async () => {
    // Prepare
    let calls = 0;
    const behaviour = (event: SQSEvent) => {
      calls += 1;
      const failed = calls === 1 ? event.Records.filter((record) => record.body === 'bad') : [];
      return { batchItemFailures: failed.map((record) => ({ itemIdentifier: record.messageId })) };
    };
    const { queue, start, invocations, events } = await mapping({ batchSize: 10, maximumBatchingWindow: 1, functionResponseType: 'ReportBatchItemFailures' }, {}, behaviour);
    start();

    // Act
    await send(queue.url, 'good');
    await send(queue.url, 'bad');
    await send(queue.url, 'fine');
    await until(() => invocations().length === 2);

    // Assess
    expect(bodies(events()[0]).sort()).toEqual(['bad', 'fine', 'good']);
    expect(bodies(events()[1])).toEqual(['bad']);
    expect(events()[1]!.Records[0]!.attributes.ApproximateReceiveCount).toBe('2');
    expect(invocations()[1]!.at - invocations()[0]!.at).toBeGreaterThanOrEqual(1900);
    await sleep(200);
    expect(await held(queue.url)).toBe(0);
  });

  it.concurrent.each([
    ['an itemIdentifier naming no message of the batch', { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] }],
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['an itemIdentifier with a bad key name', { batchItemFailures: [{ itemId: 'x' }] }],
  ])('treats the batch as a complete failure for %s: every message comes back', async (_, answer) => {
    // Prepare
    let calls = 0;
    const behaviour = () => (calls++ === 0 ? answer : undefined);
    const { queue, start, invocations, events } = await mapping({ batchSize: 10, maximumBatchingWindow: 1, functionResponseType: 'ReportBatchItemFailures' }, {}, behaviour);
    start();

    // Act
    await send(queue.url, 'one');
    await send(queue.url, 'two');
    await until(() => invocations().length === 2);

    // Assess
    expect(bodies(events()[1]).sort()).toEqual(['one', 'two']);
    expect(events()[1]!.Records.map((record) => record.attributes.ApproximateReceiveCount)).toEqual(['2', '2']);
  });

  it.concurrent('on a function error deletes nothing: the batch comes back after the visibility timeout', async () => {
    // Prepare
    let calls = 0;
    const behaviour = () => {
      if (calls++ === 0) throw new Error('boom');
    };
    const { queue, start, invocations, events } = await mapping({}, {}, behaviour);
    start();

    // Act
    const sentAt = Date.now();
    await send(queue.url, 'x');
    await until(() => invocations().length === 2);

    // Assess: the 2 s run from the receive, which is after the send (the first invocation itself may come late on a
    // loaded machine, so it is no reference)
    expect(invocations()[1]!.at - sentAt).toBeGreaterThanOrEqual(1950);
    expect(bodies(events()[1])).toEqual(['x']);
    await sleep(200);
    expect(await held(queue.url)).toBe(0);
  });

  it.concurrent('without ReportBatchItemFailures reads a returned batchItemFailures as success', async () => {
    // Prepare
    const behaviour = (event: SQSEvent) => ({ batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })) });
    const { queue, start, invocations } = await mapping({}, {}, behaviour);
    start();

    // Act
    await send(queue.url, 'x');
    await until(() => invocations().length === 1);
    await sleep(2500);

    // Assess
    expect(invocations()).toHaveLength(1);
    expect(await held(queue.url)).toBe(0);
  });

  it.concurrent("moves a message that keeps failing to the dead-letter queue after maxReceiveCount receives (the queue's RedrivePolicy, done by fauxqs)", async () => {
    // Prepare
    const behaviour = () => {
      throw new Error('always');
    };
    const { queue, dlq, start, invocations, events } = await mapping({}, { VisibilityTimeout: 1 }, behaviour);
    start();

    // Act
    await send(queue.url, 'poison');
    await until(() => invocations().length === 2);
    await sleep(1800);
    const dead = await fauxqs.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, WaitTimeSeconds: 1 }));

    // Assess
    expect(invocations()).toHaveLength(2);
    expect(events().map((event) => event.Records[0]!.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    expect(dead.Messages?.map((message) => message.Body)).toEqual(['poison']);
    expect(await held(queue.url)).toBe(0);
  });
});

describe('filters and stopping', () => {
  it.concurrent('deletes without an invocation the messages that match no filter pattern ("Lambda automatically deletes them")', async () => {
    // Prepare
    const { queue, start, invocations, events } = await mapping({ batchSize: 10, maximumBatchingWindow: 1, filterPatterns: [{ body: { type: ['thumbnails.ready'] } }] });
    start();

    // Act
    await send(queue.url, '{"type":"thumbnails.ready"}');
    await send(queue.url, '{"type":"thumbnails.failed"}');
    await send(queue.url, 'not json');
    await until(() => invocations().length === 1);
    await sleep(300);

    // Assess
    expect(bodies(events()[0])).toEqual(['{"type":"thumbnails.ready"}']);
    expect(await held(queue.url)).toBe(0);
  });

  it.concurrent('on stop, makes the messages it gathered and has not handed over visible again at once', async () => {
    // Prepare
    const { queue, start, invocations } = await mapping({ batchSize: 100, maximumBatchingWindow: 30 }, { VisibilityTimeout: 10 });
    const poller = start();
    await send(queue.url, 'waiting');
    await sleep(1500); // received: in the batch being gathered, invisible to others

    // Act
    await poller.stop();
    const again = await fauxqs.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 0 }));

    // Assess
    expect(invocations()).toHaveLength(0);
    expect(again.Messages?.map((message) => message.Body)).toEqual(['waiting']);
  });

  it.concurrent('on stop, lets the batch in flight finish and deletes it', async () => {
    // Prepare
    const behaviour = () => sleep(800);
    const { queue, start, invocations } = await mapping({}, {}, behaviour);
    const poller = start();
    await send(queue.url, 'busy');
    await until(() => invocations().length === 1);

    // Act
    await poller.stop();

    // Assess
    expect(await held(queue.url)).toBe(0);
  });
});
