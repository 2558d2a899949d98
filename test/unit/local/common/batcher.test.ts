/** Batching by size and window, as "Lambda event source mappings" (Batching behavior) describes it. */
import { Batcher } from '../../../../scripts/local/common/batcher';

describe('Batcher', () => {
  let now = 0;
  const clock = () => now;

  beforeEach(() => {
    now = 0;
  });

  it('holds records until the batch is full', () => {
    // Prepare
    const batcher = new Batcher<number>({ maxItems: 3, windowMs: 5_000 }, clock);
    batcher.add(1);
    batcher.add(2);

    // Act
    const early = batcher.next();
    batcher.add(3);
    const full = batcher.next();

    // Assess
    expect(early).toBeUndefined();
    expect(full).toEqual([1, 2, 3]);
    expect(batcher.next()).toBeUndefined();
  });

  it('sends what it holds once the window since the first record has passed', () => {
    // Prepare
    const batcher = new Batcher<number>({ maxItems: 25, windowMs: 5_000 }, clock);
    batcher.add(1);
    now = 4_000;
    batcher.add(2);

    // Act
    const before = batcher.next();
    now = 5_000;
    const after = batcher.next();

    // Assess
    expect(before).toBeUndefined();
    expect(after).toEqual([1, 2]);
  });

  it('with no window (the default of 0), sends at once, at most maxItems at a time', () => {
    // Prepare
    const batcher = new Batcher<number>({ maxItems: 2, windowMs: 0 }, clock);
    [1, 2, 3].forEach((n) => batcher.add(n));

    // Act
    const batches = [batcher.next(), batcher.next(), batcher.next()];

    // Assess
    expect(batches).toEqual([[1, 2], [3], undefined]);
  });

  it('keeps groups apart, the oldest record\'s group first', () => {
    // Prepare
    const batcher = new Batcher<{ shard: string; n: number }>({ maxItems: 3, windowMs: 0, groupOf: (item) => item.shard }, clock);
    [['a', 1], ['b', 2], ['a', 3], ['b', 4]].forEach(([shard, n]) => batcher.add({ shard: String(shard), n: Number(n) }));

    // Act
    const first = batcher.next()?.map((item) => item.n);
    const second = batcher.next()?.map((item) => item.n);

    // Assess
    expect([first, second]).toEqual([[1, 3], [2, 4]]);
  });

  it('drops what it is told to, and a new first record starts a new window', () => {
    // Prepare
    const batcher = new Batcher<number>({ maxItems: 10, windowMs: 1_000 }, clock);
    batcher.add(1);
    batcher.add(2);

    // Act
    batcher.discard(() => true);
    now = 5_000;
    batcher.add(3);
    const held = batcher.next();

    // Assess
    expect(batcher.size).toBe(1);
    expect(held).toBeUndefined();
  });
});
