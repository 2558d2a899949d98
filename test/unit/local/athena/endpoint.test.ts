/**
 * The local Athena, driven by the real @aws-sdk/client-athena over Parquet files laid out as Firehose writes them.
 * Each test quotes the behaviour of the Amazon Athena API Reference (or user guide) it checks.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  InvalidRequestException,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type QueryExecution,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { rmSync, statSync } from 'node:fs';
import { REPORT_NAMES } from '../../../../functions/lib/reports';
import { AthenaQueryRunner } from '../../../../functions/reports/athena';
import { REPORT_QUERIES } from '../../../../functions/reports/queries';
import { startLocalAthena, type LocalAthena } from '../../../../scripts/local/athena/endpoint';
import { tableFiles } from '../../../../scripts/local/athena/tables';
import { eventsTable, EXPECTED_REPORTS, FIRST_DAY, writeEventsParquet } from '../../../support/analytics-events';

const DATABASE = 'serverless_blog_local_analytics';
const WORKGROUP = 'serverless-blog-local-reports';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

let directory: string;
let emptyDirectory: string;
let athena: LocalAthena;
let client: AthenaClient;
/** While set, every query waits in RUNNING (the stand-in's refresh step) until it is resolved. */
let hold: Promise<void> | undefined;
let refreshes = 0;

beforeAll(async () => {
  directory = await writeEventsParquet();
  emptyDirectory = await writeEventsParquet([]);
  athena = await startLocalAthena({
    host: '127.0.0.1',
    port: 0,
    database: DATABASE,
    tables: [eventsTable(directory), { ...eventsTable(emptyDirectory), name: 'no_events' }],
    workGroups: {
      [WORKGROUP]: { outputLocation: 's3://serverless-blog-local-athena-results/results/' },
      tiny: { outputLocation: 's3://serverless-blog-local-athena-results/tiny/', bytesScannedCutoffPerQuery: 1024 },
      unconfigured: { outputLocation: '' },
      primary: { outputLocation: '', enforce: false },
      open: { outputLocation: 's3://serverless-blog-local-athena-results/open/', enforce: false },
      disabled: { outputLocation: 's3://serverless-blog-local-athena-results/disabled/', enabled: false },
    },
    refresh: async () => {
      refreshes += 1;
      await hold;
    },
  });
  client = new AthenaClient({ endpoint: athena.url, region: 'us-east-1', credentials: CREDENTIALS });
});

afterAll(async () => {
  client?.destroy();
  await athena?.close();
  for (const dir of [directory, emptyDirectory]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const start = async (QueryString: string, input: Partial<StartQueryExecutionCommandInput> = {}): Promise<string> => {
  const { QueryExecutionId } = await client.send(
    new StartQueryExecutionCommand({ QueryString, WorkGroup: WORKGROUP, QueryExecutionContext: { Database: DATABASE }, ...input }),
  );
  return QueryExecutionId ?? '';
};

const execution = async (id: string): Promise<QueryExecution> =>
  (await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution ?? {};

async function finished(id: string): Promise<QueryExecution> {
  for (;;) {
    const current = await execution(id);
    if (!['QUEUED', 'RUNNING'].includes(current.Status?.State ?? '')) return current;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const refusal = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestException);
    return (error as Error).message;
  }
  throw new Error('expected InvalidRequestException');
};

describe('the report function against the local Athena', () => {
  test.each(REPORT_NAMES)('%s: the adapter of the function reads exactly the known rows', async (name) => {
    // Prepare
    const runner = new AthenaQueryRunner(client, { workGroup: WORKGROUP, database: DATABASE });

    // Act
    const result = await runner.run({ sql: REPORT_QUERIES[name], parameters: [FIRST_DAY] }, { timeoutMs: 30_000 });

    // Assess
    expect(result.rows).toEqual(EXPECTED_REPORTS[name]);
  });
});

describe('StartQueryExecution / GetQueryExecution', () => {
  test('a query gets an id at once and ends SUCCEEDED, with its context, workgroup, output location and bytes scanned', async () => {
    // Act
    const id = await start('SELECT count(*) AS n FROM events WHERE dt >= ?', { ExecutionParameters: [`'${FIRST_DAY}'`] });
    const done = await finished(id);

    // Assess
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(done).toMatchObject({
      QueryExecutionId: id,
      StatementType: 'DML',
      WorkGroup: WORKGROUP,
      QueryExecutionContext: { Database: DATABASE, Catalog: 'AwsDataCatalog' },
      ResultConfiguration: { OutputLocation: `s3://serverless-blog-local-athena-results/results/${id}.csv` },
      Status: { State: 'SUCCEEDED' },
      ExecutionParameters: [`'${FIRST_DAY}'`],
    });
    expect(done.Status?.SubmissionDateTime).toBeInstanceOf(Date);
    expect(done.Status?.CompletionDateTime).toBeInstanceOf(Date);
    const files = tableFiles(eventsTable(directory));
    expect(done.Statistics?.DataScannedInBytes).toBe(files.reduce((sum, file) => sum + statSync(file).size, 0));
  });

  test('QUEUED or RUNNING until done; "Query has not yet finished" is what GetQueryResults says meanwhile', async () => {
    // Prepare
    let release = (): void => undefined;
    hold = new Promise((resolve) => (release = resolve));
    try {
      // Act
      const id = await start('SELECT 1 AS one');
      const early = (await execution(id)).Status?.State;

      // Assess
      expect(['QUEUED', 'RUNNING']).toContain(early);
      expect(await refusal(client.send(new GetQueryResultsCommand({ QueryExecutionId: id })))).toMatch(/^Query has not yet finished\. Current state: (QUEUED|RUNNING)$/);
      release();
      expect((await finished(id)).Status?.State).toBe('SUCCEEDED');
    } finally {
      release();
      hold = undefined;
    }
  });

  test('StopQueryExecution cancels a running query, which then has no results', async () => {
    let release = (): void => undefined;
    hold = new Promise((resolve) => (release = resolve));
    try {
      const id = await start('SELECT count(*) FROM events');
      await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
      release();
      expect((await finished(id)).Status?.State).toBe('CANCELLED');
      expect(await refusal(client.send(new GetQueryResultsCommand({ QueryExecutionId: id })))).toBe(
        'Query did not finish successfully. Final query state: CANCELLED',
      );
    } finally {
      release();
      hold = undefined;
    }
  });

  test.each([
    ['an unknown table', 'SELECT * FROM nowhere', /nowhere/],
    ['an unknown column', 'SELECT no_such_column FROM events', /no_such_column/],
    ['a statement that is not a SELECT', 'CREATE TABLE copied AS SELECT * FROM events', /SELECT queries only/],
    ['the wrong number of parameters', 'SELECT count(*) FROM events WHERE dt >= ?', /Incorrect number of parameters: expected 1 but found 0/],
    ['a file outside the tables', "SELECT * FROM read_csv('/etc/passwd')", /.+/],
  ])('%s makes the query FAILED, with the reason in StateChangeReason', async (_, sql, reason) => {
    const done = await finished(await start(sql));
    expect(done.Status?.State).toBe('FAILED');
    expect(done.Status?.StateChangeReason).toMatch(reason);
    expect(done.Status?.AthenaError?.ErrorMessage).toBe(done.Status?.StateChangeReason);
  });

  test('a database the catalog does not have makes the query FAILED', async () => {
    const done = await finished(await start('SELECT 1', { QueryExecutionContext: { Database: 'nope' } }));
    expect(done.Status).toMatchObject({ State: 'FAILED', StateChangeReason: "SCHEMA_NOT_FOUND: Schema 'nope' does not exist" });
  });

  test('a query past the workgroup’s BytesScannedCutoffPerQuery is CANCELLED ("it is canceled", data usage controls)', async () => {
    const done = await finished(await start('SELECT count(*) FROM events', { WorkGroup: 'tiny' }));
    expect(done.Status).toMatchObject({ State: 'CANCELLED', StateChangeReason: 'Query cancelled! : Bytes scanned limit was exceeded' });
    // A query that names no table scans nothing and runs.
    expect((await finished(await start('SELECT 1', { WorkGroup: 'tiny' }))).Status?.State).toBe('SUCCEEDED');
  });

  test("a workgroup that does not enforce its configuration takes the request's output location; one that does, its own", async () => {
    // Prepare
    const ResultConfiguration = { OutputLocation: 's3://elsewhere/mine/' };

    // Act
    const open = await finished(await start('SELECT 1', { WorkGroup: 'open', ResultConfiguration }));
    const enforced = await finished(await start('SELECT 1', { ResultConfiguration }));
    const primary = await finished(await start('SELECT 1', { WorkGroup: undefined, ResultConfiguration }));

    // Assess
    expect(open.ResultConfiguration?.OutputLocation).toBe(`s3://elsewhere/mine/${open.QueryExecutionId}.csv`);
    expect(enforced.ResultConfiguration?.OutputLocation).toBe(`s3://serverless-blog-local-athena-results/results/${enforced.QueryExecutionId}.csv`);
    expect([primary.WorkGroup, primary.Status?.State]).toEqual(['primary', 'SUCCEEDED']);
  });

  test('the same ClientRequestToken returns the same query rather than start another', async () => {
    const token = 'report-rebuild-0000000000000000000001';
    const first = await start('SELECT 1', { ClientRequestToken: token });
    const again = await start('SELECT 1', { ClientRequestToken: token });
    expect(again).toBe(first);
  });

  test.each([
    ['a syntax error', { QueryString: 'SELEC 1' }, /syntax error/i],
    ['two statements', { QueryString: 'SELECT 1; SELECT 2' }, /^Only one sql statement is allowed\.$/],
    ['an unknown workgroup', { QueryString: 'SELECT 1', WorkGroup: 'nope' }, /^WorkGroup nope is not found\.$/],
    ['no output location', { QueryString: 'SELECT 1', WorkGroup: 'unconfigured' }, /^No output location provided/],
    ['no workgroup and no output location (the primary workgroup has none)', { QueryString: 'SELECT 1', WorkGroup: undefined }, /^No output location provided/],
    ['a disabled workgroup', { QueryString: 'SELECT 1', WorkGroup: 'disabled' }, /^WorkGroup disabled is disabled\.$/],
    ['a parameter that is no literal', { QueryString: 'SELECT ?', ExecutionParameters: ['dt'] }, /ExecutionParameters/],
  ])('StartQueryExecution refuses %s with InvalidRequestException', async (_, input, message) => {
    const { QueryString = '', ...rest } = input as Partial<StartQueryExecutionCommandInput>;
    expect(await refusal(start(QueryString, rest))).toMatch(message);
  });

  test('an unknown QueryExecutionId is an InvalidRequestException', async () => {
    expect(await refusal(execution('00000000-0000-0000-0000-000000000000'))).toMatch(/was not found/);
  });
});

describe('GetQueryResults', () => {
  test("the first page's first row holds the column names; ColumnInfo names Athena's types; values are text, NULL empty", async () => {
    // Prepare
    const id = await start(
      `SELECT 'a' AS s, CAST(NULL AS VARCHAR) AS missing, CAST(42 AS BIGINT) AS big, 7 AS i, CAST(2 AS DOUBLE) AS d, true AS b,
              DATE '2024-05-01' AS day, TIMESTAMP '2024-05-01 10:00:00.5' AS ts, CAST(1.5 AS DECIMAL(10,2)) AS dec, sum(CAST(3 AS BIGINT)) AS total`,
    );
    await finished(id);

    // Act
    const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId: id }));

    // Assess
    const columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
    expect(columns.map((column) => [column.Name, column.Type])).toEqual([
      ['s', 'varchar'],
      ['missing', 'varchar'],
      ['big', 'bigint'],
      ['i', 'integer'],
      ['d', 'double'],
      ['b', 'boolean'],
      ['day', 'date'],
      ['ts', 'timestamp'],
      ['dec', 'decimal'],
      ['total', 'bigint'],
    ]);
    expect(columns[8]).toMatchObject({ Precision: 10, Scale: 2 });
    expect(page.ResultSet?.Rows).toEqual([
      { Data: columns.map((column) => ({ VarCharValue: column.Name })) },
      {
        Data: [
          { VarCharValue: 'a' },
          {},
          { VarCharValue: '42' },
          { VarCharValue: '7' },
          { VarCharValue: '2.0' },
          { VarCharValue: 'true' },
          { VarCharValue: '2024-05-01' },
          { VarCharValue: '2024-05-01 10:00:00.500' },
          { VarCharValue: '1.50' },
          { VarCharValue: '3' },
        ],
      },
    ]);
    expect(page.NextToken).toBeUndefined();
  });

  test('pages of at most MaxResults rows, the header counted on the first, with a NextToken while rows remain', async () => {
    // Prepare: 5 data rows
    const id = await start('SELECT i FROM range(5) AS t(i) ORDER BY i');
    await finished(id);

    // Act
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 2, ...(token ? { NextToken: token } : {}) }));
      pages.push((page.ResultSet?.Rows ?? []).map((row) => row.Data?.[0]?.VarCharValue ?? ''));
      token = page.NextToken;
    } while (token);

    // Assess
    expect(pages).toEqual([['i', '0'], ['1', '2'], ['3', '4']]);
  });

  test.each([0, 1001, 2.5])('MaxResults %p is refused', async (max) => {
    const id = await start('SELECT 1');
    await finished(id);
    expect(await refusal(client.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: max })))).toMatch(/MaxResults/);
  });

  test("another query's NextToken is refused", async () => {
    const a = await start('SELECT i FROM range(3) AS t(i)');
    const b = await start('SELECT i FROM range(3) AS t(i)');
    await finished(a);
    await finished(b);
    const { NextToken } = await client.send(new GetQueryResultsCommand({ QueryExecutionId: a, MaxResults: 1 }));
    expect(await refusal(client.send(new GetQueryResultsCommand({ QueryExecutionId: b, NextToken })))).toMatch(/NextToken/);
  });

  test('a table with no file yet has no rows, and every report query runs on it', async () => {
    for (const name of REPORT_NAMES) {
      const id = await start(REPORT_QUERIES[name].replaceAll('FROM events', 'FROM no_events'), { ExecutionParameters: [`'${FIRST_DAY}'`] });
      expect((await finished(id)).Status?.State).toBe('SUCCEEDED');
      const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId: id }));
      expect(page.ResultSet?.Rows).toHaveLength(1); // the header alone
    }
  });

  test('the tables are refreshed before each query runs', async () => {
    const before = refreshes;
    await finished(await start('SELECT 1'));
    expect(refreshes).toBe(before + 1);
  });
});
