/**
 * The Glue column types the local stand-ins follow, as the DuckDB types they become: the local Athena reads a table's
 * Parquet with them, the local Firehose writes them. One map, so the two never disagree on a type.
 */
export const GLUE_TO_DUCKDB = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  int: 'INTEGER',
  smallint: 'SMALLINT',
  tinyint: 'TINYINT',
  double: 'DOUBLE',
  float: 'FLOAT',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
} as const;

export type GlueSimpleType = keyof typeof GLUE_TO_DUCKDB;

export const isGlueSimpleType = (type: string): type is GlueSimpleType => Object.hasOwn(GLUE_TO_DUCKDB, type);
