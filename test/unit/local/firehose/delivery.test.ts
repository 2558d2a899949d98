/**
 * A delivery stream at work on an injected clock ("Configure buffering hints", "Dynamic partitioning", "Configure
 * Amazon S3 object name format", "Handle failure in data transformation", "Handling errors for data format
 * conversion"): when the function is invoked, when objects are written and under which keys, what the error prefix
 * gets, and that a checkpoint never passes a record that is not written yet.
 */
import type { Row } from '../../../../scripts/local/firehose/conversion';
import { deliveryStreams, type DeliveryStreamDefinition } from '../../../../scripts/local/firehose/definition';
import { DeliveryStream } from '../../../../scripts/local/firehose/delivery';
import { recordIdOf, type Invocation, type SourceRecord } from '../../../../scripts/local/firehose/processing';
import type { Checkpoint } from '../../../../scripts/local/firehose/source';
import { analyticsConfig } from './fixtures';

const context = {
  deliveryStreamArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/serverless-blog-local-analytics',
  sourceKinesisStreamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/serverless-blog-local-analytics-stream',
  region: 'us-east-1',
};
const T0 = Date.UTC(2024, 4, 1, 10, 15, 0);

/** What the fake source record asks the fake function to do with it. */
interface Input {
  n: number;
  shard?: string;
  result?: 'Ok' | 'Dropped' | 'ProcessingFailed';
  hour?: string;
  /** A row the conversion cannot read. */
  badRow?: boolean;
  noKeys?: boolean;
}

function source(input: Input): SourceRecord {
  const sequenceNumber = String(49_000_000 + input.n);
  return {
    recordId: recordIdOf(sequenceNumber, 0),
    shardId: input.shard ?? 'shardId-000000000000',
    sequenceNumber,
    subsequenceNumber: 0,
    partitionKey: `k${input.n}`,
    arrivalMs: T0 + input.n,
    data: Buffer.from(JSON.stringify(input)),
  };
}

/** A function that follows the contract, doing what each record asks. */
function transform(event: { records: { recordId: string; data: string }[] }): string {
  return JSON.stringify({
    records: event.records.map(({ recordId, data }) => {
      const input = JSON.parse(Buffer.from(data, 'base64').toString()) as Input;
      const result = input.result ?? 'Ok';
      const row = input.badRow ? { event_id: `e${input.n}`, received_at: 'yesterday' } : { event_id: `e${input.n}`, received_at: T0 };
      return {
        recordId,
        result,
        data: Buffer.from(result === 'Ok' ? `${JSON.stringify(row)}\n` : '{"reason":"x"}\n').toString('base64'),
        ...(result === 'Ok' && !input.noKeys ? { metadata: { partitionKeys: { dt: '2024-05-01', hour: input.hour ?? '10' } } } : {}),
      };
    }),
  });
}

function harness(options: { definition?: DeliveryStreamDefinition; invoke?: (event: never) => Promise<Invocation>; failPuts?: number } = {}) {
  const definition = options.definition ?? deliveryStreams(analyticsConfig())[0]!;
  let now = T0;
  let incoming: SourceRecord[] = [];
  let failPuts = options.failPuts ?? 0;
  let uuid = 0;
  const objects = new Map<string, string>();
  const invocations: unknown[] = [];
  const checkpoints = new Map<string, Checkpoint>();
  const saved: Map<string, Checkpoint>[] = [];
  const delivery = new DeliveryStream(definition, context, {
    read: async (push) => {
      for (const record of incoming.splice(0)) push(record);
    },
    invoke: async (event) => {
      invocations.push(event);
      return options.invoke ? options.invoke(event as never) : { payload: transform(event) };
    },
    backoff: async () => undefined,
    putObject: async (key, body) => {
      if (failPuts > 0) {
        failPuts -= 1;
        throw new Error('S3 is down');
      }
      objects.set(key, body.toString());
    },
    // The rows as JSON instead of Parquet: what would be written, readable here (conversion.test.ts writes Parquet).
    parquet: async (rows: readonly Row[]) => Buffer.from(JSON.stringify(rows, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))),
    checkpoint: (shardId, checkpoint) => checkpoints.set(shardId, checkpoint),
    saveCheckpoints: () => saved.push(new Map(checkpoints)),
    log: () => undefined,
    now: () => now,
    uuid: () => `uuid-${++uuid}`,
  });
  return {
    delivery,
    objects,
    invocations,
    saved,
    /** Records on the stream, read at 0 ms. */
    put: async (...inputs: Input[]) => {
      incoming = inputs.map(source);
      now = T0;
      await delivery.step();
    },
    at: async (ms: number) => {
      now = T0 + ms;
      await delivery.step();
    },
  };
}

const errorLines = (body: string | undefined) => (body ?? '').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('DeliveryStream', () => {
  it('invokes the function once the processing interval has passed, not before', async () => {
    // Prepare
    const h = harness();
    await h.put({ n: 1 }, { n: 2 });

    // Act, Assess
    await h.at(999);
    expect(h.invocations).toHaveLength(0);
    await h.at(1_000);
    expect(h.invocations).toHaveLength(1);
    expect((h.invocations[0] as { records: unknown[] }).records).toHaveLength(2);
  });

  it('writes a partition once the destination interval has passed, as one object named as Firehose names them', async () => {
    // Prepare
    const h = harness();
    await h.put({ n: 1 }, { n: 2 });

    // Act
    await h.at(1_000); // processed: now buffered for S3
    await h.at(5_999);
    const early = h.objects.size;
    await h.at(6_000);

    // Assess
    expect(early).toBe(0);
    expect([...h.objects.keys()]).toEqual(['events/dt=2024-05-01/hour=10/serverless-blog-local-analytics-1-2024-05-01-10-15-00-uuid-1.parquet']);
    const rows = JSON.parse([...h.objects.values()][0]!) as unknown[][];
    expect(rows.map((row) => row[0])).toEqual(['e1', 'e2']);
  });

  it('writes each partition (dt and hour from the function) to its own prefix', async () => {
    // Prepare
    const h = harness();
    await h.put({ n: 1, hour: '10' }, { n: 2, hour: '11' }, { n: 3, hour: '10' });

    // Act
    await h.at(1_000);
    await h.at(6_000);

    // Assess
    expect([...h.objects.keys()].map((key) => key.slice(0, key.lastIndexOf('/') + 1)).sort()).toEqual([
      'events/dt=2024-05-01/hour=10/',
      'events/dt=2024-05-01/hour=11/',
    ]);
  });

  it('writes a partition as soon as it reaches the size hint', async () => {
    // Prepare
    const definition = { ...deliveryStreams(analyticsConfig())[0]!, buffering: { sizeBytes: 60, intervalMs: 900_000 } };
    const h = harness({ definition });
    await h.put({ n: 1 }, { n: 2 });

    // Act
    await h.at(1_000);

    // Assess: two rows of ~40 bytes are over 60 bytes, so no waiting for the 900 s
    expect(h.objects.size).toBe(1);
  });

  it('writes ProcessingFailed records to the error prefix with their source bytes, and Dropped records nowhere', async () => {
    // Prepare
    const h = harness();
    await h.put({ n: 1, result: 'Dropped' }, { n: 2, result: 'ProcessingFailed' }, { n: 3 });

    // Act
    await h.at(1_000);
    await h.at(6_000);

    // Assess
    const keys = [...h.objects.keys()].sort();
    expect(keys).toEqual([
      'errors/processing-failed/dt=2024-05-01/hour=10/serverless-blog-local-analytics-1-2024-05-01-10-15-00-uuid-1',
      'events/dt=2024-05-01/hour=10/serverless-blog-local-analytics-1-2024-05-01-10-15-00-uuid-2.parquet',
    ]);
    expect(errorLines(h.objects.get(keys[0]!))).toEqual([
      {
        attemptsMade: 1,
        arrivalTimestamp: T0 + 2,
        errorCode: 'Lambda.ProcessingFailedStatus',
        errorMessage: 'ProcessingFailed status set for record',
        attemptEndingTimestamp: T0 + 1_000,
        rawData: source({ n: 2, result: 'ProcessingFailed' }).data.toString('base64'),
        lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:serverless-blog-local-analyticsTransform',
      },
    ]);
    expect(JSON.parse(h.objects.get(keys[1]!)!)).toHaveLength(1);
  });

  it('after a function that keeps failing writes every record as an error with attemptsMade = NumberOfRetries + 1', async () => {
    // Prepare
    const h = harness({ invoke: async () => ({ functionError: '{"errorType":"Error","errorMessage":"key unreadable"}' }) });
    await h.put({ n: 1 }, { n: 2 });

    // Act
    await h.at(1_000);
    await h.at(6_000);

    // Assess
    expect(h.invocations).toHaveLength(4);
    const [key] = [...h.objects.keys()];
    expect(key).toMatch(/^errors\/processing-failed\/dt=2024-05-01\/hour=10\//);
    expect(errorLines(h.objects.get(key!)).map((line) => [line.errorCode, line.attemptsMade])).toEqual([
      ['Lambda.FunctionError', 4],
      ['Lambda.FunctionError', 4],
    ]);
  });

  it('writes a row the Glue schema cannot read to format-conversion-failed with the documented document', async () => {
    // Prepare
    const h = harness();
    await h.put({ n: 1, badRow: true });

    // Act
    await h.at(1_000);
    await h.at(6_000);

    // Assess
    const [key] = [...h.objects.keys()];
    expect(key).toMatch(/^errors\/format-conversion-failed\/dt=2024-05-01\/hour=10\/serverless-blog-local-analytics-1-/);
    const [document] = errorLines(h.objects.get(key!));
    expect(document).toEqual({
      attemptsMade: 1,
      arrivalTimestamp: T0 + 1,
      lastErrorCode: 'DataFormatConversion.MalformedData',
      lastErrorMessage: 'column received_at cannot be read as timestamp',
      attemptEndingTimestamp: T0 + 1_000,
      rawData: Buffer.from(`${JSON.stringify({ event_id: 'e1', received_at: 'yesterday' })}\n`).toString('base64'),
      sequenceNumber: '49000001',
      subSequenceNumber: 0,
      dataCatalogTable: {
        catalogId: '000000000000',
        databaseName: 'serverless_blog_local_analytics',
        tableName: 'events',
        region: 'us-east-1',
        versionId: 'LATEST',
        catalogArn: 'arn:aws:glue:us-east-1:000000000000:catalog',
      },
    });
  });

  it('sends an Ok record without the partition keys the prefix needs to the error prefix', async () => {
    // Prepare
    const h = harness();
    await h.put({ n: 1, noKeys: true });

    // Act
    await h.at(1_000);
    await h.at(6_000);

    // Assess
    const [key] = [...h.objects.keys()];
    expect(key).toMatch(/^errors\/processing-failed\//);
    expect(errorLines(h.objects.get(key!))[0]).toMatchObject({ errorCode: 'DynamicPartitioning.MetadataExtractionFailed' });
  });

  it('moves a shard’s checkpoint only past records that are written or dropped, and saves it', async () => {
    // Prepare: record 1 waits for S3, record 2 is dropped, record 3 is on another shard and dropped
    const h = harness();
    await h.put({ n: 1 }, { n: 2, result: 'Dropped' }, { n: 3, result: 'Dropped', shard: 'shardId-000000000001' });

    // Act
    await h.at(1_000);
    const afterProcessing = h.saved.at(-1);
    await h.at(6_000);

    // Assess
    expect(afterProcessing).toEqual(new Map([['shardId-000000000001', { sequenceNumber: '49000003', arrivalMs: T0 + 3 }]]));
    expect(h.saved.at(-1)).toEqual(
      new Map([
        ['shardId-000000000001', { sequenceNumber: '49000003', arrivalMs: T0 + 3 }],
        ['shardId-000000000000', { sequenceNumber: '49000002', arrivalMs: T0 + 2 }],
      ]),
    );
  });

  it('keeps records whose write to S3 failed, writes them on a later round, and only then moves the checkpoint', async () => {
    // Prepare
    const h = harness({ failPuts: 2 });
    await h.put({ n: 1 });

    // Act
    await h.at(1_000);
    await h.at(6_000);
    await h.at(7_000);
    const whileFailing = { objects: h.objects.size, saved: h.saved.length };
    await h.at(8_000);

    // Assess
    expect(whileFailing).toEqual({ objects: 0, saved: 0 });
    expect(h.objects.size).toBe(1);
    expect(h.saved.at(-1)?.get('shardId-000000000000')).toEqual({ sequenceNumber: '49000001', arrivalMs: T0 + 1 });
    expect(h.delivery.buffered).toEqual({ records: 0, partitions: 0 });
  });
});
