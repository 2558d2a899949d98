import type { ReportName, ReportRow, ReportWriter } from '../../../../functions/lib/reports';
import { firstDay, rebuildReports, ReportsFailedError, type QueryRunner } from '../../../../functions/reports/reports';

class MemoryStore implements ReportWriter {
  readonly reports = new Map<ReportName, readonly ReportRow[]>();
  async put(name: ReportName, rows: readonly ReportRow[]): Promise<void> {
    this.reports.set(name, rows);
  }
}

const QUERIES: Record<ReportName, string> = {
  'views-per-post': 'SQL views',
  'unique-visitors': 'SQL visitors',
  'top-referrers': 'SQL referrers',
  'premium-plays': 'SQL plays',
  uploads: 'SQL uploads',
};

/** Answers each query with one row naming it, or fails the ones listed. */
function runner(failing: string[] = []): QueryRunner & { calls: { sql: string; parameters: readonly string[]; timeoutMs: number }[] } {
  const calls: { sql: string; parameters: readonly string[]; timeoutMs: number }[] = [];
  return {
    calls,
    async run(query, options) {
      calls.push({ ...query, timeoutMs: options.timeoutMs });
      if (failing.includes(query.sql)) throw new Error(`${query.sql} FAILED`);
      return { queryId: `q-${calls.length}`, rows: [{ sql: query.sql, n: 1 }], bytesScanned: 1024 };
    },
  };
}

const NOW = new Date('2026-11-22T05:00:00Z');

describe('firstDay', () => {
  it.each([
    [1, '2026-11-22'],
    [30, '2026-10-24'],
    [366, '2025-11-22'],
  ])('a window of %i days ending 2026-11-22 starts on %s', (days, expected) => {
    expect(firstDay(NOW, days)).toBe(expected);
  });

  it('takes the UTC day, whatever the local clock says', () => {
    expect(firstDay(new Date('2026-11-22T23:59:59.999Z'), 1)).toBe('2026-11-22');
    expect(firstDay(new Date('2026-03-01T00:00:00Z'), 2)).toBe('2026-02-28');
  });
});

describe('rebuildReports', () => {
  it('runs every query with the first day of the window and writes each report', async () => {
    // Prepare
    const store = new MemoryStore();
    const queries = runner();

    // Act
    const summary = await rebuildReports({ runner: queries, store, queries: QUERIES, windowDays: 30, queryTimeoutMs: 60_000, now: () => NOW });

    // Assess
    expect(queries.calls.map((call) => call.sql).sort()).toEqual(Object.values(QUERIES).sort());
    expect(queries.calls.every((call) => call.parameters.length === 1 && call.parameters[0] === '2026-10-24')).toBe(true);
    expect([...store.reports.keys()].sort()).toEqual(Object.keys(QUERIES).sort());
    expect(store.reports.get('uploads')).toEqual([{ sql: 'SQL uploads', n: 1 }]);
    expect(summary.reports).toHaveLength(5);
  });

  it('gives no query longer than the caller has left', async () => {
    const queries = runner();
    const deadline = NOW.getTime() + 20_000;
    await rebuildReports({ runner: queries, store: new MemoryStore(), queries: QUERIES, windowDays: 30, queryTimeoutMs: 60_000, now: () => NOW }, deadline);
    expect(queries.calls.every((call) => call.timeoutMs === 20_000)).toBe(true);
  });

  it('writes the reports that succeeded, then fails naming the others, so the trigger is retried', async () => {
    // Prepare
    const store = new MemoryStore();

    // Act
    const rebuild = rebuildReports({
      runner: runner(['SQL plays', 'SQL referrers']),
      store,
      queries: QUERIES,
      windowDays: 30,
      queryTimeoutMs: 60_000,
      now: () => NOW,
    });

    // Assess
    await expect(rebuild).rejects.toThrow(ReportsFailedError);
    await rebuild.catch((error: ReportsFailedError) => expect([...error.failed].sort()).toEqual(['premium-plays', 'top-referrers']));
    expect([...store.reports.keys()].sort()).toEqual(['unique-visitors', 'uploads', 'views-per-post']);
  });
});
