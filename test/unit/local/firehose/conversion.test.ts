/**
 * Record format conversion ("Convert input data format in Amazon Data Firehose"): JSON read against the Glue table's
 * columns with the Hive JSON SerDe's rules, written as Parquet that DuckDB (as the local Athena) reads back with the
 * table's column names and types.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConversionError, deserialize, toParquet, type Schema } from '../../../../scripts/local/firehose/conversion';
import { deliveryStreams } from '../../../../scripts/local/firehose/definition';
import { analyticsConfig } from './fixtures';

// The analytics table's schema, as the definition reads it from the template.
const schema: Schema = deliveryStreams(analyticsConfig())[0]!.conversion!.schema;

const row = {
  event_id: '6f1c2d9e-4b7a-4c1e-9a57-1c2d3e4f5a6b',
  event_type: 'page_view',
  path: '/posts/a.html',
  target: null,
  referrer_host: 'news.example.org',
  session_id: null,
  client_time: Date.UTC(2024, 4, 1, 10, 14, 59, 250),
  received_at: Date.UTC(2024, 4, 1, 10, 15, 0, 125),
  ip_prefix: '203.0.113.0/24',
  ip_hash: '0123456789abcdef0123456789abcdef',
  browser: 'firefox',
  device: 'desktop',
};
const data = (value: unknown) => Buffer.from(`${JSON.stringify(value)}\n`);

describe('deserialize (the Hive JSON SerDe against the Glue columns)', () => {
  it('reads a row of the transform in column order, timestamps as epoch milliseconds', () => {
    expect(deserialize(data(row), schema)).toEqual([Object.values(row)]);
  });

  it('reads several documents of one record, keys in any case, keys the table lacks ignored, missing columns null', () => {
    // Act
    const rows = deserialize(Buffer.from('{"EVENT_ID":"a","extra":{"x":1}}{"event_id":"b","received_at":"2024-05-01 10:15:00.5"}'), schema);

    // Assess
    expect(rows).toHaveLength(2);
    expect(rows[0]![0]).toBe('a');
    expect(rows[0]!.slice(1).every((value) => value === null)).toBe(true);
    expect(rows[1]![7]).toBe(Date.UTC(2024, 4, 1, 10, 15, 0, 500));
  });

  it.each([
    ['not JSON', Buffer.from('{"event_id": '), /ends inside/],
    ['an array of documents', Buffer.from('[{"event_id":"a"}]'), /not a JSON object/],
    ['a timestamp as ISO 8601 text', data({ ...row, received_at: '2024-05-01T10:15:00Z' }), /received_at cannot be read as timestamp/],
    ['an object in a string column', data({ ...row, path: { p: 1 } }), /path cannot be read as string/],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), /not UTF-8/],
    ['an empty record', Buffer.from(' \n'), /no JSON document/],
  ])('refuses %s (format-conversion-failed)', (_, bytes, message) => {
    // Act
    let error: unknown;
    try {
      deserialize(bytes, schema);
    } catch (thrown) {
      error = thrown;
    }

    // Assess
    expect(error).toBeInstanceOf(ConversionError);
    expect((error as ConversionError).code).toBe('DataFormatConversion.MalformedData');
    expect((error as Error).message).toMatch(message);
  });
});

describe('toParquet', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  const dir = mkdtempSync(path.join(tmpdir(), 'firehose-parquet-'));

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    connection = await instance.connect();
  });
  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });

  it('writes the Glue table’s columns with their types, readable by DuckDB with exactly the rows given', async () => {
    // Prepare
    const rows = [...deserialize(data(row), schema), ...deserialize(data({ ...row, event_id: 'second', target: 'premium/x.jpg' }), schema)];

    // Act
    const parquet = await toParquet(connection, schema, rows, { compression: 'snappy', workDir: dir });

    // Assess
    expect(parquet.subarray(0, 4).toString()).toBe('PAR1');
    const file = path.join(dir, 'out.parquet');
    writeFileSync(file, parquet);
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    expect(described.getRowObjectsJson().map((c) => [c.column_name, c.column_type])).toEqual(
      schema.columns.map((c) => [c.name, c.type === 'timestamp' ? 'TIMESTAMP' : 'VARCHAR']),
    );
    const read = await connection.runAndReadAll(
      `SELECT event_id, target, epoch_ms(received_at) AS received, epoch_ms(client_time) AS client FROM read_parquet('${file}') ORDER BY event_id`,
    );
    expect(read.getRowObjectsJson()).toEqual([
      { event_id: '6f1c2d9e-4b7a-4c1e-9a57-1c2d3e4f5a6b', target: null, received: String(row.received_at), client: String(row.client_time) },
      { event_id: 'second', target: 'premium/x.jpg', received: String(row.received_at), client: String(row.client_time) },
    ]);
    const codec = await connection.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`);
    expect(codec.getRowObjectsJson()).toEqual([{ compression: 'SNAPPY' }]);
  });
});
