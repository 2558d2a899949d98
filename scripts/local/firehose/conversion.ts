/**
 * Record format conversion, as Firehose does it before writing to S3 ("Convert input data format in Amazon Data
 * Firehose", "Handling errors for data format conversion", Amazon Data Firehose Developer Guide): each record is JSON —
 * one object, or several written one after another (`{"a":1}{"a":2}`; an array is not valid input) — read with the
 * Apache Hive JSON SerDe against the columns of the Glue table, and written as Parquet with the table's column names
 * and types. A record that cannot be read against the schema is not delivered: it goes to the error prefix as
 * `format-conversion-failed`, with the document described there.
 *
 * The Hive JSON SerDe, as far as this stand-in follows it: keys match columns without regard to case, keys the table
 * does not have are ignored, a column the record lacks (or null) is null. A timestamp is `yyyy-MM-dd HH:mm:ss[.f…]`
 * (UTC), or epoch milliseconds where the deserializer's TimestampFormats name `millis`; other TimestampFormats, Glue
 * types beyond the simple ones and nested values are refused rather than guessed. The Parquet is written by DuckDB:
 * Athena and DuckDB read it alike, though its timestamps are INT64 microseconds where Firehose writes INT96.
 */
import { DuckDBDateValue, DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { GLUE_TO_DUCKDB, isGlueSimpleType, type GlueSimpleType } from '../common/glue-types';

export interface GlueColumn {
  name: string;
  type: string;
}

type ColumnType = GlueSimpleType;

/** A Glue column type the local conversion writes; anything else stops the stack rather than be guessed. */
export function columnType(glueType: string, where: string): ColumnType {
  const type = glueType.trim().toLowerCase();
  if (/^(var)?char\(\d+\)$/.test(type)) return 'string';
  if (type === 'integer') return 'int';
  if (isGlueSimpleType(type)) return type;
  throw new Error(`${where}: the local Firehose cannot convert to the Glue type "${glueType}"`);
}

export interface Schema {
  columns: readonly { name: string; type: ColumnType }[];
  /** The deserializer's TimestampFormats: only `millis` is followed. */
  epochMillis: boolean;
}

/** A value as it goes into Parquet: text, a whole number, a float, a boolean, epoch ms (timestamp) or days (date). */
export type CellValue = string | number | bigint | boolean | null;
export type Row = CellValue[];

/** Why a record cannot be converted; its message names the column or the fault, never a value. */
export class ConversionError extends Error {
  readonly code = 'DataFormatConversion.MalformedData';
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The JSON documents of a record, one after another; only objects are rows. */
function documents(text: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i += 1;
  };
  skipSpace();
  while (i < text.length) {
    if (text[i] !== '{') throw new ConversionError('the record is not a JSON object');
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i += 1) {
      const char = text[i];
      if (inString) {
        if (char === '\\') i += 1;
        else if (char === '"') inString = false;
      } else if (char === '"') inString = true;
      else if (char === '{' || char === '[') depth += 1;
      else if (char === '}' || char === ']') {
        depth -= 1;
        if (depth === 0) break;
      }
    }
    if (depth !== 0) throw new ConversionError('the record ends inside a JSON document');
    i += 1;
    try {
      out.push(JSON.parse(text.slice(start, i)));
    } catch {
      throw new ConversionError('the record is not valid JSON');
    }
    skipSpace();
  }
  if (out.length === 0) throw new ConversionError('the record holds no JSON document');
  return out;
}

/** `yyyy-MM-dd HH:mm:ss[.fffffffff]` (java.sql.Timestamp), UTC, to epoch ms. */
const SQL_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

function cell(value: unknown, type: ColumnType, column: string, epochMillis: boolean): CellValue {
  if (value === null || value === undefined) return null;
  const bad = () => new ConversionError(`column ${column} cannot be read as ${type}`);
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw bad();
  switch (type) {
    case 'string':
      return String(value);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw bad();
    case 'double':
    case 'float': {
      const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(number)) throw bad();
      return number;
    }
    case 'bigint':
    case 'int':
    case 'smallint':
    case 'tinyint': {
      const text = typeof value === 'number' ? (Number.isInteger(value) ? String(value) : '') : typeof value === 'string' ? value.trim() : '';
      if (!/^-?\d+$/.test(text)) throw bad();
      const whole = BigInt(text);
      const bits = { bigint: 64n, int: 32n, smallint: 16n, tinyint: 8n }[type];
      if (whole < -(2n ** (bits - 1n)) || whole >= 2n ** (bits - 1n)) throw bad();
      return type === 'bigint' ? whole : Number(whole);
    }
    case 'date': {
      const match = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
      const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
      if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== value) throw bad();
      return ms / 86_400_000;
    }
    case 'timestamp': {
      if (epochMillis && ((typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value)))) {
        return Number(value);
      }
      const match = typeof value === 'string' ? SQL_TIMESTAMP.exec(value) : null;
      if (!match) throw bad();
      const [, y, mo, d, h, mi, s, fraction = ''] = match;
      const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(fraction.padEnd(3, '0').slice(0, 3)));
      if (!Number.isFinite(ms)) throw bad();
      return ms;
    }
  }
}

/** The rows of one record's data (transformed, as the processing function returned it), or a ConversionError. */
export function deserialize(data: Uint8Array, schema: Schema): Row[] {
  let text: string;
  try {
    text = UTF8.decode(data);
  } catch {
    throw new ConversionError('the record is not UTF-8');
  }
  return documents(text).map((document) => {
    if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new ConversionError('the record is not a JSON object');
    const byName = new Map(Object.entries(document).map(([key, value]) => [key.toLowerCase(), value]));
    return schema.columns.map((column) => cell(byName.get(column.name.toLowerCase()), column.type, column.name, schema.epochMillis));
  });
}

function append(appender: DuckDBAppender, value: CellValue, type: ColumnType): void {
  if (value === null) return appender.appendNull();
  switch (type) {
    case 'string':
      return appender.appendVarchar(value as string);
    case 'boolean':
      return appender.appendBoolean(value as boolean);
    case 'double':
      return appender.appendDouble(value as number);
    case 'float':
      return appender.appendFloat(value as number);
    case 'bigint':
      return appender.appendBigInt(value as bigint);
    case 'int':
      return appender.appendInteger(value as number);
    case 'smallint':
      return appender.appendSmallInt(value as number);
    case 'tinyint':
      return appender.appendTinyInt(value as number);
    case 'date':
      return appender.appendDate(new DuckDBDateValue(value as number));
    case 'timestamp':
      return appender.appendTimestamp(new DuckDBTimestampValue(BigInt(value) * 1000n));
  }
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Writes rows as one Parquet file with the table's columns (names and types) and compression, through a DuckDB
 * connection, and returns its bytes. `workDir` holds the file while DuckDB writes it.
 */
export async function toParquet(
  connection: DuckDBConnection,
  schema: Schema,
  rows: readonly Row[],
  options: { compression: 'snappy' | 'gzip' | 'uncompressed'; workDir: string },
): Promise<Buffer> {
  const table = `rows_${randomUUID().replaceAll('-', '')}`;
  mkdirSync(options.workDir, { recursive: true });
  const file = path.join(options.workDir, `${table}.parquet`);
  const columns = schema.columns.map((column) => `${quote(column.name)} ${GLUE_TO_DUCKDB[column.type]}`);
  await connection.run(`CREATE TEMP TABLE ${table} (${columns.join(', ')})`);
  try {
    const appender = await connection.createAppender(table, 'main', 'temp');
    for (const row of rows) {
      row.forEach((value, index) => append(appender, value, schema.columns[index]!.type));
      appender.endRow();
    }
    appender.closeSync();
    await connection.run(`COPY ${table} TO '${file.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION ${options.compression})`);
    return readFileSync(file);
  } finally {
    rmSync(file, { force: true });
    await connection.run(`DROP TABLE IF EXISTS ${table}`);
  }
}
