/**
 * The rows the transform writes, one per event: exactly the columns of the Glue table that Firehose converts them to
 * Parquet with (resources/analytics.yml, AnalyticsEventsTable; the template tests compare the two). The partition
 * keys dt and hour are not columns: Firehose puts them in the object's prefix (`events/dt=…/hour=…/`).
 *
 * Timestamps are epoch milliseconds, which the delivery stream's Hive JSON deserializer reads with the format
 * `millis` (Firehose, "Converting your input record format"); Athena sees them as `timestamp`.
 */
export const EVENT_COLUMNS = [
  { name: 'event_id', type: 'string', comment: 'The browser-made UUID of the event' },
  { name: 'event_type', type: 'string', comment: 'page_view, premium_open or photo_upload' },
  { name: 'path', type: 'string', comment: 'Path of the page, no query or fragment' },
  { name: 'target', type: 'string', comment: 'What was opened (premium key), or null' },
  { name: 'referrer_host', type: 'string', comment: 'Host of the referring page, or null' },
  { name: 'session_id', type: 'string', comment: 'Random per browser tab, or null' },
  { name: 'client_time', type: 'timestamp', comment: "The browser's clock" },
  { name: 'received_at', type: 'timestamp', comment: "The API's clock; dt and hour come from it (UTC)" },
  { name: 'ip_prefix', type: 'string', comment: 'The /24 (IPv4) or /48 (IPv6) network of the reader' },
  { name: 'ip_hash', type: 'string', comment: "Keyed hash of the reader's address, salted per day" },
  { name: 'browser', type: 'string', comment: 'Browser family' },
  { name: 'device', type: 'string', comment: 'desktop, mobile, tablet or other' },
] as const;

type Column = (typeof EVENT_COLUMNS)[number];
type ValueOf<C extends Column> = C['type'] extends 'timestamp' ? number : C['name'] extends 'target' | 'referrer_host' | 'session_id' ? string | null : string;

/** One output row: a key per column, no other. */
export type EventRow = { [C in Column as C['name']]: ValueOf<C> };

/** The partition keys Firehose reads from the transform's metadata (dynamic partitioning). */
export interface PartitionKeys {
  /** yyyy-MM-dd, UTC */
  dt: string;
  /** 00–23, UTC */
  hour: string;
}
