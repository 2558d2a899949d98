/**
 * One delivery stream at work, as Firehose runs it ("Understand data delivery in Amazon Data Firehose", "Configure
 * buffering hints", "Dynamic partitioning", Amazon Data Firehose Developer Guide): records read from the source gather
 * in the processing buffer until its size or interval hint is reached, go through the function (processing.ts), then
 * gather per partition — per set of partition-key values, and per error output type for the error prefix — until the
 * destination's size or interval hint is reached, and are written as one S3 object each time: Parquet of the Glue
 * table's columns (conversion.ts) under the evaluated prefix, or newline-delimited error documents under the error
 * prefix. Object names: `<evaluated prefix><delivery stream name>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><extension>`
 * ("Configure Amazon S3 object name format"), version 1 (it counts configuration updates, which a local stream has
 * none of), the time being the arrival of the oldest record in the object, like the prefix's timestamps.
 *
 * A write to S3 that fails is tried again on the next round and holds its records, as Firehose retries it until it
 * succeeds. A record whose partition keys the prefix needs are missing goes to the error prefix as processing-failed
 * with the code Firehose gives keys it cannot extract (DynamicPartitioning.MetadataExtractionFailed).
 */
import { randomUUID } from 'node:crypto';
import { ConversionError, deserialize, type Row } from './conversion';
import type { DeliveryStreamDefinition } from './definition';
import { evaluatePrefix, formatUtc, MissingPartitionKey, partitionOf } from './prefix';
import {
  LAMBDA_PAYLOAD_LIMIT,
  processBatch,
  processingErrorDocument,
  type BatchContext,
  type Invocation,
  type RecordOutcome,
  type SourceRecord,
  type transformationEvent,
} from './processing';
import type { Checkpoint } from './source';

export interface DeliveryIo {
  read(push: (record: SourceRecord) => void): Promise<void>;
  invoke(event: ReturnType<typeof transformationEvent>): Promise<Invocation>;
  /** Pause before retry `attempt` of a failed invocation. */
  backoff(attempt: number): Promise<void>;
  putObject(key: string, body: Buffer): Promise<void>;
  parquet(rows: readonly Row[]): Promise<Buffer>;
  checkpoint(shardId: string, checkpoint: Checkpoint): void;
  saveCheckpoints(): void;
  log(message: string): void;
  now?: () => number;
  uuid?: () => string;
}

type Item = { record: SourceRecord } & ({ rows: Row[]; data: Buffer } | { document: string });

interface Partition {
  errorOutputType?: string;
  partitionKeys?: Record<string, string>;
  items: Item[];
  bytes: number;
  since: number;
}

/** A rough size of a record in the invocation's JSON: its data in base64 and its metadata. */
const eventShare = (record: SourceRecord): number => Math.ceil(record.data.length / 3) * 4 + 300 + record.sequenceNumber.length * 2;

export class DeliveryStream {
  private readonly pending: SourceRecord[] = [];
  private pendingBytes = 0;
  private pendingSince = 0;
  private readonly partitions = new Map<string, Partition>();
  /** Per shard, the records read and not yet delivered, in order, for the checkpoint. */
  private readonly unsettled = new Map<string, { record: SourceRecord; settled: boolean }[]>();
  private readonly tracked = new Map<string, { record: SourceRecord; settled: boolean }>();
  private readonly now: () => number;
  private readonly uuid: () => string;
  /** A checkpoint moved since the file was last written. */
  private moved = false;

  constructor(
    private readonly definition: DeliveryStreamDefinition,
    private readonly context: BatchContext,
    private readonly io: DeliveryIo,
  ) {
    this.now = io.now ?? Date.now;
    this.uuid = io.uuid ?? randomUUID;
  }

  /** One round: read, run the function on what is due, write what is due, move the checkpoints. */
  async step(): Promise<void> {
    await this.io.read((record) => this.accept(record));
    await this.processDue();
    await this.writeDue();
    if (this.moved) {
      this.io.saveCheckpoints();
      this.moved = false;
    }
  }

  /** Records and bytes held in buffers (for logs and tests). */
  get buffered(): { records: number; partitions: number } {
    return { records: this.tracked.size, partitions: this.partitions.size };
  }

  private accept(record: SourceRecord): void {
    // Read again (a source re-opened at an earlier position) while still in a buffer: it is on its way already.
    if (this.tracked.has(record.recordId)) return;
    const entry = { record, settled: false };
    this.tracked.set(record.recordId, entry);
    const queue = this.unsettled.get(record.shardId) ?? [];
    queue.push(entry);
    this.unsettled.set(record.shardId, queue);
    if (this.pending.length === 0) this.pendingSince = this.now();
    this.pending.push(record);
    this.pendingBytes += record.data.length;
  }

  private async processDue(): Promise<void> {
    const processor = this.definition.processor;
    if (!processor) {
      this.route(this.pending.splice(0).map((record) => ({ record, result: 'Ok', data: record.data })));
      this.pendingBytes = 0;
      return;
    }
    while (this.pending.length > 0 && (this.pendingBytes >= processor.bufferBytes || this.now() - this.pendingSince >= processor.intervalMs)) {
      // A batch: up to the buffer size, and never an invocation over Lambda's 6 MB.
      let bytes = 0;
      let share = 1024;
      let count = 0;
      for (const record of this.pending) {
        if (count > 0 && (bytes + record.data.length > processor.bufferBytes || share + eventShare(record) > LAMBDA_PAYLOAD_LIMIT)) break;
        bytes += record.data.length;
        share += eventShare(record);
        count += 1;
      }
      const batch = this.pending.splice(0, count);
      this.pendingBytes -= bytes;
      if (this.pending.length > 0) this.pendingSince = this.now();
      const outcomes = await processBatch(batch, this.context, {
        invoke: (event) => this.io.invoke(event),
        retries: processor.retries,
        backoff: (attempt) => this.io.backoff(attempt),
        log: (message) => this.io.log(`${this.definition.name}: ${message}`),
      });
      const counts = { Ok: 0, Dropped: 0, Failed: 0 };
      for (const outcome of outcomes) counts[outcome.result] += 1;
      this.io.log(`${this.definition.name}: ${batch.length} record(s) processed: ${counts.Ok} Ok, ${counts.Dropped} Dropped, ${counts.Failed} failed`);
      this.route(outcomes);
    }
  }

  private route(outcomes: readonly RecordOutcome[]): void {
    const { definition } = this;
    const lambdaArn = definition.processor?.functionArn ?? '';
    for (const outcome of outcomes) {
      if (outcome.result === 'Dropped') {
        this.settle([outcome.record]);
        continue;
      }
      if (outcome.result === 'Failed') {
        this.add('processing-failed', undefined, { record: outcome.record, document: JSON.stringify(processingErrorDocument(outcome, lambdaArn, this.now())) });
        continue;
      }
      let partitionKeys: Record<string, string> | undefined;
      if (definition.dynamicPartitioning) {
        try {
          partitionKeys = partitionOf(definition.prefix, outcome.partitionKeys);
        } catch (error) {
          if (!(error instanceof MissingPartitionKey)) throw error;
          const failure = { errorCode: 'DynamicPartitioning.MetadataExtractionFailed', errorMessage: error.message };
          const document = processingErrorDocument({ record: outcome.record, result: 'Failed', failure, attemptsMade: 1 }, lambdaArn, this.now());
          this.add('processing-failed', undefined, { record: outcome.record, document: JSON.stringify(document) });
          continue;
        }
      }
      let rows: Row[] = [];
      if (definition.conversion) {
        try {
          rows = deserialize(outcome.data, definition.conversion.schema);
        } catch (error) {
          if (!(error instanceof ConversionError)) throw error;
          this.add('format-conversion-failed', undefined, { record: outcome.record, document: JSON.stringify(this.conversionErrorDocument(outcome.record, outcome.data, error)) });
          continue;
        }
      }
      this.add(undefined, partitionKeys, { record: outcome.record, rows, data: outcome.data });
    }
  }

  /** The document of "Handling errors for data format conversion". */
  private conversionErrorDocument(record: SourceRecord, data: Buffer, error: ConversionError) {
    return {
      attemptsMade: 1,
      arrivalTimestamp: record.arrivalMs,
      lastErrorCode: error.code,
      lastErrorMessage: error.message,
      attemptEndingTimestamp: this.now(),
      rawData: data.toString('base64'),
      sequenceNumber: record.sequenceNumber,
      subSequenceNumber: record.subsequenceNumber,
      dataCatalogTable: this.definition.conversion!.table,
    };
  }

  private add(errorOutputType: string | undefined, partitionKeys: Record<string, string> | undefined, item: Item): void {
    const key = errorOutputType ? `error:${errorOutputType}` : `data:${JSON.stringify(partitionKeys ?? {})}`;
    let partition = this.partitions.get(key);
    if (!partition) {
      partition = { ...(errorOutputType ? { errorOutputType } : {}), ...(partitionKeys ? { partitionKeys } : {}), items: [], bytes: 0, since: this.now() };
      this.partitions.set(key, partition);
    }
    partition.items.push(item);
    partition.bytes += 'document' in item ? Buffer.byteLength(item.document) + 1 : item.data.length;
  }

  private async writeDue(): Promise<void> {
    const { sizeBytes, intervalMs } = this.definition.buffering;
    for (const [key, partition] of [...this.partitions]) {
      if (partition.bytes < sizeBytes && this.now() - partition.since < intervalMs) continue;
      try {
        await this.write(partition);
      } catch (error) {
        this.io.log(`${this.definition.name}: writing ${partition.items.length} record(s) failed, trying again next round: ${(error as Error).message}`);
        continue;
      }
      this.partitions.delete(key);
      this.settle(partition.items.map((item) => item.record));
    }
  }

  private async write(partition: Partition): Promise<void> {
    const { definition } = this;
    const oldestArrivalMs = Math.min(...partition.items.map((item) => item.record.arrivalMs));
    const isError = partition.errorOutputType !== undefined;
    const prefix = isError
      ? evaluatePrefix(definition.errorPrefix, { oldestArrivalMs, errorOutputType: partition.errorOutputType! })
      : evaluatePrefix(definition.prefix, { oldestArrivalMs, ...(partition.partitionKeys ? { partitionKeys: partition.partitionKeys } : {}) });
    const name = `${definition.name}-1-${formatUtc('yyyy-MM-dd-HH-mm-ss', oldestArrivalMs)}-${this.uuid()}${isError ? '' : definition.fileExtension}`;
    let body: Buffer;
    if (isError) {
      body = Buffer.from(partition.items.map((item) => `${(item as { document: string }).document}\n`).join(''));
    } else if (definition.conversion) {
      body = await this.io.parquet(partition.items.flatMap((item) => (item as { rows: Row[] }).rows));
    } else {
      body = Buffer.concat(partition.items.map((item) => (item as { data: Buffer }).data));
    }
    await this.io.putObject(`${prefix}${name}`, body);
    this.io.log(`${definition.name}: wrote ${partition.items.length} record(s) to ${prefix}${name}`);
  }

  /** Marks records delivered and moves each shard's checkpoint past the delivered records at its head. */
  private settle(records: readonly SourceRecord[]): void {
    const shards = new Set<string>();
    for (const record of records) {
      const entry = this.tracked.get(record.recordId);
      if (entry) entry.settled = true;
      this.tracked.delete(record.recordId);
      shards.add(record.shardId);
    }
    for (const shardId of shards) {
      const queue = this.unsettled.get(shardId) ?? [];
      let last: SourceRecord | undefined;
      while (queue[0]?.settled) last = queue.shift()!.record;
      if (!last) continue;
      this.io.checkpoint(shardId, { sequenceNumber: last.sequenceNumber, arrivalMs: last.arrivalMs });
      this.moved = true;
    }
  }
}
