/**
 * A local Amazon Athena for the report function: the four operations it calls, as the Amazon Athena API Reference
 * describes them — StartQueryExecution, GetQueryExecution, GetQueryResults and StopQueryExecution — over the AWS
 * JSON 1.1 protocol (target prefix `AmazonAthena`, shared/json-endpoint.ts), answered by DuckDB. The function's code
 * is the same as on AWS: its SDK client is pointed here by AWS_ENDPOINT_URL_ATHENA.
 *
 * What it keeps of the contract:
 * - StartQueryExecution answers at once with a QueryExecutionId; the query is QUEUED, then RUNNING, then SUCCEEDED,
 *   FAILED (with Status.StateChangeReason and AthenaError) or CANCELLED. A syntax error, more than one statement,
 *   an unknown workgroup, bad ExecutionParameters or a missing output location are refused at once with
 *   InvalidRequestException, as Athena refuses them; anything found while running (an unknown table or column, a
 *   statement that is not a SELECT, the wrong number of parameters) makes the query FAILED. The same
 *   ClientRequestToken returns the same query instead of starting another (the SDK sends one with every call).
 * - The workgroup's configuration is enforced, as the project's workgroup enforces it: results "go" to its
 *   ResultConfiguration.OutputLocation (`<location>/<QueryExecutionId>.csv`; the location is reported, the rows are
 *   kept in memory), and a query that would scan more than its BytesScannedCutoffPerQuery is CANCELLED ("If any query
 *   that runs in the workgroup exceeds the limit, it is canceled", Athena user guide, data usage controls).
 * - Statistics.DataScannedInBytes is the size of every file of the tables the query names: an upper bound, since
 *   Athena reads only the partitions and columns a query needs (projection pruning is not emulated).
 * - GetQueryResults: ResultSet.Rows with the column names as the first row of the first page (a SELECT's header row,
 *   counted in MaxResults), then the data; every value as VarCharValue text, NULL as an empty Datum;
 *   ResultSetMetadata.ColumnInfo with Athena's type names (types.ts). MaxResults 1–1000 (default 1000), NextToken
 *   while rows remain. A query that has not SUCCEEDED has no results: InvalidRequestException.
 * - Queries read tables through QueryExecutionContext.Database (catalog AwsDataCatalog): the one database the stand-in
 *   is given, whose tables are views over local Parquet files in their Hive layout (tables.ts). The files come from
 *   the local S3 through the S3 API (s3-mirror.ts), refreshed before each query, as Athena reads S3 when it runs.
 * - A query reads the tables' files and nothing else of this machine (DuckDB's allowed_directories).
 * Nothing else: no DDL, no named queries, no workgroup management, no result reuse.
 */
import { DuckDBInstance, StatementType, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { listen } from '../common/http-server';
import { jsonEndpoint, ServiceError } from '../common/json-endpoint';
import { bytesOf, quoteIdentifier, quoteString, tableFiles, viewSql, type LocalTable } from './tables';
import { athenaColumn, athenaText, UnsupportedColumnError, type AthenaColumn } from './types';

export interface LocalWorkGroup {
  /** s3://bucket/prefix/ where Athena would write each query's results. */
  outputLocation: string;
  bytesScannedCutoffPerQuery?: number;
}

export interface LocalAthenaOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The Glue database (QueryExecutionContext.Database) the tables are in. */
  database: string;
  tables: readonly LocalTable[];
  workGroups: Readonly<Record<string, LocalWorkGroup>>;
  /** Brings the tables' directories up to date; called before each query runs (s3-mirror.ts). */
  refresh?: () => Promise<void>;
}

export interface LocalAthena {
  url: string;
  port: number;
  close(): Promise<void>;
}

type State = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

interface Execution {
  id: string;
  sql: string;
  parameters: DuckDBValue[];
  rawParameters: string[];
  workGroup: string;
  database: string;
  catalog: string;
  outputLocation: string;
  cutoff: number | undefined;
  state: State;
  reason?: string;
  submitted: number;
  started?: number;
  completed?: number;
  bytesScanned: number;
  connection?: DuckDBConnection;
  columns?: AthenaColumn[];
  /** The header row, then the data rows, as GetQueryResults pages them. */
  rows?: (string | undefined)[][];
}

const CATALOG = 'AwsDataCatalog';
const MAX_QUERY_LENGTH = 262_144;
const MAX_PAGE = 1000;
/** Executions kept for GetQueryExecution/GetQueryResults (Athena keeps them 45 days); the oldest finished go first. */
const KEPT_EXECUTIONS = 1000;

/** Thrown while running: the query ends in that state with that reason. */
class QueryEnded extends Error {
  constructor(
    readonly state: 'FAILED' | 'CANCELLED',
    reason: string,
  ) {
    super(reason);
  }
}

const invalid = (message: string) => new ServiceError('InvalidRequestException', message);

/**
 * An execution parameter is SQL literal text ("Use parameterized queries", Athena user guide): a quoted string
 * ('' inside for a quote), a number, or true/false. Anything else is refused.
 */
export function parseParameter(literal: string): DuckDBValue {
  const text = literal.trim();
  const quoted = /^'((?:[^']|'')*)'$/.exec(text);
  if (quoted) return (quoted[1] ?? '').replaceAll("''", "'");
  if (/^-?\d+$/.test(text)) return BigInt(text);
  if (/^-?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  throw invalid(`ExecutionParameters: ${literal} is not a literal the local Athena can bind`);
}

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

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

export async function startLocalAthena(options: LocalAthenaOptions): Promise<LocalAthena> {
  const schema = options.database;
  // No extension is ever fetched (the machine may have no network): Parquet and JSON are built in.
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const admin = await instance.connect();
  // Parsing (statements, the tables named) happens on an empty database of its own (tablesNamed).
  const parserInstance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const parser = await parserInstance.connect();
  await admin.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
  // A query reads the tables and nothing else of this machine, as an Athena query reads only what the catalog names.
  const directories = options.tables.map((table) => quoteString(table.directory));
  await admin.run(`SET allowed_directories = [${directories.join(', ')}]`);
  await admin.run('SET enable_external_access = false');
  const views = new Map<string, string>();
  const executions = new Map<string, Execution>();
  const byToken = new Map<string, string>();
  // Tables are refreshed and their views replaced one query at a time: two catalog writes at once conflict.
  let tablesReady: Promise<unknown> = Promise.resolve();

  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const result = tablesReady.then(work);
    tablesReady = result.catch(() => undefined);
    return result;
  };

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

  const forget = () => {
    if (executions.size <= KEPT_EXECUTIONS) return;
    for (const [id, execution] of executions) {
      if (execution.completed === undefined) continue;
      executions.delete(id);
      if (executions.size <= KEPT_EXECUTIONS) return;
    }
  };

  const finish = (execution: Execution, state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED', reason?: string) => {
    if (execution.completed !== undefined) return; // a stop got there first
    execution.state = state;
    if (reason !== undefined) execution.reason = reason;
    execution.completed = Date.now();
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
        execution.connection = connection;
        await connection.run(`SET schema = ${quoteString(schema)}`);
        const statement = await connection.prepare(execution.sql);
        if (statement.statementType !== StatementType.SELECT) {
          throw new QueryEnded('FAILED', 'NOT_SUPPORTED: the local Athena runs SELECT queries only');
        }
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
      execution.connection = undefined;
      connection?.closeSync();
    }
  };

  const find = (input: Record<string, unknown>): Execution => {
    const id = input.QueryExecutionId;
    if (typeof id !== 'string' || id === '') throw invalid('QueryExecutionId is required');
    const execution = executions.get(id);
    if (!execution) throw invalid(`QueryExecution ${id} was not found`);
    return execution;
  };

  const describe = (execution: Execution) => ({
    QueryExecutionId: execution.id,
    Query: execution.sql,
    StatementType: 'DML',
    SubstatementType: 'SELECT',
    ResultConfiguration: { OutputLocation: execution.outputLocation },
    QueryExecutionContext: { Database: execution.database, Catalog: execution.catalog },
    Status: {
      State: execution.state,
      ...(execution.reason !== undefined ? { StateChangeReason: execution.reason } : {}),
      ...(execution.state === 'FAILED' ? { AthenaError: { ErrorCategory: 2, Retryable: false, ErrorMessage: execution.reason } } : {}),
      SubmissionDateTime: seconds(execution.submitted),
      ...(execution.completed !== undefined ? { CompletionDateTime: seconds(execution.completed) } : {}),
    },
    Statistics: {
      DataScannedInBytes: execution.bytesScanned,
      QueryQueueTimeInMillis: (execution.started ?? Date.now()) - execution.submitted,
      ...(execution.completed !== undefined
        ? {
            EngineExecutionTimeInMillis: execution.completed - (execution.started ?? execution.completed),
            TotalExecutionTimeInMillis: execution.completed - execution.submitted,
          }
        : {}),
    },
    WorkGroup: execution.workGroup,
    EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
    ...(execution.rawParameters.length > 0 ? { ExecutionParameters: execution.rawParameters } : {}),
  });

  const endpoint = jsonEndpoint('AmazonAthena', {
    StartQueryExecution: async (input) => {
      const sql = input.QueryString;
      if (typeof sql !== 'string' || sql.trim() === '' || sql.length > MAX_QUERY_LENGTH) {
        throw invalid(`QueryString must be 1 to ${MAX_QUERY_LENGTH} characters`);
      }
      const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
      const earlier = token === undefined ? undefined : byToken.get(token);
      if (earlier !== undefined) return { QueryExecutionId: earlier };

      const workGroupName = typeof input.WorkGroup === 'string' ? input.WorkGroup : 'primary';
      const workGroup = options.workGroups[workGroupName];
      if (!workGroup) throw invalid(`WorkGroup ${workGroupName} is not found.`);
      const requested = (input.ResultConfiguration as { OutputLocation?: unknown } | undefined)?.OutputLocation;
      const location = workGroup.outputLocation || (typeof requested === 'string' ? requested : '');
      if (!location) {
        throw invalid('No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.');
      }
      const rawParameters = input.ExecutionParameters ?? [];
      if (!Array.isArray(rawParameters) || rawParameters.some((value) => typeof value !== 'string')) {
        throw invalid('ExecutionParameters must be a list of strings');
      }
      const parameters = (rawParameters as string[]).map(parseParameter);
      const context = (input.QueryExecutionContext ?? {}) as { Database?: unknown; Catalog?: unknown };

      // Athena parses the query before it accepts it: a syntax error is the caller's error, not a FAILED query.
      let statements: number;
      try {
        statements = (await parser.extractStatements(sql)).count;
      } catch (error) {
        throw invalid(error instanceof Error ? error.message : 'the query does not parse');
      }
      if (statements !== 1) throw invalid('Only one sql statement is allowed.');

      const id = randomUUID();
      const execution: Execution = {
        id,
        sql,
        parameters,
        rawParameters: rawParameters as string[],
        workGroup: workGroupName,
        database: typeof context.Database === 'string' ? context.Database : 'default',
        catalog: typeof context.Catalog === 'string' ? context.Catalog : CATALOG,
        outputLocation: `${location.replace(/\/*$/, '/')}${id}.csv`,
        cutoff: workGroup.bytesScannedCutoffPerQuery,
        state: 'QUEUED',
        submitted: Date.now(),
        bytesScanned: 0,
      };
      executions.set(id, execution);
      if (token !== undefined) byToken.set(token, id);
      forget();
      setImmediate(() => void run(execution));
      return { QueryExecutionId: id };
    },

    GetQueryExecution: (input) => ({ QueryExecution: describe(find(input)) }),

    GetQueryResults: (input) => {
      const execution = find(input);
      if (execution.state === 'QUEUED' || execution.state === 'RUNNING') {
        throw invalid(`Query has not yet finished. Current state: ${execution.state}`);
      }
      if (execution.state !== 'SUCCEEDED' || !execution.rows || !execution.columns) {
        throw invalid(`Query did not finish successfully. Final query state: ${execution.state}`);
      }
      const max = input.MaxResults ?? MAX_PAGE;
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_PAGE) {
        throw invalid(`MaxResults must be an integer from 1 to ${MAX_PAGE}`);
      }
      let offset = 0;
      if (input.NextToken !== undefined) {
        const token = typeof input.NextToken === 'string' ? Buffer.from(input.NextToken, 'base64url').toString('utf8') : '';
        const [tokenId, tokenOffset] = token.split(':');
        offset = Number(tokenOffset);
        if (tokenId !== execution.id || !Number.isInteger(offset) || offset <= 0 || offset >= execution.rows.length) {
          throw invalid('The NextToken is not valid for this query');
        }
      }
      const end = offset + max;
      return {
        ResultSet: {
          Rows: execution.rows.slice(offset, end).map((row) => ({ Data: row.map((value) => (value === undefined ? {} : { VarCharValue: value })) })),
          ResultSetMetadata: { ColumnInfo: execution.columns },
        },
        ...(end < execution.rows.length ? { NextToken: Buffer.from(`${execution.id}:${end}`).toString('base64url') } : {}),
      };
    },

    StopQueryExecution: (input) => {
      const execution = find(input);
      if (execution.completed === undefined) {
        finish(execution, 'CANCELLED');
        execution.connection?.interrupt();
      }
      return {};
    },
  });

  const { url, port, close } = await listen(http.createServer(endpoint), options.host, options.port);
  return {
    url,
    port,
    async close() {
      await close();
      await tablesReady;
      for (const execution of executions.values()) execution.connection?.interrupt();
      admin.closeSync();
      instance.closeSync();
      parser.closeSync();
      parserInstance.closeSync();
    },
  };
}
