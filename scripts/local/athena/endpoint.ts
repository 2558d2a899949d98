/**
 * A local Amazon Athena for the report function: the four operations it calls, as the Amazon Athena API Reference
 * describes them — StartQueryExecution, GetQueryExecution, GetQueryResults (results.ts) and StopQueryExecution — over
 * the AWS JSON 1.1 protocol (target prefix `AmazonAthena`, common/json-endpoint.ts), answered by DuckDB (engine.ts).
 * The function's code is the same as on AWS: its SDK client is pointed here by AWS_ENDPOINT_URL_ATHENA.
 *
 * What StartQueryExecution keeps of the contract: it answers at once with a QueryExecutionId and the query runs
 * after (executions.ts). A syntax error, more than one statement, a workgroup that does not exist or is disabled, bad
 * ExecutionParameters or a missing output location are refused at once with InvalidRequestException, as Athena
 * refuses them; what is found while running makes the query FAILED (engine.ts). The same ClientRequestToken returns
 * the same query instead of starting another (the SDK sends one with every call). A workgroup that enforces its
 * configuration, as the project's does, decides where results "go" — `<OutputLocation>/<QueryExecutionId>.csv`; the
 * location is reported, the rows are kept in memory — and cancels a query that would scan more than its
 * BytesScannedCutoffPerQuery ("If any query that runs in the workgroup exceeds the limit, it is canceled", Athena
 * user guide, data usage controls); one that does not lets the request's ResultConfiguration choose.
 * Nothing else: no DDL, no named queries, no workgroup management, no result reuse.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { listen } from '../common/http-server';
import { jsonEndpoint } from '../common/json-endpoint';
import { startEngine } from './engine';
import { CATALOG, describe, Executions, finish, invalid, type Execution } from './executions';
import { parseParameter } from './parameters';
import { resultsPage } from './results';
import type { LocalTable } from './tables';

export interface LocalWorkGroup {
  /** s3://bucket/prefix/ where Athena would write each query's results; '' for none. */
  outputLocation: string;
  bytesScannedCutoffPerQuery?: number;
  /** EnforceWorkGroupConfiguration: its settings over the request's (true unless set to false). */
  enforce?: boolean;
  /** State: a DISABLED workgroup runs no query. */
  enabled?: boolean;
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

const MAX_QUERY_LENGTH = 262_144;

export async function startLocalAthena(options: LocalAthenaOptions): Promise<LocalAthena> {
  const engine = await startEngine(options);
  const executions = new Executions();

  const startQuery = async (input: Record<string, unknown>) => {
    const sql = input.QueryString;
    if (typeof sql !== 'string' || sql.trim() === '' || sql.length > MAX_QUERY_LENGTH) {
      throw invalid(`QueryString must be 1 to ${MAX_QUERY_LENGTH} characters`);
    }
    const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
    const earlier = executions.startedWith(token);
    if (earlier !== undefined) return { QueryExecutionId: earlier };

    const workGroupName = typeof input.WorkGroup === 'string' ? input.WorkGroup : 'primary';
    const workGroup = Object.hasOwn(options.workGroups, workGroupName) ? options.workGroups[workGroupName] : undefined;
    if (!workGroup) throw invalid(`WorkGroup ${workGroupName} is not found.`);
    if (workGroup.enabled === false) throw invalid(`WorkGroup ${workGroupName} is disabled.`);
    const requested = (input.ResultConfiguration as { OutputLocation?: unknown } | undefined)?.OutputLocation;
    const asked = typeof requested === 'string' ? requested : '';
    const location = workGroup.enforce === false ? asked || workGroup.outputLocation : workGroup.outputLocation || asked;
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
      statements = await engine.statements(sql);
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
    executions.add(execution, token);
    setImmediate(() => void engine.run(execution));
    return { QueryExecutionId: id };
  };

  const endpoint = jsonEndpoint('AmazonAthena', {
    StartQueryExecution: startQuery,
    GetQueryExecution: (input) => ({ QueryExecution: describe(executions.find(input)) }),
    GetQueryResults: (input) => resultsPage(executions.find(input), input),
    StopQueryExecution: (input) => {
      const execution = executions.find(input);
      if (execution.completed === undefined) {
        finish(execution, 'CANCELLED');
        execution.interrupt?.();
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
      await engine.close();
    },
  };
}
