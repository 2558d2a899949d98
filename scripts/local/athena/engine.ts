/**
 * The engine under the local Athena: DuckDB, with the Glue database as a schema whose tables are views over the local
 * copies of their files (tables.ts), brought up to date from S3 before each query runs (`refresh`, s3-mirror.ts), as
 * Athena reads S3 when it runs. A query reads the tables' files and nothing else of this machine (DuckDB's
 * allowed_directories), and is refused at run time as Athena refuses it: a catalog or database that is not the one
 * served, a statement that is not a SELECT, the wrong number of parameters, more bytes than the workgroup's cutoff.
 * Statistics.DataScannedInBytes is the size of every file of the tables the query names: an upper bound, since
 * Athena reads only the partitions and columns a query needs (projection pruning is not emulated).
 */
import { DuckDBInstance, StatementType, type DuckDBConnection } from '@duckdb/node-api';
import { CATALOG, finish, QueryEnded, type Execution } from './executions';
import { bytesOf, quoteIdentifier, quoteString, tableFiles, viewSql, type LocalTable } from './tables';
import { athenaColumn, athenaText, UnsupportedColumnError } from './types';

export interface QueryEngine {
  /** How many statements `sql` holds; throws with DuckDB's message when it does not parse. */
  statements(sql: string): Promise<number>;
  /** Runs a QUEUED execution to its end state. */
  run(execution: Execution): Promise<void>;
  close(): Promise<void>;
}

// No extension is ever fetched (the machine may have no network): Parquet and JSON are built in.
const OFFLINE = { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' };

/**
 * The tables a query names (lower case), from its syntax tree (json_serialize_sql). DuckDB's getTableNames would be
 * shorter but names nothing in a query with a parameter; and with the tables' views in the catalog it names what the
 * views read instead, so the parsing happens on an empty database of its own.
 */
async function tablesNamed(parser: DuckDBConnection, sql: string): Promise<Set<string>> {
  const reader = await parser.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql]);
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const { type, table_name: table } = node as { type?: unknown; table_name?: unknown };
    if (type === 'BASE_TABLE' && typeof table === 'string') names.add(table.toLowerCase());
    Object.values(node).forEach(walk);
  };
  walk(JSON.parse(String(reader.getRows()[0]?.[0] ?? '{}')));
  return names;
}

export async function startEngine(options: { database: string; tables: readonly LocalTable[]; refresh?: () => Promise<void> }): Promise<QueryEngine> {
  const schema = options.database;
  const instance = await DuckDBInstance.create(':memory:', OFFLINE);
  const admin = await instance.connect();
  const parserInstance = await DuckDBInstance.create(':memory:', OFFLINE);
  const parser = await parserInstance.connect();
  await admin.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
  const directories = options.tables.map((table) => quoteString(table.directory));
  await admin.run(`SET allowed_directories = [${directories.join(', ')}]`);
  await admin.run('SET enable_external_access = false');
  const views = new Map<string, string>();
  const running = new Set<DuckDBConnection>();
  // Tables are refreshed and their views replaced one query at a time: two catalog writes at once conflict.
  let tablesReady: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const result = tablesReady.then(work);
    tablesReady = result.catch(() => undefined);
    return result;
  };

  /** The tables' files now, and the bytes of each table (lower-case name). */
  const syncTables = async (): Promise<Map<string, number>> => {
    await options.refresh?.();
    const sizes = new Map<string, number>();
    for (const table of options.tables) {
      const files = tableFiles(table);
      sizes.set(table.name.toLowerCase(), bytesOf(files));
      const sql = viewSql(schema, table, files);
      if (views.get(table.name) !== sql) {
        await admin.run(sql);
        views.set(table.name, sql);
      }
    }
    return sizes;
  };

  const run = async (execution: Execution): Promise<void> => {
    let connection: DuckDBConnection | undefined;
    try {
      execution.state = 'RUNNING';
      execution.started = Date.now();
      const { prepared, bytes } = await serially(async () => {
        const sizes = await syncTables();
        if (execution.catalog !== CATALOG) throw new QueryEnded('FAILED', `CATALOG_NOT_FOUND: Catalog '${execution.catalog}' does not exist`);
        if (execution.database !== schema) throw new QueryEnded('FAILED', `SCHEMA_NOT_FOUND: Schema '${execution.database}' does not exist`);
        connection = await instance.connect();
        running.add(connection);
        const own = connection;
        execution.interrupt = () => own.interrupt();
        await connection.run(`SET schema = ${quoteString(schema)}`);
        const statement = await connection.prepare(execution.sql);
        if (statement.statementType !== StatementType.SELECT) throw new QueryEnded('FAILED', 'NOT_SUPPORTED: the local Athena runs SELECT queries only');
        if (statement.parameterCount !== execution.parameters.length) {
          throw new QueryEnded('FAILED', `Incorrect number of parameters: expected ${statement.parameterCount} but found ${execution.parameters.length}`);
        }
        statement.bind(execution.parameters);
        const named = await tablesNamed(parser, execution.sql);
        return { prepared: statement, bytes: [...named].reduce((sum, name) => sum + (sizes.get(name) ?? 0), 0) };
      });
      if (execution.completed !== undefined) return; // stopped while waiting for its turn
      execution.bytesScanned = bytes;
      if (execution.cutoff !== undefined && bytes > execution.cutoff) {
        execution.bytesScanned = execution.cutoff;
        throw new QueryEnded('CANCELLED', 'Query cancelled! : Bytes scanned limit was exceeded');
      }
      const reader = await prepared.runAndReadAll();
      const types = reader.columnTypes();
      const columns = reader.columnNames().map((name, index) => athenaColumn(name, types[index]!));
      const rows = reader.getRows().map((row) => row.map((value, index) => athenaText(value, types[index]!)));
      execution.columns = columns;
      execution.rows = [columns.map((column) => column.Name), ...rows];
      finish(execution, 'SUCCEEDED');
    } catch (error) {
      if (error instanceof QueryEnded) finish(execution, error.state, error.message);
      else if (error instanceof UnsupportedColumnError) finish(execution, 'FAILED', error.message);
      else finish(execution, 'FAILED', error instanceof Error ? error.message : String(error));
    } finally {
      delete execution.interrupt;
      if (connection) {
        running.delete(connection);
        connection.closeSync();
      }
    }
  };

  return {
    statements: async (sql) => (await parser.extractStatements(sql)).count,
    run,
    async close() {
      await tablesReady;
      for (const connection of running) connection.interrupt();
      admin.closeSync();
      instance.closeSync();
      parser.closeSync();
      parserInstance.closeSync();
    },
  };
}
