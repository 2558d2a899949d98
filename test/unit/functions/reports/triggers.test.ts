import type { Context, ScheduledEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MalformedNotificationError, parseNotification, reportsHandler } from '../../../../functions/reports/triggers';

const sample = <T>(file: string): T => JSON.parse(readFileSync(path.join(__dirname, '../../../../events', file), 'utf8')) as T;
const context = { functionName: 'reports-test', awsRequestId: 'request-1', getRemainingTimeInMillis: () => 120_000 } as unknown as Context;

/** Counts rebuilds (fails them while `failing` is set) and keeps the dead letters. */
function rebuilds(failing = false) {
  const calls: number[] = [];
  const letters: { record: SQSRecord; reason: string }[] = [];
  return {
    calls,
    letters,
    failing,
    deadLetters: {
      async put(record: SQSRecord, reason: string) {
        letters.push({ record, reason });
      },
    },
    async rebuild(deadlineMs: number) {
      calls.push(deadlineMs);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (this.failing) throw new Error('Athena is down');
    },
  };
}

describe('parseNotification', () => {
  const objectsCreated = sample<SQSEvent>('sqs/ingestion-objects-created.json');

  it('reads the keys of an ObjectCreated notification', () => {
    expect(parseNotification(objectsCreated.Records[0]?.body ?? '')).toEqual({
      kind: 'objects-created',
      keys: ['events/dt=2026-11-22/hour=05/serverless-blog-local-analytics-1-2026-11-22-05-00-00-0a1b2c3d.parquet'],
    });
  });

  it("knows S3's test event, which asks for nothing", () => {
    expect(parseNotification(objectsCreated.Records[2]?.body ?? '')).toEqual({ kind: 'test' });
  });

  it.each([
    ['not JSON', 'hello'],
    ['not an object', '42'],
    ['no records', '{"Records":[]}'],
    ['another event', '{"Records":[{"eventName":"ObjectRemoved:Delete","s3":{"object":{"key":"events/x"}}}]}'],
    ['no key', '{"Records":[{"eventName":"ObjectCreated:Put","s3":{}}]}'],
  ])('refuses a message that is %s', (_, body) => {
    expect(() => parseNotification(body)).toThrow(MalformedNotificationError);
  });
});

describe('reportsHandler', () => {
  it('rebuilds once for a batch, however many objects it announces', async () => {
    // Prepare
    const deps = rebuilds();
    const handler = reportsHandler(deps);

    // Act
    const response = await handler(sample<SQSEvent>('sqs/ingestion-objects-created.json'), context);

    // Assess
    expect(deps.calls).toHaveLength(1);
    expect(response).toEqual({ batchItemFailures: [] });
  });

  it('gives the rebuild the invocation’s remaining time less a margin', async () => {
    const deps = rebuilds();
    const before = Date.now();
    await reportsHandler(deps)(sample<SQSEvent>('sqs/ingestion-objects-created.json'), context);
    expect(deps.calls[0]).toBeGreaterThanOrEqual(before + 120_000 - 5000);
    expect(deps.calls[0]).toBeLessThanOrEqual(Date.now() + 120_000 - 5000);
  });

  it('reports every record that asked for a failed rebuild, so SQS delivers them again', async () => {
    // Prepare
    const deps = rebuilds(true);
    const event = sample<SQSEvent>('sqs/ingestion-objects-created.json');

    // Act
    const response = await reportsHandler(deps)(event, context);

    // Assess: the two notifications, not S3's test event, which asked for nothing
    expect(deps.calls).toHaveLength(1);
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }, { itemIdentifier: event.Records[1]?.messageId }],
    });
  });

  it('a later batch rebuilds again (nothing is remembered between invocations)', async () => {
    const deps = rebuilds();
    const handler = reportsHandler(deps);
    await handler(sample<SQSEvent>('sqs/ingestion-objects-created.json'), context);
    await handler(sample<SQSEvent>('sqs/ingestion-objects-created.json'), context);
    expect(deps.calls).toHaveLength(2);
  });

  it('dead-letters a malformed message with the reason at once (no retry could help) and still rebuilds for the others', async () => {
    // Prepare
    const deps = rebuilds();
    const event = sample<SQSEvent>('sqs/ingestion-objects-created.json');
    const bad = { ...event.Records[0]!, messageId: 'bad-message', body: 'not json' };

    // Act
    const response = await reportsHandler(deps)({ Records: [bad, ...event.Records] }, context);

    // Assess: deleted from the queue (not reported), kept whole in the dead letters
    expect(deps.calls).toHaveLength(1);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(deps.letters).toEqual([{ record: bad, reason: 'message body is not JSON' }]);
  });

  it('reports a malformed message for another try when it cannot be dead-lettered (nothing is lost)', async () => {
    // Prepare
    const deps = rebuilds();
    deps.deadLetters.put = async () => {
      throw new Error('SQS is down');
    };
    const event = sample<SQSEvent>('sqs/ingestion-objects-created.json');
    const bad = { ...event.Records[0]!, messageId: 'bad-message', body: '{"Records":[]}' };

    // Act
    const response = await reportsHandler(deps)({ Records: [bad] }, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad-message' }] });
  });

  it('a batch of only test events rebuilds nothing', async () => {
    const deps = rebuilds();
    const event = sample<SQSEvent>('sqs/ingestion-objects-created.json');
    await reportsHandler(deps)({ Records: [event.Records[2]!] }, context);
    expect(deps.calls).toHaveLength(0);
  });

  it('the EventBridge schedule rebuilds too, and a failure is thrown for Lambda to retry', async () => {
    // Prepare
    const deps = rebuilds();
    const handler = reportsHandler(deps);
    const scheduled = sample<ScheduledEvent>('eventbridge/scheduled.json');

    // Act / Assess
    await expect(handler(scheduled, context)).resolves.toBeUndefined();
    expect(deps.calls).toHaveLength(1);
    deps.failing = true;
    await expect(handler(scheduled, context)).rejects.toThrow('Athena is down');
  });
});
