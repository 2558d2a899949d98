/**
 * The delivery stream's source: a Kinesis data stream read shard by shard with GetShardIterator and GetRecords
 * ("Read data from Amazon Kinesis Data Streams" / "GetRecords", Kinesis Data Streams API Reference), as Firehose reads
 * it when the stream is its source ("Configure source settings for Amazon Kinesis Data Streams", Amazon Data Firehose
 * Developer Guide), and a checkpoint per shard in the state folder.
 *
 * Where it starts: a shard with a checkpoint after it; one without at TRIM_HORIZON. Firehose starts a new delivery
 * stream at the stream's LATEST position; here the delivery stream is part of the same template as its source and
 * comes up with it, like the two resources of one CloudFormation stack, so everything the stream holds that no
 * checkpoint covers was written for this delivery stream to read (a stream made on this run is empty at TRIM_HORIZON).
 * LATEST would lose the records written between two runs of `npm start` while nothing read them.
 *
 * The checkpoint moves only past records that are delivered — written to S3, to the error prefix, or dropped by the
 * function — so a restart reads again what was in a buffer and loses nothing; what was written after an earlier
 * unfinished record is written again, as Firehose, which delivers at least once, may do too. Checkpoints belong to one
 * incarnation of the stream (its creation time): a stream made anew starts from its beginning.
 */
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { recordIdOf, type SourceRecord } from './processing';

export type Position =
  | { type: 'TRIM_HORIZON' }
  | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string }
  | { type: 'AT_TIMESTAMP'; timestampMs: number };

export interface StreamRecord {
  sequenceNumber: string;
  partitionKey: string;
  arrivalMs: number;
  data: Uint8Array;
}

/** The Kinesis calls the source makes: the port an in-memory stream stands in for in the tests. */
export interface KinesisReads {
  describe(stream: string): Promise<{ createdMs: number; shards: string[] }>;
  iterator(stream: string, shardId: string, position: Position): Promise<string | undefined>;
  records(iterator: string): Promise<{ records: StreamRecord[]; next?: string }>;
}

export function kinesisReads(client: KinesisClient): KinesisReads {
  return {
    async describe(stream) {
      const summary = (await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary;
      const shards: Shard[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(token ? new ListShardsCommand({ NextToken: token }) : new ListShardsCommand({ StreamName: stream }));
        shards.push(...(page.Shards ?? []));
        token = page.NextToken;
      } while (token);
      return { createdMs: summary?.StreamCreationTimestamp?.getTime() ?? 0, shards: shards.map((shard) => shard.ShardId!) };
    },
    async iterator(stream, shardId, position) {
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shardId,
          ShardIteratorType: position.type,
          ...(position.type === 'AFTER_SEQUENCE_NUMBER' ? { StartingSequenceNumber: position.sequenceNumber } : {}),
          ...(position.type === 'AT_TIMESTAMP' ? { Timestamp: new Date(position.timestampMs) } : {}),
        }),
      );
      return ShardIterator;
    },
    async records(iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
      return {
        records: (page.Records ?? []).map((record) => ({
          sequenceNumber: record.SequenceNumber!,
          partitionKey: record.PartitionKey ?? '',
          arrivalMs: record.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
          data: record.Data ?? new Uint8Array(),
        })),
        next: page.NextShardIterator,
      };
    },
  };
}

export interface Checkpoint {
  sequenceNumber: string;
  /** Arrival of that record: where to read from should the stream no longer know the sequence number. */
  arrivalMs: number;
}

interface FileShape {
  [deliveryStream: string]: { stream: string; createdMs: number; shards: Record<string, Checkpoint> };
}

/** The checkpoints of every delivery stream of the stack, in one file of the state folder. */
export class CheckpointFile {
  private readonly data: FileShape;

  constructor(private readonly file: string) {
    this.data = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as FileShape) : {};
  }

  /** The shards' checkpoints of a delivery stream, if they are of this incarnation of the stream. */
  load(deliveryStream: string, stream: string, createdMs: number): Map<string, Checkpoint> {
    const entry = this.data[deliveryStream];
    const current = entry?.stream === stream && entry.createdMs === createdMs;
    this.data[deliveryStream] = { stream, createdMs, shards: current ? entry.shards : {} };
    return new Map(Object.entries(this.data[deliveryStream].shards));
  }

  set(deliveryStream: string, shardId: string, checkpoint: Checkpoint): void {
    const entry = this.data[deliveryStream];
    if (entry) entry.shards[shardId] = checkpoint;
  }

  /** Written whole to a new file, then renamed over the old one: a crash leaves one or the other. */
  save(): void {
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.data));
    renameSync(`${this.file}.tmp`, this.file);
  }
}

/** Kinesis's answers for a sequence number it no longer has (kinesis-local lost an unsaved tail on a hard kill). */
const isUnknownSequence = (error: unknown): boolean => ['ResourceNotFoundException', 'InvalidArgumentException'].includes((error as Error | null)?.name ?? '');

/** The shards of one stream as one delivery stream reads them. */
export class ShardSource {
  private readonly shards = new Map<string, { iterator?: string; last?: Checkpoint; closed: boolean }>();

  constructor(
    private readonly options: {
      reads: KinesisReads;
      stream: string;
      checkpoints: ReadonlyMap<string, Checkpoint>;
      log: (message: string) => void;
    },
  ) {}

  /** Lists the stream's shards (once at start, and again when one ends, as a resharded stream has new ones). */
  async open(): Promise<void> {
    const { shards } = await this.options.reads.describe(this.options.stream);
    for (const shardId of shards) {
      if (!this.shards.has(shardId)) this.shards.set(shardId, { closed: false, last: this.options.checkpoints.get(shardId) });
    }
  }

  private async iterator(shardId: string, last: Checkpoint | undefined): Promise<string | undefined> {
    const { reads, stream, log } = this.options;
    if (!last) return reads.iterator(stream, shardId, { type: 'TRIM_HORIZON' });
    try {
      return await reads.iterator(stream, shardId, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last.sequenceNumber });
    } catch (error) {
      if (!isUnknownSequence(error)) throw error;
      log(`${shardId}: ${last.sequenceNumber} is no longer in the stream; reading from its arrival time`);
      return reads.iterator(stream, shardId, { type: 'AT_TIMESTAMP', timestampMs: last.arrivalMs });
    }
  }

  /**
   * One round: a page of each open shard, handed on in order. A shard whose read fails is opened again next round
   * after the last record read (a stream that was down, an iterator that expired); the failure is logged once a round.
   */
  async read(push: (record: SourceRecord) => void): Promise<void> {
    const { reads, log } = this.options;
    let ended = false;
    const failures: string[] = [];
    for (const [shardId, state] of this.shards) {
      if (state.closed) continue;
      try {
        state.iterator ??= await this.iterator(shardId, state.last);
        if (!state.iterator) {
          state.closed = true;
          continue;
        }
        const page = await reads.records(state.iterator);
        state.iterator = page.next;
        if (!page.next) {
          state.closed = true;
          ended = true;
        }
        for (const record of page.records) {
          state.last = { sequenceNumber: record.sequenceNumber, arrivalMs: record.arrivalMs };
          push({
            recordId: recordIdOf(record.sequenceNumber, 0),
            shardId,
            sequenceNumber: record.sequenceNumber,
            subsequenceNumber: 0,
            partitionKey: record.partitionKey,
            arrivalMs: record.arrivalMs,
            data: Buffer.from(record.data),
          });
        }
      } catch (error) {
        state.iterator = undefined;
        const code = (error as { code?: unknown }).code;
        failures.push(`${shardId}: ${typeof code === 'string' ? code : (error as Error).name}`);
      }
    }
    if (failures.length > 0) log(`reading ${this.options.stream} failed (${failures.join(', ')}); reading again next round`);
    if (ended) await this.open();
  }
}
