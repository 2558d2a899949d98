/**
 * Records gathered into batches by size and time, as Lambda's event source mappings batch them (BatchSize and
 * MaximumBatchingWindowInSeconds, "Lambda event source mappings", Batching behavior): a batch goes when it is full or
 * when the window since its first record has passed. With `groupOf`, a batch holds records of one group only (one
 * shard of a stream), the group of the oldest record first.
 */
export class Batcher<T> {
  private items: T[] = [];
  private since = 0;

  constructor(
    private readonly limits: { maxItems: number; windowMs: number; groupOf?: (item: T) => string },
    private readonly now: () => number = Date.now,
  ) {}

  add(item: T): void {
    if (this.items.length === 0) this.since = this.now();
    this.items.push(item);
  }

  /** Drops the items that `drop` selects (records to be read again). */
  discard(drop: (item: T) => boolean): void {
    this.items = this.items.filter((item) => !drop(item));
  }

  /** The next batch if one is due, else undefined. */
  next(): T[] | undefined {
    const { maxItems, windowMs, groupOf } = this.limits;
    if (this.items.length === 0) return undefined;
    if (this.items.length < maxItems && this.now() - this.since < windowMs) return undefined;
    const group = groupOf?.(this.items[0]!);
    const batch = this.items.filter((item) => group === undefined || groupOf?.(item) === group).slice(0, maxItems);
    this.items = this.items.filter((item) => !batch.includes(item));
    this.since = this.now();
    return batch;
  }

  get size(): number {
    return this.items.length;
  }
}
