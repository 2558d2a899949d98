/**
 * GetQueryResults ("GetQueryResults", Amazon Athena API Reference): ResultSet.Rows with the column names as the first
 * row of the first page (a SELECT's header row, counted in MaxResults), then the data; every value as VarCharValue
 * text, NULL as an empty Datum; ResultSetMetadata.ColumnInfo with Athena's type names (types.ts). MaxResults 1–1000
 * (default 1000), NextToken while rows remain. A query that has not SUCCEEDED has no results.
 */
import { invalid, type Execution } from './executions';

const MAX_PAGE = 1000;

export function resultsPage(execution: Execution, input: Record<string, unknown>): Record<string, unknown> {
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
}
