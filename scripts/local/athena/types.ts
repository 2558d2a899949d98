/**
 * Results as Athena gives them: GetQueryResults returns every value as text (`VarCharValue`, absent for NULL) and
 * names each column's type in ResultSetMetadata.ColumnInfo with Athena's type names ("GetQueryResults", "ColumnInfo",
 * Athena API Reference; "Data types in Amazon Athena", user guide). DuckDB's result types map onto those names here;
 * a type the stand-in has no faithful text for (lists, structs, maps, blobs, intervals…) fails the query, naming the
 * column, rather than answer in a form Athena would not.
 */
import { DuckDBDecimalType, DuckDBTypeId, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';

export interface AthenaColumn {
  Name: string;
  Label: string;
  Type: string;
  Precision?: number;
  Scale?: number;
  Nullable: 'UNKNOWN';
  CaseSensitive: boolean;
}

/** A result column whose values have no Athena text here; the query fails with this message. */
export class UnsupportedColumnError extends Error {}

const NAMES: Partial<Record<DuckDBTypeId, string>> = {
  [DuckDBTypeId.BOOLEAN]: 'boolean',
  [DuckDBTypeId.TINYINT]: 'tinyint',
  [DuckDBTypeId.SMALLINT]: 'smallint',
  [DuckDBTypeId.INTEGER]: 'integer',
  [DuckDBTypeId.BIGINT]: 'bigint',
  // DuckDB's sum() of bigint is a HUGEINT; Trino's is a bigint.
  [DuckDBTypeId.HUGEINT]: 'bigint',
  [DuckDBTypeId.FLOAT]: 'float',
  [DuckDBTypeId.DOUBLE]: 'double',
  [DuckDBTypeId.DECIMAL]: 'decimal',
  [DuckDBTypeId.VARCHAR]: 'varchar',
  [DuckDBTypeId.DATE]: 'date',
  [DuckDBTypeId.TIMESTAMP]: 'timestamp',
  [DuckDBTypeId.TIMESTAMP_S]: 'timestamp',
  [DuckDBTypeId.TIMESTAMP_MS]: 'timestamp',
  [DuckDBTypeId.TIMESTAMP_NS]: 'timestamp',
  [DuckDBTypeId.UUID]: 'uuid',
};

export function athenaColumn(name: string, type: DuckDBType): AthenaColumn {
  const athenaType = NAMES[type.typeId];
  if (!athenaType) throw new UnsupportedColumnError(`NOT_SUPPORTED: the local Athena cannot return column ${name} of type ${String(type)}`);
  return {
    Name: name,
    Label: name,
    Type: athenaType,
    ...(type instanceof DuckDBDecimalType ? { Precision: type.width, Scale: type.scale } : {}),
    Nullable: 'UNKNOWN',
    CaseSensitive: athenaType === 'varchar',
  };
}

/** A double as Java prints it, which is how Athena's text of a double reads (2.0, 0.5, 1.0E7, NaN, Infinity). */
function javaDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-3)) {
    const [mantissa = '', exponent = ''] = value.toExponential().split('e');
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
  }
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Athena's text of a timestamp: `yyyy-MM-dd HH:mm:ss.SSS` (millisecond precision). */
function timestampText(micros: bigint): string {
  const date = new Date(Number(micros / 1000n));
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}`
  );
}

/** The text GetQueryResults carries for a value of the given column type; undefined for NULL. */
export function athenaText(value: DuckDBValue, type: DuckDBType): string | undefined {
  if (value === null) return undefined;
  switch (type.typeId) {
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return javaDouble(Number(value));
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS: {
      const { micros } = value as unknown as { micros?: bigint };
      if (typeof micros === 'bigint') return timestampText(micros);
      const { millis, seconds, nanos } = value as unknown as { millis?: bigint; seconds?: bigint; nanos?: bigint };
      if (typeof millis === 'bigint') return timestampText(millis * 1000n);
      if (typeof seconds === 'bigint') return timestampText(seconds * 1_000_000n);
      return timestampText((nanos ?? 0n) / 1000n);
    }
    default:
      // Strings, numbers, bigints and booleans, and DuckDB's value classes (date, decimal, uuid), whose toString()
      // is the SQL text of the value; nested types never get here (athenaColumn refuses them).
      return String(value);
  }
}
