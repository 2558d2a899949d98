/**
 * Query executions as Athena keeps and describes them ("QueryExecution", "QueryExecutionStatus", Amazon Athena API
 * Reference): QUEUED, then RUNNING, then SUCCEEDED, FAILED (with StateChangeReason and AthenaError) or CANCELLED;
 * statistics in milliseconds; found again by id, or by the ClientRequestToken that started them.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { ServiceError } from '../common/json-endpoint';
import type { AthenaColumn } from './types';

export type State = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface Execution {
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
  /** Stops the running statement (StopQueryExecution); set while it runs. */
  interrupt?: () => void;
  columns?: AthenaColumn[];
  /** The header row, then the data rows, as GetQueryResults pages them. */
  rows?: (string | undefined)[][];
}

/** The catalog every query reads through (QueryExecutionContext.Catalog). */
export const CATALOG = 'AwsDataCatalog';
/** Executions kept for GetQueryExecution/GetQueryResults (Athena keeps them 45 days); the oldest finished go first. */
const KEPT_EXECUTIONS = 1000;

export const invalid = (message: string): ServiceError => new ServiceError('InvalidRequestException', message);

/** Thrown while running: the query ends in that state with that reason. */
export class QueryEnded extends Error {
  constructor(
    readonly state: 'FAILED' | 'CANCELLED',
    reason: string,
  ) {
    super(reason);
  }
}

/** Ends an execution, unless something (a stop) ended it first. */
export function finish(execution: Execution, state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED', reason?: string): void {
  if (execution.completed !== undefined) return;
  execution.state = state;
  if (reason !== undefined) execution.reason = reason;
  execution.completed = Date.now();
}

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/** GetQueryExecution's QueryExecution. */
export function describe(execution: Execution): Record<string, unknown> {
  return {
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
  };
}

export class Executions {
  private readonly byId = new Map<string, Execution>();
  private readonly byToken = new Map<string, string>();

  /** The execution an earlier call with the same ClientRequestToken started. */
  startedWith(token: string | undefined): string | undefined {
    return token === undefined ? undefined : this.byToken.get(token);
  }

  add(execution: Execution, token: string | undefined): void {
    this.byId.set(execution.id, execution);
    if (token !== undefined) this.byToken.set(token, execution.id);
    if (this.byId.size <= KEPT_EXECUTIONS) return;
    for (const [id, kept] of this.byId) {
      if (kept.completed === undefined) continue;
      this.byId.delete(id);
      if (this.byId.size <= KEPT_EXECUTIONS) return;
    }
  }

  /** The execution an operation's QueryExecutionId names; InvalidRequestException when there is none. */
  find(input: Record<string, unknown>): Execution {
    const id = input.QueryExecutionId;
    if (typeof id !== 'string' || id === '') throw invalid('QueryExecutionId is required');
    const execution = this.byId.get(id);
    if (!execution) throw invalid(`QueryExecution ${id} was not found`);
    return execution;
  }

  all(): IterableIterator<Execution> {
    return this.byId.values();
  }
}
