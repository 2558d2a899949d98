import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type GetQueryResultsOutput,
  type QueryExecutionState,
} from '@aws-sdk/client-athena';
import { AthenaQueryRunner, fromAthena, QueryFailedError, QueryTimeoutError, sqlString } from '../../../../functions/reports/athena';

type Command = StartQueryExecutionCommand | GetQueryExecutionCommand | GetQueryResultsCommand | StopQueryExecutionCommand;

/** An Athena whose query goes through `states` (one per GetQueryExecution) and whose results are `pages`. */
function fakeAthena(states: QueryExecutionState[], pages: GetQueryResultsOutput[] = [], reason?: string) {
  const sent: Command[] = [];
  let polls = 0;
  const client = {
    send: async (command: Command) => {
      sent.push(command);
      if (command instanceof StartQueryExecutionCommand) return { QueryExecutionId: 'q-1' };
      if (command instanceof GetQueryExecutionCommand) {
        const state = states[Math.min(polls++, states.length - 1)];
        return {
          QueryExecution: {
            QueryExecutionId: 'q-1',
            StatementType: 'DML',
            Status: { State: state, ...(reason ? { StateChangeReason: reason } : {}) },
            Statistics: { DataScannedInBytes: 4096 },
          },
        };
      }
      if (command instanceof GetQueryResultsCommand) {
        const token = command.input.NextToken;
        return pages[token ? Number(token) : 0];
      }
      return {};
    },
  };
  return { client: client as unknown as AthenaClient, sent };
}

const page = (rows: (string | undefined)[][], next?: string): GetQueryResultsOutput => ({
  ResultSet: {
    Rows: rows.map((row) => ({ Data: row.map((value) => (value === undefined ? {} : { VarCharValue: value })) })),
    ResultSetMetadata: {
      ColumnInfo: [
        { Name: 'dt', Type: 'varchar' },
        { Name: 'views', Type: 'bigint' },
      ],
    },
  },
  ...(next ? { NextToken: next } : {}),
});

/** A clock that only moves when the runner waits. */
function fakeTime() {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    clock: () => now,
    wait: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
  };
}

const settings = { workGroup: 'serverless-blog-dev-reports', database: 'serverless_blog_dev_analytics' };

describe('AthenaQueryRunner', () => {
  it('starts the query in the workgroup and database, with its parameters as SQL literals', async () => {
    // Prepare
    const { client, sent } = fakeAthena(['SUCCEEDED'], [page([['dt', 'views']])]);
    const time = fakeTime();

    // Act
    await new AthenaQueryRunner(client, settings, time.wait, time.clock).run({ sql: 'SELECT 1', parameters: ["2026-10-24", "it's"] }, { timeoutMs: 60_000 });

    // Assess
    expect(sent[0]).toBeInstanceOf(StartQueryExecutionCommand);
    expect((sent[0] as StartQueryExecutionCommand).input).toEqual({
      QueryString: 'SELECT 1',
      WorkGroup: 'serverless-blog-dev-reports',
      QueryExecutionContext: { Database: 'serverless_blog_dev_analytics' },
      ExecutionParameters: ["'2026-10-24'", "'it''s'"],
    });
  });

  it('polls with exponential backoff, capped at 5 s, until SUCCEEDED', async () => {
    const { client } = fakeAthena(['QUEUED', 'QUEUED', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'SUCCEEDED'], [page([['dt', 'views']])]);
    const time = fakeTime();
    await new AthenaQueryRunner(client, settings, time.wait, time.clock).run({ sql: 'SELECT 1', parameters: [] }, { timeoutMs: 60_000 });
    expect(time.waits).toEqual([200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('reads every page, skips the header row of the first one only, and converts by column type', async () => {
    // Prepare
    const { client, sent } = fakeAthena(
      ['SUCCEEDED'],
      [page([['dt', 'views'], ['2026-11-01', '3']], '1'), page([['2026-11-02', '9007199254740993'], [undefined, '0']])],
    );

    // Act
    const result = await new AthenaQueryRunner(client, settings).run({ sql: 'SELECT 1', parameters: [] }, { timeoutMs: 60_000 });

    // Assess
    expect(result).toEqual({
      queryId: 'q-1',
      bytesScanned: 4096,
      rows: [
        { dt: '2026-11-01', views: 3 },
        { dt: '2026-11-02', views: '9007199254740993' },
        { dt: null, views: 0 },
      ],
    });
    const reads = sent.filter((command) => command instanceof GetQueryResultsCommand);
    expect(reads.map((command) => command.input)).toEqual([
      { QueryExecutionId: 'q-1', MaxResults: 1000 },
      { QueryExecutionId: 'q-1', MaxResults: 1000, NextToken: '1' },
    ]);
  });

  it.each(['FAILED', 'CANCELLED'] as const)('throws with the reason when the query is %s', async (state) => {
    const { client } = fakeAthena(['RUNNING', state], [], 'Query cancelled! : Bytes scanned limit was exceeded');
    const time = fakeTime();
    const run = new AthenaQueryRunner(client, settings, time.wait, time.clock).run({ sql: 'SELECT 1', parameters: [] }, { timeoutMs: 60_000 });
    await expect(run).rejects.toThrow(QueryFailedError);
    await expect(run).rejects.toThrow(`query q-1 ${state}: Query cancelled! : Bytes scanned limit was exceeded`);
  });

  it('stops a query still running at its timeout, and says so', async () => {
    // Prepare
    const { client, sent } = fakeAthena(['RUNNING']);
    const time = fakeTime();

    // Act
    const run = new AthenaQueryRunner(client, settings, time.wait, time.clock).run({ sql: 'SELECT 1', parameters: [] }, { timeoutMs: 10_000 });

    // Assess
    await expect(run).rejects.toThrow(QueryTimeoutError);
    expect(time.waits.reduce((sum, ms) => sum + ms, 0)).toBe(10_000);
    expect(sent.at(-1)).toBeInstanceOf(StopQueryExecutionCommand);
  });
});

describe('fromAthena', () => {
  it.each([
    ['varchar', 'x', 'x'],
    ['varchar', '', ''],
    ['varchar', undefined, null],
    ['bigint', '42', 42],
    ['integer', '-7', -7],
    ['double', '2.5', 2.5],
    ['double', 'NaN', 'NaN'],
    ['boolean', 'true', true],
    ['boolean', 'false', false],
    ['decimal', '1.50', '1.50'],
    ['date', '2026-11-22', '2026-11-22'],
    ['timestamp', '2026-11-22 05:00:00.000', '2026-11-22 05:00:00.000'],
  ])('%s %p is %p', (type, value, expected) => {
    expect(fromAthena(value, type)).toEqual(expected);
  });

  it('quotes parameters as SQL strings', () => {
    expect(sqlString("O'Brien")).toBe("'O''Brien'");
  });
});
