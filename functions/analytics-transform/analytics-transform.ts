/**
 * Firehose's data-transformation contract (Amazon Data Firehose developer guide, "Transform source data in Amazon Data
 * Firehose" and "Required parameters for data transformation"): every input record comes back exactly once, under its
 * recordId, as Ok (with the transformed data), Dropped or ProcessingFailed; with dynamic partitioning, an Ok record
 * also carries `metadata.partitionKeys`, here dt and hour of the time the API received the event (UTC).
 */
import type { FirehoseTransformationEventRecord, FirehoseTransformationResult } from 'aws-lambda';
import { StreamRecordSchema, type StreamRecord } from '../lib/analytics-events';
import { ipPrefix } from './anonymise';
import type { EventRow, PartitionKeys } from './columns';
import type { BrowserFamily, DeviceClass } from './user-agent';

export interface TransformDeps {
  /** The keyed, per-day hash of an address (anonymise.ts ipHasher). */
  ipHash: (ip: string, day: string) => string;
  isBot: (userAgent: string) => boolean;
  browserFamily: (userAgent: string) => BrowserFamily;
  deviceClass: (userAgent: string) => DeviceClass;
}

/** Why a record was not kept: `bot` and `duplicate` are Dropped, the others ProcessingFailed. */
export type Outcome =
  | { recordId: string; result: 'Ok'; row: EventRow; partitionKeys: PartitionKeys }
  | { recordId: string; result: 'Dropped'; reason: 'bot' | 'duplicate' }
  | { recordId: string; result: 'ProcessingFailed'; reason: string };

/** Base64 as Firehose sends it (standard alphabet, padded). Buffer.from(…, 'base64') would skip what it cannot read. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The stream record inside a Firehose record, or why it is not one. */
function readRecord(data: string): { record: StreamRecord } | { reason: string } {
  if (!BASE64.test(data)) return { reason: 'data is not base64' };
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(Buffer.from(data, 'base64')));
  } catch {
    return { reason: 'data is not UTF-8 JSON' };
  }
  const parsed = StreamRecordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // Field names and zod's issue code only: a value could be the address.
    const field = issue?.path.map(String).join('.') || 'record';
    return { reason: `invalid ${field}: ${issue?.code ?? 'invalid'}` };
  }
  return { record: parsed.data };
}

const hostOf = (url: string | undefined): string | null => (url === undefined ? null : new URL(url).hostname.toLowerCase());

/** The row of an event: what the reports need, and no raw address or user agent. */
export function toRow(record: StreamRecord, day: string, deps: TransformDeps): EventRow {
  return {
    event_id: record.eventId,
    event_type: record.type,
    path: record.path,
    target: record.target ?? null,
    referrer_host: hostOf(record.referrer),
    session_id: record.sessionId ?? null,
    client_time: Date.parse(record.clientTime),
    received_at: Date.parse(record.receivedAt),
    ip_prefix: ipPrefix(record.sourceIp),
    ip_hash: deps.ipHash(record.sourceIp, day),
    browser: deps.browserFamily(record.userAgent),
    device: deps.deviceClass(record.userAgent),
  };
}

/**
 * One outcome per input record, in input order: malformed records ProcessingFailed with the reason, bots (a user agent
 * isbot knows, or none at all) Dropped, a repeat of an eventId already kept in this batch Dropped, the rest Ok.
 * Duplicates are caught within a batch only: the events' partition key is the eventId, so a resent event is read from
 * the shard of its first copy, most often into the same batch; reports can count distinct event_id for the rest.
 */
export function transformRecords(records: readonly FirehoseTransformationEventRecord[], deps: TransformDeps): Outcome[] {
  const kept = new Set<string>();
  return records.map(({ recordId, data }): Outcome => {
    const read = readRecord(data);
    if ('reason' in read) return { recordId, result: 'ProcessingFailed', reason: read.reason };
    const { record } = read;
    if (record.userAgent.trim() === '' || deps.isBot(record.userAgent)) return { recordId, result: 'Dropped', reason: 'bot' };
    if (kept.has(record.eventId)) return { recordId, result: 'Dropped', reason: 'duplicate' };
    kept.add(record.eventId);
    const iso = record.receivedAt; // validated ISO 8601 in UTC: yyyy-MM-ddTHH:…Z
    const partitionKeys = { dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
    let row: EventRow;
    try {
      row = toRow(record, partitionKeys.dt, deps);
    } catch {
      // A fixed reason: a parser's message could quote the address.
      return { recordId, result: 'ProcessingFailed', reason: 'fields the schema accepts could not be transformed' };
    }
    return { recordId, result: 'Ok', row, partitionKeys };
  });
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/**
 * Firehose's answer. An Ok record's data is its row as one line of JSON (newline-delimited). Dropped and
 * ProcessingFailed records carry only `{"reason"}`, never the input: the input holds the reader's raw address, and
 * nothing of it may reach S3 through this function's output.
 */
export function toFirehoseResult(outcomes: readonly Outcome[]): FirehoseTransformationResult {
  return {
    records: outcomes.map((outcome) =>
      outcome.result === 'Ok'
        ? {
            recordId: outcome.recordId,
            result: 'Ok',
            data: base64(`${JSON.stringify(outcome.row)}\n`),
            metadata: { partitionKeys: { ...outcome.partitionKeys } },
          }
        : { recordId: outcome.recordId, result: outcome.result, data: base64(`${JSON.stringify({ reason: outcome.reason })}\n`) },
    ),
  };
}
