/**
 * Analytics events with known report answers, as the transform writes them (the Glue table `events` of
 * resources/analytics.yml), and a writer of them as Firehose delivers them: Parquet files under
 * `dt=yyyy-MM-dd/hour=HH/` (from received_at, UTC), the partition keys in the path only, one file per delivery.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GlueColumn, LocalTable } from '../../scripts/local/athena/tables';

export interface AnalyticsEvent {
  event_id: string;
  event_type: 'page_view' | 'premium_open' | 'photo_upload';
  path: string;
  target: string | null;
  referrer_host: string | null;
  session_id: string | null;
  /** ISO 8601, UTC */
  client_time: string;
  received_at: string;
  ip_prefix: string;
  ip_hash: string;
  browser: string;
  device: 'desktop' | 'mobile' | 'tablet' | 'other';
}

/** The Glue table's columns and partition keys (resources/analytics.yml, AnalyticsEventsTable). */
export const EVENT_COLUMNS: readonly GlueColumn[] = [
  { name: 'event_id', type: 'string' },
  { name: 'event_type', type: 'string' },
  { name: 'path', type: 'string' },
  { name: 'target', type: 'string' },
  { name: 'referrer_host', type: 'string' },
  { name: 'session_id', type: 'string' },
  { name: 'client_time', type: 'timestamp' },
  { name: 'received_at', type: 'timestamp' },
  { name: 'ip_prefix', type: 'string' },
  { name: 'ip_hash', type: 'string' },
  { name: 'browser', type: 'string' },
  { name: 'device', type: 'string' },
];
export const EVENT_PARTITION_KEYS: readonly GlueColumn[] = [
  { name: 'dt', type: 'string' },
  { name: 'hour', type: 'string' },
];

export const eventsTable = (directory: string): LocalTable => ({
  name: 'events',
  columns: EVENT_COLUMNS,
  partitionKeys: EVENT_PARTITION_KEYS,
  directory,
});

const event = (
  id: string,
  type: AnalyticsEvent['event_type'],
  received: string,
  visitor: string,
  fields: Partial<Pick<AnalyticsEvent, 'path' | 'target' | 'referrer_host'>> = {},
): AnalyticsEvent => ({
  event_id: id,
  event_type: type,
  path: fields.path ?? (type === 'premium_open' ? '/premium.html' : type === 'photo_upload' ? '/photos.html' : '/'),
  target: fields.target ?? null,
  referrer_host: fields.referrer_host ?? null,
  session_id: `session-${visitor}`,
  client_time: received,
  received_at: received,
  ip_prefix: '203.0.113.0',
  ip_hash: `hash-${visitor}`,
  browser: 'Chrome',
  device: 'desktop',
});

const PHOTO = 'premium/samples/northern-lights.jpg';
const VIDEO = 'premium/samples/aurora.mp4';

/** Firehose deliveries: each is one file per hour it spans. The last one repeats e1 (at-least-once delivery). */
export const DELIVERIES: readonly (readonly AnalyticsEvent[])[] = [
  [
    // Before the reports' window (first day 2024-05-01): in no report.
    event('e0', 'page_view', '2024-04-30T23:59:59.999Z', 'v0', { path: '/posts/a.html', referrer_host: 'old.example.com' }),
    event('e1', 'page_view', '2024-05-01T00:00:00.000Z', 'v1', { path: '/posts/a.html', referrer_host: 'news.example.com' }),
    event('e2', 'page_view', '2024-05-01T10:15:00.000Z', 'v2', { path: '/posts/a.html', referrer_host: 'news.example.com' }),
    event('e3', 'page_view', '2024-05-01T10:16:00.000Z', 'v1', { path: '/posts/a.html' }),
    event('e4', 'page_view', '2024-05-01T23:00:00.000Z', 'v3', { path: '/posts/b.html', referrer_host: 'search.example.org' }),
    event('e5', 'page_view', '2024-05-01T23:01:00.000Z', 'v3', { path: '/', referrer_host: 'search.example.org' }),
    event('e6', 'premium_open', '2024-05-01T10:20:00.000Z', 'v1', { target: PHOTO }),
    event('e7', 'premium_open', '2024-05-01T10:21:00.000Z', 'v1', { target: VIDEO }),
    event('e8', 'photo_upload', '2024-05-01T11:00:00.000Z', 'v2'),
  ],
  [
    event('e9', 'page_view', '2024-05-02T00:30:00.000Z', 'v4', { path: '/posts/a.html', referrer_host: 'news.example.com' }),
    event('e10', 'page_view', '2024-05-02T00:31:00.000Z', 'v4', { path: '/posts/b.html' }),
    event('e11', 'premium_open', '2024-05-02T08:00:00.000Z', 'v5', { target: PHOTO }),
    event('e12', 'premium_open', '2024-05-02T08:05:00.000Z', 'v5', { target: PHOTO }),
    event('e13', 'photo_upload', '2024-05-02T09:00:00.000Z', 'v5'),
    event('e14', 'photo_upload', '2024-05-02T09:30:00.000Z', 'v4'),
  ],
  [event('e1', 'page_view', '2024-05-01T00:00:00.000Z', 'v1', { path: '/posts/a.html', referrer_host: 'news.example.com' })],
];

/** The window's first day the expected answers are for. */
export const FIRST_DAY = '2024-05-01';

/** What every report must say about DELIVERIES from FIRST_DAY on. */
export const EXPECTED_REPORTS = {
  'views-per-post': [
    { dt: '2024-05-01', path: '/posts/a.html', views: 3 },
    { dt: '2024-05-01', path: '/posts/b.html', views: 1 },
    { dt: '2024-05-02', path: '/posts/a.html', views: 1 },
    { dt: '2024-05-02', path: '/posts/b.html', views: 1 },
  ],
  'unique-visitors': [
    { dt: '2024-05-01', visitors: 3 },
    { dt: '2024-05-02', visitors: 2 },
  ],
  'top-referrers': [
    { dt: '2024-05-01', referrer_host: 'news.example.com', views: 2 },
    { dt: '2024-05-01', referrer_host: 'search.example.org', views: 2 },
    { dt: '2024-05-02', referrer_host: 'news.example.com', views: 1 },
  ],
  'premium-plays': [
    { dt: '2024-05-01', target: VIDEO, plays: 1 },
    { dt: '2024-05-01', target: PHOTO, plays: 1 },
    { dt: '2024-05-02', target: PHOTO, plays: 2 },
  ],
  uploads: [
    { dt: '2024-05-01', uploads: 1, uploaders: 1 },
    { dt: '2024-05-02', uploads: 2, uploaders: 2 },
  ],
} as const;

/** Writes the deliveries as Parquet into a new temporary directory (or `directory`) and returns it. */
export async function writeEventsParquet(deliveries = DELIVERIES, directory = mkdtempSync(path.join(tmpdir(), 'events-'))): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
  const connection = await instance.connect();
  try {
    for (const [index, events] of deliveries.entries()) {
      const json = path.join(directory, `.delivery-${index}.json`);
      writeFileSync(json, events.map((row) => JSON.stringify(row)).join('\n'));
      const types = EVENT_COLUMNS.map((column) => `'${column.name}': '${column.type === 'timestamp' ? 'TIMESTAMP' : 'VARCHAR'}'`);
      await connection.run(
        `COPY (SELECT *, strftime(received_at, '%Y-%m-%d') AS dt, strftime(received_at, '%H') AS hour
               FROM read_json('${json}', format = 'newline_delimited', columns = {${types.join(', ')}}))
         TO '${directory}' (FORMAT parquet, PARTITION_BY (dt, hour), APPEND, FILENAME_PATTERN 'delivery-${index}-{uuid}')`,
      );
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return directory;
}
