/**
 * Execution parameters ("Use parameterized queries", Athena user guide): each is SQL literal text — a quoted string
 * ('' inside for a quote), a number, or true/false — bound to a `?` of the query. Anything else is refused.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { invalid } from './executions';

export function parseParameter(literal: string): DuckDBValue {
  const text = literal.trim();
  const quoted = /^'((?:[^']|'')*)'$/.exec(text);
  if (quoted) return (quoted[1] ?? '').replaceAll("''", "'");
  if (/^-?\d+$/.test(text)) return BigInt(text);
  if (/^-?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  throw invalid(`ExecutionParameters: ${literal} is not a literal the local Athena can bind`);
}
