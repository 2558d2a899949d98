/**
 * Reading a DynamoDB stream as Lambda's event source mapping does ("DynamoDB Streams API": DescribeStream,
 * GetShardIterator, GetRecords; "Using the DynamoDB Streams Kinesis adapter"/"Lambda event source mappings" for the
 * order): every shard from its checkpoint, else from the mapping's starting position; a child shard once its parent is
 * read to the end, so that the records of one key stay in order; a position that fell out of the stream (an expired
 * iterator, trimmed data) read again from the checkpoint instead of retried forever.
 */
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record as StreamSdkRecord,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** The three calls the reader makes: the port an in-memory stream stands in for in the tests. */
export interface StreamReads {
  shards(streamArn: string): Promise<{ shardId: string; parentShardId?: string }[]>;
  iterator(position: { streamArn: string; shardId: string; type: ShardIteratorType; sequenceNumber?: string }): Promise<string | undefined>;
  records(iterator: string): Promise<{ records: StreamSdkRecord[]; next?: string }>;
}

export function dynamoDbStreamReads(client: DynamoDBStreamsClient): StreamReads {
  return {
    async shards(streamArn) {
      const stream = await client.send(new DescribeStreamCommand({ StreamArn: streamArn }));
      return (stream.StreamDescription?.Shards ?? []).map((shard) => ({ shardId: shard.ShardId!, parentShardId: shard.ParentShardId }));
    },
    async iterator({ streamArn, shardId, type, sequenceNumber }) {
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: type,
          ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}),
        }),
      );
      return ShardIterator;
    },
    async records(iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      return { records: page.Records ?? [], next: page.NextShardIterator };
    },
  };
}

/** The last sequence number handled per stream and shard, in a file, so that a restart goes on where it stopped. */
export class Checkpoints {
  private readonly positions: Record<string, string>;

  constructor(private readonly file: string) {
    this.positions = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  }

  get(streamArn: string, shardId: string): string | undefined {
    return this.positions[`${streamArn}/${shardId}`];
  }

  /** Moves the checkpoint in memory; save() writes it (after a delivery). */
  set(streamArn: string, shardId: string, sequenceNumber: string): void {
    this.positions[`${streamArn}/${shardId}`] = sequenceNumber;
  }

  forget(streamArn: string, shardId: string): void {
    delete this.positions[`${streamArn}/${shardId}`];
  }

  save(): void {
    writeFileSync(this.file, JSON.stringify(this.positions));
  }
}

/** A record as the SDK reads it from the stream → as Lambda hands it to the function. */
export function toLambdaRecord(record: StreamSdkRecord, streamArn: string): DynamoDBRecord {
  const { ApproximateCreationDateTime, ...dynamodb } = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    dynamodb: {
      ...(dynamodb as DynamoDBRecord['dynamodb']),
      ApproximateCreationDateTime:
        ApproximateCreationDateTime === undefined ? Date.now() / 1000 : Math.floor(new Date(ApproximateCreationDateTime).getTime() / 1000),
    },
    eventSourceARN: streamArn,
  };
}

/** DynamoDB Streams' answers for an iterator or sequence number that no longer points into the stream. */
function isLostPosition(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'ExpiredIteratorException' || name === 'TrimmedDataAccessException';
}

export interface ShardRecord {
  shardId: string;
  record: DynamoDBRecord;
}

/** The shards of one stream as one mapping reads them. */
export class ShardReader {
  private readonly shards = new Map<string, { iterator?: string; closed: boolean }>();

  constructor(
    private readonly options: {
      reads: StreamReads;
      streamArn: string;
      startingPosition: 'TRIM_HORIZON' | 'LATEST';
      checkpoints: Checkpoints;
      log: (message: string) => void;
    },
  ) {}

  /**
   * One round: opens the shards that may be read now, then reads one page of each open shard and hands on its records
   * in order. A shard whose position was lost is forgotten (`lost`: drop what was read of it and not delivered); the
   * next round opens it again at its checkpoint. Other failures throw; the records handed on so far stay handed on.
   */
  async read(to: { record(entry: ShardRecord): void; lost(shardId: string): void }): Promise<void> {
    const { reads, streamArn, log } = this.options;
    await this.openShards();
    for (const [shardId, state] of this.shards) {
      if (state.closed || !state.iterator) continue;
      let page;
      try {
        page = await reads.records(state.iterator);
      } catch (error) {
        if (!isLostPosition(error)) throw error;
        log(`${(error as Error).name} on ${shardId}; re-reading from the checkpoint`);
        this.shards.delete(shardId);
        to.lost(shardId);
        continue;
      }
      state.iterator = page.next;
      if (!page.next) state.closed = true;
      for (const raw of page.records) to.record({ shardId, record: toLambdaRecord(raw, streamArn) });
    }
  }

  private async openShards(): Promise<void> {
    const { reads, streamArn, startingPosition, checkpoints } = this.options;
    for (const { shardId, parentShardId } of await reads.shards(streamArn)) {
      if (this.shards.has(shardId)) continue;
      // A child shard starts once its parent is read to the end (records of one key stay in order).
      const parent = parentShardId ? this.shards.get(parentShardId) : undefined;
      if (parent && !parent.closed) continue;
      const checkpoint = checkpoints.get(streamArn, shardId);
      const type: ShardIteratorType = checkpoint ? 'AFTER_SEQUENCE_NUMBER' : parent ? 'TRIM_HORIZON' : startingPosition;
      let iterator;
      try {
        iterator = await reads.iterator({ streamArn, shardId, type, ...(checkpoint ? { sequenceNumber: checkpoint } : {}) });
      } catch (error) {
        // The checkpoint fell out of the stream: start again where a new subscription would, as Lambda does.
        if (checkpoint && isLostPosition(error)) checkpoints.forget(streamArn, shardId);
        throw error;
      }
      this.shards.set(shardId, { iterator, closed: false });
    }
  }
}
