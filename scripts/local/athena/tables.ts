/**
 * The tables of the local Athena: each is a Glue table (AWS::Glue::Table in resources/*.yml) — its columns, its
 * partition keys, and a local directory holding its files in the Hive layout the table's S3 location has
 * (`dt=…/hour=…/<file>`). Like Athena, a query sees the table's schema, not the files': the view casts every column
 * to the Glue type, partition keys included (Glue `string`, so `dt >= '2024-05-01'` compares text on both).
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { GLUE_TO_DUCKDB, isGlueSimpleType } from '../common/glue-types';

export interface GlueColumn {
  name: string;
  /** A Glue (Hive) type name: string, varchar(n), bigint, int, smallint, tinyint, double, float, boolean, date, timestamp, decimal(p,s). */
  type: string;
}

export interface LocalTable {
  name: string;
  columns: readonly GlueColumn[];
  partitionKeys: readonly GlueColumn[];
  /** The table's files, Hive-partitioned as under its S3 location (a mirror of it, s3-mirror.ts). */
  directory: string;
}

/** The DuckDB type a Glue column is read as; a type the stand-in does not know stops it rather than guess. */
export function duckDbType(glueType: string): string {
  const type = glueType.trim().toLowerCase();
  if (type === 'integer') return GLUE_TO_DUCKDB.int;
  if (isGlueSimpleType(type)) return GLUE_TO_DUCKDB[type];
  if (/^(var)?char\(\d+\)$/.test(type)) return 'VARCHAR';
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) return `DECIMAL(${decimal[1]}, ${decimal[2]})`;
  throw new Error(`the local Athena cannot read Glue type "${glueType}"`);
}

export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;
export const quoteString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** The data files of a table: every file at the depth of its partitions (stray files elsewhere are not the table's). */
export function tableFiles(table: LocalTable): string[] {
  const files: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // no directory yet: no data yet
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (depth < table.partitionKeys.length) {
        if (entry.isDirectory() && entry.name.startsWith(`${table.partitionKeys[depth]?.name}=`)) walk(full, depth + 1);
      } else if (entry.isFile() && !entry.name.startsWith('.')) {
        files.push(full);
      }
    }
  };
  walk(table.directory, 0);
  return files.sort();
}

export const bytesOf = (files: readonly string[]): number => files.reduce((sum, file) => sum + statSync(file).size, 0);

/**
 * The statement that (re)defines the table as a view in `schema`: read_parquet over the listed files with Hive
 * partitioning, each column cast to its Glue type. With no file yet, an empty relation of the same columns (Athena
 * answers an empty table with no rows, read_parquet with an error).
 */
export function viewSql(schema: string, table: LocalTable, files: readonly string[]): string {
  const all = [...table.columns, ...table.partitionKeys];
  const name = `${quoteIdentifier(schema)}.${quoteIdentifier(table.name)}`;
  if (files.length === 0) {
    const nulls = all.map((column) => `CAST(NULL AS ${duckDbType(column.type)}) AS ${quoteIdentifier(column.name)}`);
    return `CREATE OR REPLACE VIEW ${name} AS SELECT ${nulls.join(', ')} WHERE false`;
  }
  const casts = all.map((column) => `CAST(${quoteIdentifier(column.name)} AS ${duckDbType(column.type)}) AS ${quoteIdentifier(column.name)}`);
  // hive_types: DuckDB would otherwise guess a partition value's type (dt=2024-05-01 a DATE, hour=07 a number).
  const hiveTypes = table.partitionKeys.map((key) => `${quoteString(key.name)}: ${duckDbType(key.type)}`);
  return (
    `CREATE OR REPLACE VIEW ${name} AS SELECT ${casts.join(', ')} FROM read_parquet([${files.map(quoteString).join(', ')}], ` +
    `hive_partitioning = true, union_by_name = true${hiveTypes.length > 0 ? `, hive_types = {${hiveTypes.join(', ')}}` : ''})`
  );
}
