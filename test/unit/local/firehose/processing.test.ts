/**
 * The transformation contract as Firehose holds a function to it ("Transform source data in Amazon Data Firehose",
 * "Required parameters for data transformation", "Handle failure in data transformation"): the event it sends, the
 * answer it accepts, what it retries, and the document it writes for a record it could not transform.
 */
import {
  processBatch,
  processingErrorDocument,
  readResponse,
  recordIdOf,
  transformationEvent,
  type Invocation,
  type RecordOutcome,
  type SourceRecord,
} from '../../../../scripts/local/firehose/processing';

const context = {
  deliveryStreamArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/d',
  sourceKinesisStreamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
  region: 'us-east-1',
};
const LAMBDA = 'arn:aws:lambda:us-east-1:000000000000:function:f';

function record(n: number, text = `{"n":${n}}`): SourceRecord {
  const sequenceNumber = `4965000000000000000000000000000000000000000000000000000${n}`;
  return {
    recordId: recordIdOf(sequenceNumber, 0),
    shardId: 'shardId-000000000001',
    sequenceNumber,
    subsequenceNumber: 0,
    partitionKey: `key-${n}`,
    arrivalMs: 1_714_600_000_000 + n,
    data: Buffer.from(text),
  };
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const answer = (records: unknown[]) => JSON.stringify({ records });
const failedCodes = (outcomes: RecordOutcome[]) => outcomes.map((o) => (o.result === 'Failed' ? o.failure.errorCode : o.result));

describe('the transformation event', () => {
  it('has Firehose’s shape for a Kinesis data stream source', () => {
    // Act
    const event = transformationEvent([record(1)], context, 'inv-1');

    // Assess
    expect(event).toEqual({
      invocationId: 'inv-1',
      deliveryStreamArn: context.deliveryStreamArn,
      sourceKinesisStreamArn: context.sourceKinesisStreamArn,
      region: 'us-east-1',
      records: [
        {
          recordId: '4965000000000000000000000000000000000000000000000000000100000000',
          approximateArrivalTimestamp: 1_714_600_000_001,
          data: b64('{"n":1}'),
          kinesisRecordMetadata: {
            shardId: 'shardId-000000000001',
            partitionKey: 'key-1',
            approximateArrivalTimestamp: 1_714_600_000_001,
            sequenceNumber: '49650000000000000000000000000000000000000000000000000001',
            subsequenceNumber: 0,
          },
        },
      ],
    });
  });
});

describe('readResponse (the answer for a batch)', () => {
  const batch = [record(1), record(2), record(3)];
  const [one, two, three] = batch.map((r) => r.recordId) as [string, string, string];

  it('takes Ok (data and partition keys), Dropped and ProcessingFailed, whatever the order of the answer', () => {
    // Act
    const read = readResponse(
      answer([
        { recordId: three, result: 'ProcessingFailed', data: b64('{"reason":"x"}') },
        { recordId: one, result: 'Ok', data: b64('{"a":1}\n'), metadata: { partitionKeys: { dt: '2024-05-01', hour: '07' } } },
        { recordId: two, result: 'Dropped', data: b64('') },
      ]),
      batch,
      1,
    );

    // Assess
    if (!('outcomes' in read)) throw new Error('expected outcomes');
    expect(read.outcomes[0]).toEqual({ record: batch[0], result: 'Ok', data: Buffer.from('{"a":1}\n'), partitionKeys: { dt: '2024-05-01', hour: '07' } });
    expect(read.outcomes[1]).toEqual({ record: batch[1], result: 'Dropped' });
    expect(read.outcomes[2]).toMatchObject({
      result: 'Failed',
      attemptsMade: 1,
      failure: { errorCode: 'Lambda.ProcessingFailedStatus', errorMessage: 'ProcessingFailed status set for record' },
    });
  });

  it('fails only the records whose recordId the answer lacks (Lambda.MissingRecordId), also where an unknown id took its place', () => {
    // Act
    const read = readResponse(
      answer([
        { recordId: one, result: 'Ok', data: b64('{}') },
        { recordId: 'not-in-the-batch', result: 'Ok', data: b64('{}') },
      ]),
      batch,
      1,
    );

    // Assess
    if (!('outcomes' in read)) throw new Error('expected outcomes');
    expect(failedCodes(read.outcomes)).toEqual(['Ok', 'Lambda.MissingRecordId', 'Lambda.MissingRecordId']);
  });

  it.each([
    ['a recordId answered twice', answer([{ recordId: one, result: 'Ok', data: 'e30=' }, { recordId: one, result: 'Dropped', data: 'e30=' }]), 'Lambda.DuplicatedRecordId'],
    ['an unknown result', answer([{ recordId: one, result: 'Skipped', data: 'e30=' }]), 'Lambda.FunctionError'],
    ['data that is not base64', answer([{ recordId: one, result: 'Ok', data: 'not base64!' }]), 'Lambda.FunctionError'],
    ['Ok without data', answer([{ recordId: one, result: 'Ok' }]), 'Lambda.FunctionError'],
    ['partition keys that are not text', answer([{ recordId: one, result: 'Ok', data: 'e30=', metadata: { partitionKeys: { hour: 7 } } }]), 'Lambda.FunctionError'],
    ['no records list', JSON.stringify({ result: 'Ok' }), 'Lambda.JsonProcessingException'],
    ['no JSON at all', 'Task timed out', 'Lambda.JsonProcessingException'],
    ['an answer over Lambda’s 6 MB', JSON.stringify({ records: [], pad: 'x'.repeat(6 * 1024 * 1024) }), 'Lambda.FunctionError'],
  ])('fails the whole answer for %s', (_, payload, code) => {
    // Act
    const read = readResponse(payload, batch, 1);

    // Assess
    expect('failure' in read && read.failure.errorCode).toBe(code);
  });
});

describe('processBatch (invocations and retries)', () => {
  const batch = [record(1), record(2)];
  const okAnswer = answer(batch.map((r) => ({ recordId: r.recordId, result: 'Ok', data: b64('{}') })));

  function io(results: (Invocation | Error)[]) {
    const calls: unknown[] = [];
    const pauses: number[] = [];
    return {
      calls,
      pauses,
      io: {
        invoke: async (event: unknown) => {
          calls.push(event);
          const next = results.shift();
          if (next === undefined) throw new Error('more invocations than expected');
          if (next instanceof Error) throw next;
          return next;
        },
        retries: 3,
        backoff: async (attempt: number) => void pauses.push(attempt),
      },
    };
  }

  it('retries a failed invocation and takes the answer of the one that succeeds', async () => {
    // Prepare
    const fake = io([{ functionError: '{"errorMessage":"boom"}' }, { payload: okAnswer }]);

    // Act
    const outcomes = await processBatch(batch, context, fake.io);

    // Assess
    expect(failedCodes(outcomes)).toEqual(['Ok', 'Ok']);
    expect(fake.calls).toHaveLength(2);
    expect(fake.pauses).toEqual([1]);
    // Each attempt is its own invocation, the records the same.
    const [first, second] = fake.calls as { invocationId: string; records: unknown[] }[];
    expect(first!.invocationId).not.toBe(second!.invocationId);
    expect(first!.records).toEqual(second!.records);
  });

  it('after NumberOfRetries + 1 failed invocations fails every record with the last error and the attempts made', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    const fake = io([{ functionError: 'e' }, { payload: 'not json' }, { functionError: 'e' }, throttled]);

    // Act
    const outcomes = await processBatch(batch, context, fake.io);

    // Assess
    expect(fake.calls).toHaveLength(4);
    expect(outcomes).toEqual(
      batch.map((r) => ({ record: r, result: 'Failed', attemptsMade: 4, failure: { errorCode: 'Lambda.InvokeLimitExceeded', errorMessage: 'Rate exceeded' } })),
    );
  });

  it('treats an answer outside the status model as a failed invocation, retried like one', async () => {
    // Prepare
    const duplicate = answer([batch[0], batch[0], batch[1]].map((r) => ({ recordId: r!.recordId, result: 'Ok', data: 'e30=' })));
    const fake = io([{ payload: duplicate }, { payload: duplicate }, { payload: duplicate }, { payload: duplicate }]);

    // Act
    const outcomes = await processBatch(batch, context, fake.io);

    // Assess
    expect(failedCodes(outcomes)).toEqual(['Lambda.DuplicatedRecordId', 'Lambda.DuplicatedRecordId']);
    expect(outcomes.map((o) => o.result === 'Failed' && o.attemptsMade)).toEqual([4, 4]);
  });

  it('makes one attempt with NumberOfRetries 0', async () => {
    // Prepare
    const fake = io([{ functionError: 'e' }]);

    // Act
    const outcomes = await processBatch(batch, context, { ...fake.io, retries: 0 });

    // Assess
    expect(fake.calls).toHaveLength(1);
    expect(failedCodes(outcomes)).toEqual(['Lambda.FunctionError', 'Lambda.FunctionError']);
  });
});

describe('processingErrorDocument (what the error prefix gets for a record not transformed)', () => {
  it('is the documented shape, with the record’s source bytes as rawData', () => {
    // Prepare
    const source = record(7, '{"sourceIp":"203.0.113.9"}');
    const failed = { record: source, result: 'Failed' as const, attemptsMade: 4, failure: { errorCode: 'Lambda.FunctionError', errorMessage: 'm' } };

    // Act
    const document = processingErrorDocument(failed, LAMBDA, 1_714_600_009_000);

    // Assess
    expect(document).toEqual({
      attemptsMade: 4,
      arrivalTimestamp: 1_714_600_000_007,
      errorCode: 'Lambda.FunctionError',
      errorMessage: 'm',
      attemptEndingTimestamp: 1_714_600_009_000,
      rawData: b64('{"sourceIp":"203.0.113.9"}'),
      lambdaArn: LAMBDA,
    });
  });
});
