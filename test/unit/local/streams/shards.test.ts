/**
 * Shard reading against an in-memory stream that answers DescribeStream, GetShardIterator and GetRecords as DynamoDB
 * Streams documents them ("DynamoDB Streams API reference"): iterator types TRIM_HORIZON, LATEST and
 * AFTER_SEQUENCE_NUMBER; a closed shard's last page has no NextShardIterator; ExpiredIteratorException and
 * TrimmedDataAccessException for a position that is no longer in the stream.
 */
import type { _Record as StreamSdkRecord } from '@aws-sdk/client-dynamodb-streams';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Checkpoints, ShardReader, type ShardRecord, type StreamReads } from '../../../../scripts/local/streams/shards';

const STREAM = 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024';
const awsError = (name: string) => Object.assign(new Error(name), { name });

function sdkRecord(sequence: number): StreamSdkRecord {
  return {
    eventID: `e${sequence}`,
    eventName: 'INSERT',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      SequenceNumber: String(sequence),
      ApproximateCreationDateTime: new Date(1_700_000_000_000 + sequence * 1000),
      Keys: { pk: { S: `k${sequence}` } },
    },
  };
}

interface Shard {
  shardId: string;
  parentShardId?: string;
  records: StreamSdkRecord[];
  closed: boolean;
}

/** A stream in memory; `pageSize` records per GetRecords; `expired` iterators answer ExpiredIteratorException. */
class MemoryStream implements StreamReads {
  readonly expired = new Set<string>();
  readonly iteratorRequests: string[] = [];

  constructor(
    readonly list: Shard[],
    private readonly pageSize = 2,
  ) {}

  async shards() {
    return this.list.map(({ shardId, parentShardId }) => ({ shardId, ...(parentShardId ? { parentShardId } : {}) }));
  }

  async iterator({ shardId, type, sequenceNumber }: Parameters<StreamReads['iterator']>[0]) {
    this.iteratorRequests.push(`${shardId} ${type}${sequenceNumber ? ` ${sequenceNumber}` : ''}`);
    const shard = this.shard(shardId);
    if (type === 'TRIM_HORIZON') return `${shardId}@0`;
    if (type === 'LATEST') return `${shardId}@${shard.records.length}`;
    const at = shard.records.findIndex((r) => r.dynamodb?.SequenceNumber === sequenceNumber);
    if (at < 0) throw awsError('TrimmedDataAccessException');
    return `${shardId}@${at + 1}`;
  }

  async records(iterator: string) {
    if (this.expired.delete(iterator)) throw awsError('ExpiredIteratorException');
    const [shardId = '', at = '0'] = iterator.split('@');
    const shard = this.shard(shardId);
    const page = shard.records.slice(Number(at), Number(at) + this.pageSize);
    const end = Number(at) + page.length;
    return { records: page, ...(shard.closed && end >= shard.records.length ? {} : { next: `${shardId}@${end}` }) };
  }

  private shard(shardId: string): Shard {
    const shard = this.list.find((s) => s.shardId === shardId);
    if (!shard) throw awsError('ResourceNotFoundException');
    return shard;
  }
}

function reader(stream: MemoryStream, options: { startingPosition?: 'TRIM_HORIZON' | 'LATEST'; checkpoints?: Checkpoints } = {}) {
  const checkpoints = options.checkpoints ?? new Checkpoints(path.join(mkdtempSync(path.join(tmpdir(), 'shards-')), 'checkpoints.json'));
  const read = new ShardReader({ reads: stream, streamArn: STREAM, startingPosition: options.startingPosition ?? 'TRIM_HORIZON', checkpoints, log: () => undefined });
  const seen: string[] = [];
  const lost: string[] = [];
  const round = () =>
    read.read({ record: ({ shardId, record }: ShardRecord) => seen.push(`${shardId}:${record.dynamodb?.SequenceNumber}`), lost: (id) => lost.push(id) });
  return { round, seen, lost, checkpoints };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => sdkRecord(from + i));

describe('ShardReader: a DynamoDB stream read as the event source mapping reads it', () => {
  it('reads a shard from TRIM_HORIZON a page per round, each record once, in order', async () => {
    // Prepare
    const stream = new MemoryStream([{ shardId: 's1', records: range(1, 3), closed: false }]);
    const { round, seen } = reader(stream);

    // Act
    await round();
    const afterOne = [...seen];
    await round();
    await round();

    // Assess
    expect(afterOne).toEqual(['s1:1', 's1:2']);
    expect(seen).toEqual(['s1:1', 's1:2', 's1:3']);
  });

  it('hands records on as Lambda gets them: the stream ARN as eventSourceARN, creation time in epoch seconds', async () => {
    // Prepare
    const stream = new MemoryStream([{ shardId: 's1', records: range(7, 7), closed: false }]);
    const records: ShardRecord[] = [];
    const read = new ShardReader({ reads: stream, streamArn: STREAM, startingPosition: 'TRIM_HORIZON', checkpoints: reader(stream).checkpoints, log: () => undefined });

    // Act
    await read.read({ record: (entry) => records.push(entry), lost: () => undefined });

    // Assess
    expect(records).toEqual([
      {
        shardId: 's1',
        record: expect.objectContaining({
          eventID: 'e7',
          eventSourceARN: STREAM,
          dynamodb: { SequenceNumber: '7', ApproximateCreationDateTime: 1_700_000_007, Keys: { pk: { S: 'k7' } } },
        }) as unknown,
      },
    ]);
  });

  it('LATEST: only what is written after the mapping starts', async () => {
    // Prepare
    const stream = new MemoryStream([{ shardId: 's1', records: range(1, 2), closed: false }]);
    const { round, seen } = reader(stream, { startingPosition: 'LATEST' });
    await round();

    // Act
    stream.list[0]!.records.push(sdkRecord(3));
    await round();

    // Assess
    expect(seen).toEqual(['s1:3']);
  });

  it('goes on after its checkpoint (AFTER_SEQUENCE_NUMBER), whatever the starting position', async () => {
    // Prepare
    const stream = new MemoryStream([{ shardId: 's1', records: range(1, 4), closed: false }]);
    const first = reader(stream);
    first.checkpoints.set(STREAM, 's1', '2');
    const { round, seen } = reader(stream, { checkpoints: first.checkpoints, startingPosition: 'LATEST' });

    // Act
    await round();

    // Assess
    expect(stream.iteratorRequests).toEqual(['s1 AFTER_SEQUENCE_NUMBER 2']);
    expect(seen).toEqual(['s1:3', 's1:4']);
  });

  it('opens a child shard only once its parent is read to the end, then from the child\'s beginning', async () => {
    // Prepare: a mapping starting at LATEST, so the parent is read from the moment it starts; the child already
    // holds two records
    const stream = new MemoryStream([
      { shardId: 'parent', records: [], closed: false },
      { shardId: 'child', parentShardId: 'parent', records: range(4, 5), closed: false },
    ]);
    const { round, seen } = reader(stream, { startingPosition: 'LATEST' });
    await round();
    stream.list[0]!.records.push(...range(1, 3));
    stream.list[0]!.closed = true;

    // Act
    await round(); // parent 1, 2
    await round(); // parent 3, and its last page has no next iterator
    const beforeChild = [...stream.iteratorRequests];
    await round(); // the child, from TRIM_HORIZON

    // Assess
    expect(beforeChild).toEqual(['parent LATEST']);
    expect(stream.iteratorRequests).toEqual(['parent LATEST', 'child TRIM_HORIZON']);
    expect(seen).toEqual(['parent:1', 'parent:2', 'parent:3', 'child:4', 'child:5']);
  });

  it('an expired iterator: the shard is reported lost and read again from its checkpoint the next round', async () => {
    // Prepare: records 1 and 2 read, 1 delivered (checkpoint), then the iterator expires
    const stream = new MemoryStream([{ shardId: 's1', records: range(1, 4), closed: false }]);
    const { round, seen, lost, checkpoints } = reader(stream);
    await round();
    checkpoints.set(STREAM, 's1', '1');
    stream.expired.add('s1@2');

    // Act
    await round();
    await round();

    // Assess
    expect(lost).toEqual(['s1']);
    expect(seen).toEqual(['s1:1', 's1:2', 's1:2', 's1:3']);
  });

  it('a checkpoint that fell out of the stream: forgotten, the error surfaces, then the shard starts at the starting position', async () => {
    // Prepare
    const stream = new MemoryStream([{ shardId: 's1', records: range(10, 11), closed: false }]);
    const { round, seen, checkpoints } = reader(stream);
    checkpoints.set(STREAM, 's1', '3');

    // Act
    const first = round();
    await expect(first).rejects.toThrow('TrimmedDataAccessException');
    await round();

    // Assess
    expect(checkpoints.get(STREAM, 's1')).toBeUndefined();
    expect(seen).toEqual(['s1:10', 's1:11']);
  });

  it('keeps checkpoints in its file across restarts', async () => {
    // Prepare
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'checkpoints-')), 'checkpoints.json');
    const before = new Checkpoints(file);
    before.set(STREAM, 's1', '42');

    // Act
    before.save();

    // Assess
    expect(new Checkpoints(file).get(STREAM, 's1')).toBe('42');
  });
});
