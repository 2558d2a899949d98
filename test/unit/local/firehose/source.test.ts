/**
 * Reading the source stream ("GetShardIterator", "GetRecords", Kinesis Data Streams API Reference): where each shard
 * starts, that a failed read loses and repeats nothing, and checkpoints that belong to one incarnation of the stream.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CheckpointFile, ShardSource, type KinesisReads, type Position, type StreamRecord } from '../../../../scripts/local/firehose/source';
import type { SourceRecord } from '../../../../scripts/local/firehose/processing';

/** An in-memory stream: shards of records, iterators as positions, and a switch that makes every call fail. */
function memoryStream(shards: Record<string, StreamRecord[]>) {
  const opened: { shardId: string; position: Position }[] = [];
  const state = { down: false, forget: new Set<string>() };
  const reads: KinesisReads = {
    async describe() {
      return { createdMs: 1, shards: Object.keys(shards) };
    },
    async iterator(_stream, shardId, position) {
      if (state.down) throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' });
      opened.push({ shardId, position });
      const records = shards[shardId]!;
      if (position.type === 'AFTER_SEQUENCE_NUMBER') {
        if (state.forget.has(position.sequenceNumber)) throw Object.assign(new Error('no such record'), { name: 'ResourceNotFoundException' });
        return `${shardId}@${records.findIndex((r) => r.sequenceNumber === position.sequenceNumber) + 1}`;
      }
      if (position.type === 'AT_TIMESTAMP') return `${shardId}@${records.findIndex((r) => r.arrivalMs >= position.timestampMs)}`;
      return `${shardId}@0`;
    },
    async records(iterator) {
      if (state.down) throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' });
      const [shardId, at] = iterator.split('@') as [string, string];
      const from = Number(at);
      const page = shards[shardId]!.slice(from, from + 2);
      return { records: page, next: `${shardId}@${from + page.length}` };
    },
  };
  return { reads, opened, state };
}

const rec = (n: number): StreamRecord => ({ sequenceNumber: String(100 + n), partitionKey: `k${n}`, arrivalMs: 1_000 + n, data: Buffer.from(`r${n}`) });

async function readAll(source: ShardSource, rounds: number): Promise<string[]> {
  const got: SourceRecord[] = [];
  for (let i = 0; i < rounds; i += 1) await source.read((record) => got.push(record));
  return got.map((record) => record.data.toString());
}

describe('ShardSource', () => {
  it('starts a shard without a checkpoint at TRIM_HORIZON and one with a checkpoint after it', async () => {
    // Prepare
    const stream = memoryStream({ a: [rec(1), rec(2), rec(3)], b: [rec(4), rec(5)] });
    const source = new ShardSource({ reads: stream.reads, stream: 's', checkpoints: new Map([['a', { sequenceNumber: '101', arrivalMs: 1_001 }]]), log: () => undefined });
    await source.open();

    // Act
    const got = await readAll(source, 2);

    // Assess
    expect(stream.opened.map((o) => [o.shardId, o.position.type])).toEqual([
      ['a', 'AFTER_SEQUENCE_NUMBER'],
      ['b', 'TRIM_HORIZON'],
    ]);
    expect(got.sort()).toEqual(['r2', 'r3', 'r4', 'r5']);
  });

  it('after reads fail (the stream is down) goes on after the last record read: nothing lost, nothing twice', async () => {
    // Prepare
    const stream = memoryStream({ a: [rec(1), rec(2), rec(3), rec(4), rec(5)] });
    const log: string[] = [];
    const source = new ShardSource({ reads: stream.reads, stream: 's', checkpoints: new Map(), log: (m) => log.push(m) });
    await source.open();

    // Act
    const first = await readAll(source, 1);
    stream.state.down = true;
    const during = await readAll(source, 2);
    stream.state.down = false;
    const after = await readAll(source, 3);

    // Assess
    expect([...first, ...during, ...after]).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(stream.opened.at(-1)).toEqual({ shardId: 'a', position: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '102' } });
    expect(log).toHaveLength(2);
  });

  it('reads from the checkpoint’s arrival time when the stream no longer knows its sequence number', async () => {
    // Prepare: the checkpointed record 2 was lost (kinesis-local killed before it saved it)
    const stream = memoryStream({ a: [rec(1), rec(3), rec(4)] });
    stream.state.forget.add('102');
    const source = new ShardSource({ reads: stream.reads, stream: 's', checkpoints: new Map([['a', { sequenceNumber: '102', arrivalMs: 1_002 }]]), log: () => undefined });
    await source.open();

    // Act
    const got = await readAll(source, 2);

    // Assess
    expect(got).toEqual(['r3', 'r4']);
  });
});

describe('CheckpointFile', () => {
  it('keeps checkpoints across instances, for the same incarnation of the stream only', () => {
    // Prepare
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'checkpoints-')), 'firehose-checkpoints.json');
    const first = new CheckpointFile(file);
    first.load('d', 'arn:s', 1_000);
    first.set('d', 'shard-0', { sequenceNumber: '42', arrivalMs: 7 });
    first.save();

    // Act
    const same = new CheckpointFile(file).load('d', 'arn:s', 1_000);
    const recreated = new CheckpointFile(file).load('d', 'arn:s', 2_000);

    // Assess
    expect(same).toEqual(new Map([['shard-0', { sequenceNumber: '42', arrivalMs: 7 }]]));
    expect(recreated).toEqual(new Map());
  });
});
