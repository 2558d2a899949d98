/**
 * Rebuilding the reports: every report query runs (on Athena through the QueryRunner port) over the last
 * `windowDays` days and its rows are written to the ReportStore as one JSON array. The queries run side by side;
 * one that fails does not keep the others from being written, but the rebuild as a whole then fails, so whatever
 * triggered it (an SQS batch, the schedule) is retried.
 */
import { logger } from '../lib/logger';
import { REPORT_NAMES, type ReportName, type ReportRow, type ReportWriter } from '../lib/reports';

export interface QueryResult {
  queryId: string;
  rows: ReportRow[];
  /** What Athena bills by; the workgroup cancels a query past its BytesScannedCutoffPerQuery. */
  bytesScanned: number;
}

/** Runs one SELECT to its end; throws when it fails, is cancelled (the bytes-scanned cutoff) or runs past timeoutMs. */
export interface QueryRunner {
  run(query: { sql: string; parameters: readonly string[] }, options: { timeoutMs: number }): Promise<QueryResult>;
}

export interface RebuildDeps {
  runner: QueryRunner;
  store: ReportWriter;
  queries: Readonly<Record<ReportName, string>>;
  /** Days each report covers, today (UTC) included. */
  windowDays: number;
  /** The longest one query may take (Athena queues and runs it). */
  queryTimeoutMs: number;
  now?: () => Date;
}

export interface RebuildSummary {
  reports: { name: ReportName; rows: number; bytesScanned: number }[];
}

export class ReportsFailedError extends Error {
  override readonly name = 'ReportsFailedError';
  constructor(
    readonly failed: readonly ReportName[],
    readonly causes: readonly unknown[],
  ) {
    super(`reports not rebuilt: ${failed.join(', ')}`);
  }
}

/** The first day (yyyy-MM-dd, UTC, the form of the `dt` partition) of a window of `days` days ending today. */
export function firstDay(now: Date, days: number): string {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
  return start.toISOString().slice(0, 10);
}

/**
 * Rebuilds every report. `deadlineMs` (epoch ms) is when the caller must be done — the Lambda's remaining time — so
 * no query is given longer than that, even when queryTimeoutMs would allow it.
 */
export async function rebuildReports(deps: RebuildDeps, deadlineMs = Number.POSITIVE_INFINITY): Promise<RebuildSummary> {
  const now = deps.now?.() ?? new Date();
  const from = firstDay(now, deps.windowDays);
  const timeoutMs = Math.max(0, Math.min(deps.queryTimeoutMs, deadlineMs - now.getTime()));

  const outcomes = await Promise.allSettled(
    REPORT_NAMES.map(async (name) => {
      const started = Date.now();
      const result = await deps.runner.run({ sql: deps.queries[name], parameters: [from] }, { timeoutMs });
      await deps.store.put(name, result.rows);
      logger.info('report rebuilt', {
        report: name,
        queryId: result.queryId,
        rows: result.rows.length,
        bytesScanned: result.bytesScanned,
        ms: Date.now() - started,
      });
      return { name, rows: result.rows.length, bytesScanned: result.bytesScanned };
    }),
  );

  const failed: ReportName[] = [];
  const causes: unknown[] = [];
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') return;
    const name = REPORT_NAMES[index] as ReportName;
    failed.push(name);
    causes.push(outcome.reason);
    logger.error('report not rebuilt', { report: name, error: outcome.reason as Error });
  });
  if (failed.length > 0) throw new ReportsFailedError(failed, causes);
  return { reports: outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : [])) };
}
