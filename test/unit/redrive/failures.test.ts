/**
 * The redrive of the dead-letter and on-failure queues without I/O (scripts/redrive/): the asynchronous invocation
 * record as "Capturing records of Lambda asynchronous invocations" shows it, the S3 event's references, and the SQS
 * message move task as "StartMessageMoveTask" / "ListMessageMoveTasks" (SQS API reference) describe it.
 */
import { inspect, letterOf, moveLocally, moveSettled, moveWithTask, type MoveTask } from '../../../scripts/redrive/dead-letter';
import { formatOnFailure, onFailureSettled, parseAsyncRecord, redriveOnFailure, type Reinvoked } from '../../../scripts/redrive/on-failure';
import { uploadReferences } from '../../../scripts/redrive/references';
import type { HeldQueue, QueueMessage } from '../../../scripts/redrive/sqs-queue';

const FUNCTION = 'serverless-blog-prod-thumbnails';
const BUCKET = 'serverless-blog-prod-uploads-123456789012';

/** S3's event message for one object (the key URL-encoded, as S3 writes it). */
const s3Event = (...keys: string[]) => ({
  Records: keys.map((key) => ({ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Post', s3: { bucket: { name: BUCKET }, object: { key, size: 7 } } })),
});

/** The record Lambda writes to the on-failure destination (the Lambda developer guide's example, this function's). */
const record = (payload: unknown, requestId = 'e4b46cbf-b738-xmpl-8880-a18cdf61200e', functionName = FUNCTION) => ({
  version: '1.0',
  timestamp: '2026-11-14T18:16:05.568Z',
  requestContext: { requestId, functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
  requestPayload: payload,
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  responsePayload: { errorType: 'Error', errorMessage: 'SNS unavailable' },
});

/** A queue in memory with SQS's receive / hide / delete / make visible. */
function memoryQueue(bodies: unknown[]) {
  const messages: QueueMessage[] = bodies.map((body, i) => ({
    messageId: `m${i}`,
    receiptHandle: `r${i}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {},
  }));
  const hidden = new Set<string>();
  const deleted = new Set<string>();
  const port: HeldQueue = {
    receiveAll: async () => {
      const visible = messages.filter((m) => !hidden.has(m.receiptHandle) && !deleted.has(m.receiptHandle));
      for (const m of visible) hidden.add(m.receiptHandle);
      return visible;
    },
    delete: async (done) => done.forEach((m) => (deleted.add(m.receiptHandle), hidden.delete(m.receiptHandle))),
    release: async (kept) => kept.forEach((m) => hidden.delete(m.receiptHandle)),
  };
  const left = () => messages.filter((m) => !deleted.has(m.receiptHandle)).map((m) => m.messageId);
  return { port, left, hidden, add: (m: QueueMessage) => messages.push(m) };
}

describe('the asynchronous invocation record', () => {
  it('gives the original event, the request id and the condition', () => {
    const parsed = parseAsyncRecord(JSON.stringify(record(s3Event('uploads/u/1.jpg'))), FUNCTION);
    expect(parsed).toEqual({ requestId: 'e4b46cbf-b738-xmpl-8880-a18cdf61200e', condition: 'RetriesExhausted', payload: s3Event('uploads/u/1.jpg'), error: 'SNS unavailable' });
  });

  it.each([
    ['not JSON', '{"requestContext":', 'not JSON'],
    ['no requestContext (a message of another kind)', JSON.stringify({ Records: [] }), 'no requestContext'],
    ['a requestContext without functionArn', JSON.stringify({ requestContext: { requestId: 'x', condition: 'RetriesExhausted' }, requestPayload: {} }), 'without requestId, functionArn or condition'],
    ["another function's record", JSON.stringify(record({}, 'x', 'serverless-blog-prod-reports')), 'a record of serverless-blog-prod-reports, not of serverless-blog-prod-thumbnails'],
    ['no requestPayload (dropped for size)', JSON.stringify({ ...record({}), requestPayload: undefined }), 'no requestPayload'],
  ])('is refused when it is %s', (_, body, reason) => {
    const parsed = parseAsyncRecord(body, FUNCTION);
    expect(parsed).toEqual({ malformed: expect.stringContaining(reason) as string });
  });
});

describe('the uploads an S3 event refers to', () => {
  const exists = (present: string[]) => jest.fn(async (key: string) => present.includes(key));

  it('checks each object by its decoded key and keeps the event whole while all are there', async () => {
    const check = exists(['uploads/u/my photo!.jpg']);
    const result = await uploadReferences(BUCKET, check)(s3Event('uploads/u/my+photo%21.jpg'));
    expect(check).toHaveBeenCalledWith('uploads/u/my photo!.jpg');
    expect(result).toEqual({ payload: s3Event('uploads/u/my+photo%21.jpg'), gone: [] });
  });

  it('reports a gone object with its key, and leaves it out of the event', async () => {
    const all = await uploadReferences(BUCKET, exists([]))(s3Event('uploads/u/1.jpg'));
    expect(all).toEqual({ payload: undefined, gone: [`s3://${BUCKET}/uploads/u/1.jpg`] });
    const some = await uploadReferences(BUCKET, exists(['uploads/u/2.jpg']))(s3Event('uploads/u/1.jpg', 'uploads/u/2.jpg'));
    expect(some).toEqual({ payload: s3Event('uploads/u/2.jpg'), gone: [`s3://${BUCKET}/uploads/u/1.jpg`] });
  });

  it.each([
    ['no S3 event', { detail: {} }, 'no Records'],
    ['another bucket', { Records: [{ s3: { bucket: { name: 'elsewhere' }, object: { key: 'uploads/u/1.jpg' } } }] }, 'of bucket elsewhere'],
    ['a key outside uploads/', s3Event('thumbnails/u/1/w160.webp'), 'outside uploads/'],
    ['a key that is not URL-encoded', s3Event('uploads/u/%E0%A4%A.jpg'), 'not URL-encoded'],
  ])('refuses %s without looking anything up', async (_, event, reason) => {
    const check = exists([]);
    expect(await uploadReferences(BUCKET, check)(event)).toEqual({ malformed: expect.stringContaining(reason) as string });
    expect(check).not.toHaveBeenCalled();
  });
});

describe('the on-failure redrive', () => {
  function setUp(bodies: unknown[], present: string[], reinvoke: (payload: unknown) => Promise<Reinvoked> = async () => 'accepted') {
    const queue = memoryQueue(bodies);
    const invoked: unknown[] = [];
    const deps = {
      queue: queue.port,
      functionName: FUNCTION,
      references: uploadReferences(BUCKET, async (key) => {
        if (key === 'uploads/u/forbidden.jpg') throw new Error('HeadObject was refused (403)');
        return present.includes(key);
      }),
      reinvoke: async (payload: unknown) => {
        invoked.push(payload);
        return reinvoke(payload);
      },
    };
    return { queue, invoked, deps };
  }

  it('re-invokes each record once with its event and deletes it; a second run finds nothing to do', async () => {
    // Prepare: two records whose uploads are there.
    const { queue, invoked, deps } = setUp([record(s3Event('uploads/u/1.jpg'), 'a'), record(s3Event('uploads/u/2.jpg'), 'b')], ['uploads/u/1.jpg', 'uploads/u/2.jpg']);

    // Act
    const first = await redriveOnFailure(deps);
    const second = await redriveOnFailure(deps);

    // Assess
    expect(invoked).toEqual([s3Event('uploads/u/1.jpg'), s3Event('uploads/u/2.jpg')]);
    expect(first.reinvoked.map((r) => [r.messageId, r.requestId, r.outcome])).toEqual([['m0', 'a', 'accepted'], ['m1', 'b', 'accepted']]);
    expect(queue.left()).toEqual([]);
    expect(second).toEqual({ functionName: FUNCTION, dryRun: false, reinvoked: [], gone: [], kept: [] });
    expect(onFailureSettled(first)).toBe(true);
  });

  it('reports a record whose upload is gone with its key, deletes it and invokes nothing for it', async () => {
    const { queue, invoked, deps } = setUp([record(s3Event('uploads/u/gone.jpg'), 'g')], []);

    const summary = await redriveOnFailure(deps);

    expect(invoked).toEqual([]);
    expect(summary.gone).toEqual([{ messageId: 'm0', requestId: 'g', keys: [`s3://${BUCKET}/uploads/u/gone.jpg`] }]);
    expect(queue.left()).toEqual([]);
    expect(onFailureSettled(summary)).toBe(true);
    expect(formatOnFailure('ThumbnailsFailedInvocationsQueue', summary)).toContain(`m0 request g: s3://${BUCKET}/uploads/u/gone.jpg`);
  });

  it('keeps what it cannot redrive — malformed records, an existence it cannot tell, a refused invocation — with the reason', async () => {
    const { queue, invoked, deps } = setUp(
      ['not json', record(s3Event('uploads/u/forbidden.jpg'), 'f'), record(s3Event('uploads/u/1.jpg'), 'x')],
      ['uploads/u/1.jpg'],
      async () => {
        throw new Error('TooManyRequestsException: Rate exceeded');
      },
    );

    const summary = await redriveOnFailure(deps);

    expect(summary.kept).toEqual([
      { messageId: 'm0', reason: 'not JSON' },
      { messageId: 'm1', requestId: 'f', reason: 'HeadObject was refused (403)' },
      { messageId: 'm2', requestId: 'x', reason: 'TooManyRequestsException: Rate exceeded' },
    ]);
    expect(invoked).toHaveLength(1);
    // Kept and visible again: the queue's alarm stays on, the next run tries again.
    expect(queue.left()).toEqual(['m0', 'm1', 'm2']);
    expect(queue.hidden.size).toBe(0);
    expect(onFailureSettled(summary)).toBe(false);
  });

  it('counts an invocation that failed again (locally: a new record is in the queue) as not settled', async () => {
    const { deps } = setUp([record(s3Event('uploads/u/1.jpg'))], ['uploads/u/1.jpg'], async () => 'failed-again');
    const summary = await redriveOnFailure(deps);
    expect(summary.reinvoked[0]?.outcome).toBe('failed-again');
    expect(onFailureSettled(summary)).toBe(false);
  });

  it('in a dry run lists what it would do and invokes and deletes nothing', async () => {
    const { queue, invoked, deps } = setUp([record(s3Event('uploads/u/1.jpg'), 'a'), record(s3Event('uploads/u/gone.jpg'), 'g')], ['uploads/u/1.jpg']);

    const summary = await redriveOnFailure({ ...deps, dryRun: true });

    expect(invoked).toEqual([]);
    expect(summary.reinvoked.map((r) => r.outcome)).toEqual(['dry-run']);
    expect(summary.gone.map((g) => g.requestId)).toEqual(['g']);
    expect(queue.left()).toEqual(['m0', 'm1']);
    expect(queue.hidden.size).toBe(0);
  });

  it('re-invokes a record without references (the reports schedule) with its event as it is', async () => {
    const scheduled = { version: '0', id: 'x', 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };
    const queue = memoryQueue([record(scheduled, 'r', 'serverless-blog-prod-reports')]);
    const invoked: unknown[] = [];
    const summary = await redriveOnFailure({
      queue: queue.port,
      functionName: 'serverless-blog-prod-reports',
      reinvoke: async (payload) => (invoked.push(payload), 'accepted'),
    });
    expect(invoked).toEqual([scheduled]);
    expect(summary.reinvoked).toHaveLength(1);
  });
});

describe('the dead-letter redrive', () => {
  const malformed = { condition: 'MalformedRecord', reason: 'not an S3 event notification', timestamp: '2026-12-01T00:00:00Z', record: { body: 'x' } };

  it("lists each dead letter with the function's reason when it wrote one", async () => {
    const queue = memoryQueue([malformed, '{"type":"thumbnails.ready"}', 'plain text']);
    expect(await inspect(queue.port)).toEqual([
      { messageId: 'm0', reason: 'not an S3 event notification' },
      { messageId: 'm1' },
      { messageId: 'm2' },
    ]);
    expect(queue.hidden.size).toBe(0);
    expect(letterOf({ messageId: 'z', receiptHandle: '', body: '{"condition":"MalformedRecord"}', attributes: {} })).toEqual({ messageId: 'z', reason: 'MalformedRecord' });
  });

  describe('locally, message by message', () => {
    it('sends each message to the source queue and deletes it; a second run moves nothing', async () => {
      const dlq = memoryQueue([malformed, 'plain']);
      const sent: string[] = [];
      const deps = { deadLetters: dlq.port, sendToSource: async (m: QueueMessage) => (sent.push(m.body), `new-${m.messageId}`) };

      const first = await moveLocally(deps);
      const second = await moveLocally(deps);

      expect(sent).toEqual([JSON.stringify(malformed), 'plain']);
      expect(first.moved).toEqual([{ from: 'm0', to: 'new-m0' }, { from: 'm1', to: 'new-m1' }]);
      expect(dlq.left()).toEqual([]);
      expect(second.letters).toEqual([]);
      expect(moveSettled(first)).toBe(true);
    });

    it('keeps a message it could not send, and a dry run sends nothing', async () => {
      const dlq = memoryQueue(['a', 'b']);
      const dry = await moveLocally({ deadLetters: dlq.port, sendToSource: async () => 'never', dryRun: true });
      expect(dry.letters).toHaveLength(2);
      expect(dlq.left()).toEqual(['m0', 'm1']);

      const summary = await moveLocally({
        deadLetters: dlq.port,
        sendToSource: async (m) => {
          if (m.body === 'a') throw new Error('queue does not exist');
          return 'n1';
        },
      });
      expect(summary.notMoved).toEqual([{ messageId: 'm0', reason: 'queue does not exist' }]);
      expect(dlq.left()).toEqual(['m0']);
      expect(dlq.hidden.size).toBe(0);
      expect(moveSettled(summary)).toBe(false);
    });
  });

  describe('on AWS, with a message move task', () => {
    /** SQS's move tasks for one source queue: one active at a time, StartMessageMoveTask refuses a second. */
    function sqsTasks(initial: MoveTask[] = []) {
      const tasks = [...initial];
      let clock = 1_000_000;
      const api = {
        list: jest.fn(async () => [...tasks]),
        start: jest.fn(async () => {
          if (tasks.some((t) => t.status === 'RUNNING')) throw new Error('There is already a task running. Only one active task is allowed for a source queue arn at a given time.');
          tasks.unshift({ status: 'RUNNING', taskHandle: 'h-new', startedTimestamp: clock, approximateNumberOfMessagesMoved: 0, approximateNumberOfMessagesToMove: 2 });
          return 'h-new';
        }),
      };
      const finish = (status = 'COMPLETED') => {
        const rest = { ...tasks[0]!, taskHandle: undefined };
        tasks[0] = { ...rest, status, approximateNumberOfMessagesMoved: status === 'COMPLETED' ? rest.approximateNumberOfMessagesToMove : 1 };
      };
      return { tasks, api, finish, now: () => clock, tick: (ms: number) => (clock += ms) };
    }

    it('starts a task, follows it to COMPLETED and reports what it moved', async () => {
      const sqs = sqsTasks([{ status: 'COMPLETED', startedTimestamp: 1, approximateNumberOfMessagesMoved: 4, approximateNumberOfMessagesToMove: 4 }]);
      const dlq = memoryQueue([malformed, 'plain']);
      let polls = 0;
      const summary = await moveWithTask({
        ...sqs.api,
        deadLetters: dlq.port,
        followMs: 60_000,
        now: sqs.now,
        sleep: async (ms) => {
          sqs.tick(ms);
          if (++polls === 2) sqs.finish();
        },
      });

      expect(sqs.api.start).toHaveBeenCalledTimes(1);
      expect(summary.letters.map((l) => l.reason)).toEqual(['not an S3 event notification', undefined]);
      expect(summary.task).toMatchObject({ status: 'COMPLETED', startedHere: true, stillRunning: false, approximateNumberOfMessagesMoved: 2 });
      // The messages were only looked at: SQS's task moves them (here: the fake does not).
      expect(dlq.hidden.size).toBe(0);
      expect(moveSettled(summary)).toBe(true);
    });

    it('while a task runs starts none, leaves its messages alone and follows it (a second run is safe)', async () => {
      const sqs = sqsTasks([{ status: 'RUNNING', taskHandle: 'h-old', startedTimestamp: 5, approximateNumberOfMessagesMoved: 1, approximateNumberOfMessagesToMove: 3 }]);
      const dlq = memoryQueue(['a']);
      const receive = jest.spyOn(dlq.port, 'receiveAll');

      const summary = await moveWithTask({ ...sqs.api, deadLetters: dlq.port, followMs: 0, now: sqs.now, sleep: async () => undefined });

      expect(sqs.api.start).not.toHaveBeenCalled();
      expect(receive).not.toHaveBeenCalled();
      expect(summary.task).toMatchObject({ taskHandle: 'h-old', status: 'RUNNING', startedHere: false, stillRunning: true });
      expect(moveSettled(summary)).toBe(false);
    });

    it('follows the task another run started between its list and its start, when SQS refuses a second one', async () => {
      const sqs = sqsTasks();
      const dlq = memoryQueue(['a']);
      // The other run's StartMessageMoveTask lands right after this run's list.
      sqs.api.list.mockImplementationOnce(async () => {
        sqs.tasks.unshift({ status: 'RUNNING', taskHandle: 'h-other', startedTimestamp: sqs.now(), approximateNumberOfMessagesToMove: 1 });
        return [];
      });

      const summary = await moveWithTask({ ...sqs.api, deadLetters: dlq.port, followMs: 10_000, now: sqs.now, sleep: async (ms) => void (sqs.tick(ms), sqs.finish()) });

      expect(sqs.api.start).toHaveBeenCalledTimes(1);
      expect(summary.task).toMatchObject({ status: 'COMPLETED', startedHere: false, stillRunning: false });
    });

    it('starts nothing for an empty queue or in a dry run, and reports a task that failed', async () => {
      const empty = sqsTasks();
      const nothing = await moveWithTask({ ...empty.api, deadLetters: memoryQueue([]).port, followMs: 0 });
      expect(nothing.letters).toEqual([]);
      expect(nothing.task).toBeUndefined();
      const dry = sqsTasks();
      const listed = await moveWithTask({ ...dry.api, deadLetters: memoryQueue(['a']).port, followMs: 0, dryRun: true });
      expect(listed.letters).toHaveLength(1);
      expect(empty.api.start).not.toHaveBeenCalled();
      expect(dry.api.start).not.toHaveBeenCalled();

      const failing = sqsTasks();
      const summary = await moveWithTask({
        ...failing.api,
        deadLetters: memoryQueue(['a']).port,
        followMs: 10_000,
        now: failing.now,
        sleep: async (ms) => {
          failing.tick(ms);
          failing.tasks[0] = { ...failing.tasks[0]!, status: 'FAILED', failureReason: 'AccessDenied' };
        },
      });
      expect(summary.task).toMatchObject({ status: 'FAILED', failureReason: 'AccessDenied' });
      expect(moveSettled(summary)).toBe(false);
    });
  });
});
