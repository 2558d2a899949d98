/**
 * The QueryRunner on Athena (Amazon Athena API Reference): StartQueryExecution in the workgroup, whose enforced
 * configuration sets the results location and the bytes-scanned cutoff; GetQueryExecution polled with exponential
 * backoff until the query is SUCCEEDED, FAILED or CANCELLED; GetQueryResults read page by page. Locally the same code
 * talks to the DuckDB stand-in (scripts/local/athena), through AWS_ENDPOINT_URL_ATHENA.
 */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type QueryExecution,
  type Row,
} from '@aws-sdk/client-athena';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReportRow } from '../lib/reports';
import type { QueryResult, QueryRunner } from './reports';

export interface AthenaSettings {
  workGroup: string;
  /** The Glue database the queries' table names resolve in. */
  database: string;
}

/** The query ended in FAILED or CANCELLED (a CANCELLED one past the workgroup's BytesScannedCutoffPerQuery, too). */
export class QueryFailedError extends Error {
  override readonly name = 'QueryFailedError';
  constructor(
    readonly queryId: string,
    readonly state: string,
    reason: string,
  ) {
    super(`query ${queryId} ${state}: ${reason}`);
  }
}

export class QueryTimeoutError extends Error {
  override readonly name = 'QueryTimeoutError';
  constructor(
    readonly queryId: string,
    timeoutMs: number,
  ) {
    super(`query ${queryId} did not finish within ${timeoutMs} ms; stopped`);
  }
}

/** GetQueryResults' largest page. */
const PAGE_SIZE = 1000;
const FIRST_POLL_MS = 200;
const MAX_POLL_MS = 5000;

/** An Athena execution parameter is SQL literal text: a string goes in single quotes, a quote inside doubled. */
export const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/**
 * A value of GetQueryResults (always text, absent for NULL) as JSON, by the column's type in ResultSetMetadata:
 * integers and floating point as numbers (a bigint past 2^53 stays text rather than lose digits), boolean as
 * boolean; decimal stays text (exact), as do dates, timestamps and everything else.
 */
export function fromAthena(value: string | undefined, type: string | undefined): string | number | boolean | null {
  if (value === undefined) return null;
  switch (type) {
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
    case 'bigint': {
      const number = Number(value);
      return Number.isSafeInteger(number) ? number : value;
    }
    case 'double':
    case 'float':
    case 'real': {
      const number = Number(value);
      return Number.isFinite(number) ? number : value;
    }
    case 'boolean':
      return value === 'true';
    default:
      return value;
  }
}

export class AthenaQueryRunner implements QueryRunner {
  constructor(
    private readonly athena: AthenaClient,
    private readonly settings: AthenaSettings,
    private readonly wait: (ms: number) => Promise<unknown> = sleep,
    private readonly clock: () => number = Date.now,
  ) {}

  async run(query: { sql: string; parameters: readonly string[] }, options: { timeoutMs: number }): Promise<QueryResult> {
    const deadline = this.clock() + options.timeoutMs;
    const { QueryExecutionId: queryId } = await this.athena.send(
      new StartQueryExecutionCommand({
        QueryString: query.sql,
        WorkGroup: this.settings.workGroup,
        QueryExecutionContext: { Database: this.settings.database },
        // At least one item when present (API Reference, StartQueryExecution).
        ...(query.parameters.length > 0 ? { ExecutionParameters: query.parameters.map(sqlString) } : {}),
      }),
    );
    if (!queryId) throw new Error('StartQueryExecution returned no QueryExecutionId');
    const execution = await this.finished(queryId, deadline, options.timeoutMs);
    return {
      queryId,
      rows: await this.rows(queryId, execution.StatementType === 'DML'),
      bytesScanned: execution.Statistics?.DataScannedInBytes ?? 0,
    };
  }

  /** Polls until the query is done: 200 ms, then twice as long each time up to 5 s, never past the deadline. */
  private async finished(queryId: string, deadline: number, timeoutMs: number): Promise<QueryExecution> {
    for (let delay = FIRST_POLL_MS; ; delay = Math.min(delay * 2, MAX_POLL_MS)) {
      const { QueryExecution: execution } = await this.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }));
      const state = execution?.Status?.State;
      if (execution && state === 'SUCCEEDED') return execution;
      if (state === 'FAILED' || state === 'CANCELLED') {
        const reason = execution?.Status?.StateChangeReason ?? execution?.Status?.AthenaError?.ErrorMessage ?? 'no reason given';
        throw new QueryFailedError(queryId, state, reason);
      }
      const left = deadline - this.clock();
      if (left <= 0) {
        // Best effort: a query left running would go on scanning (and billing) after this invocation has given up.
        await this.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId })).catch(() => undefined);
        throw new QueryTimeoutError(queryId, timeoutMs);
      }
      await this.wait(Math.min(delay, left));
    }
  }

  /**
   * Every page of the result. For a SELECT (StatementType DML) the first row of the first page holds the column
   * names, not data ("GetQueryResults", API Reference; "Working with query results"), so it is skipped.
   */
  private async rows(queryId: string, hasHeader: boolean): Promise<ReportRow[]> {
    const rows: ReportRow[] = [];
    let columns: ColumnInfo[] | undefined;
    let nextToken: string | undefined;
    let first = true;
    do {
      const page = await this.athena.send(
        new GetQueryResultsCommand({ QueryExecutionId: queryId, MaxResults: PAGE_SIZE, ...(nextToken ? { NextToken: nextToken } : {}) }),
      );
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const pageRows: Row[] = page.ResultSet?.Rows ?? [];
      for (const row of first && hasHeader ? pageRows.slice(1) : pageRows) rows.push(toRow(row, columns));
      first = false;
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }
}

function toRow(row: Row, columns: readonly ColumnInfo[]): ReportRow {
  const out: ReportRow = {};
  columns.forEach((column, index) => {
    out[column.Name ?? `_col${index}`] = fromAthena(row.Data?.[index]?.VarCharValue, column.Type);
  });
  return out;
}
