/**
 * Every report query on DuckDB (the engine of the local Athena) over Parquet files laid out as Firehose writes them,
 * with answers known from the fixture: the same view of the Glue table the local Athena makes (scripts/local/athena/
 * tables.ts), the query bound to its one parameter, the first day.
 */
import { DuckDBInstance, StatementType, type DuckDBConnection } from '@duckdb/node-api';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPORT_NAMES } from '../../../../functions/lib/reports';
import { REPORT_QUERIES } from '../../../../functions/reports/queries';
import { tableFiles, viewSql } from '../../../../scripts/local/athena/tables';
import { DELIVERIES, EXPECTED_REPORTS, eventsTable, FIRST_DAY, writeEventsParquet } from '../../../support/analytics-events';

const SQL_DIR = path.join(__dirname, '../../../../functions/reports/sql');

let directory: string;
let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  directory = await writeEventsParquet();
  instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  connection = await instance.connect();
  await connection.run('CREATE SCHEMA analytics');
  await connection.run(viewSql('analytics', eventsTable(directory), tableFiles(eventsTable(directory))));
  await connection.run("SET schema = 'analytics'");
});

afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

async function report(sql: string, firstDay: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql, [firstDay]);
  // BIGINT counts come back as bigint; the reports carry them as JSON numbers.
  return reader.getRowObjectsJS().map((row) =>
    Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === 'bigint' ? Number(value) : value])),
  );
}

describe('report queries', () => {
  test('one SQL file per report, each a single SELECT taking one parameter', async () => {
    // Prepare
    const files = readdirSync(SQL_DIR).filter((file) => file.endsWith('.sql'));

    // Assess
    expect(files.map((file) => file.replace(/\.sql$/, '')).sort()).toEqual([...REPORT_NAMES].sort());
    for (const name of REPORT_NAMES) {
      expect(REPORT_QUERIES[name]).toBe(readFileSync(path.join(SQL_DIR, `${name}.sql`), 'utf8'));
      const statements = await connection.extractStatements(REPORT_QUERIES[name]);
      expect(statements.count).toBe(1);
      const prepared = await statements.prepare(0);
      expect(prepared.statementType).toBe(StatementType.SELECT);
      expect(prepared.parameterCount).toBe(1);
    }
  });

  test('the fixture is what Firehose delivers: Parquet files under dt=…/hour=…, one per delivery and hour', () => {
    const files = tableFiles(eventsTable(directory)).map((file) => path.relative(directory, file));
    expect(files.filter((file) => file.startsWith('dt=2024-05-01/hour=00/'))).toHaveLength(2); // e1 and its repeat
    expect(files.every((file) => /^dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/delivery-\d+-[0-9a-f-]{36}\.parquet$/.test(file))).toBe(true);
    expect(DELIVERIES.flat()).toHaveLength(16);
  });

  test.each(REPORT_NAMES)('%s: exact rows from the first day on', async (name) => {
    // Act
    const rows = await report(REPORT_QUERIES[name], FIRST_DAY);

    // Assess
    expect(rows).toEqual(EXPECTED_REPORTS[name]);
  });

  test('the first day is inclusive and bounds every report: a day later, only 2024-05-02 is left', async () => {
    for (const name of REPORT_NAMES) {
      const rows = await report(REPORT_QUERIES[name], '2024-05-02');
      expect(rows).toEqual(EXPECTED_REPORTS[name].filter((row) => row.dt === '2024-05-02'));
    }
  });

  test('a day before the window counts its event: 2024-04-30 holds e0 alone', async () => {
    const rows = await report(REPORT_QUERIES['unique-visitors'], '2024-04-30');
    expect(rows[0]).toEqual({ dt: '2024-04-30', visitors: 1 });
  });

  test('an empty table (no delivery yet) gives every report no rows, not an error', async () => {
    // Prepare
    await connection.run(viewSql('analytics', eventsTable(directory), []));

    // Act / Assess
    try {
      for (const name of REPORT_NAMES) expect(await report(REPORT_QUERIES[name], FIRST_DAY)).toEqual([]);
    } finally {
      await connection.run(viewSql('analytics', eventsTable(directory), tableFiles(eventsTable(directory))));
    }
  });
});
