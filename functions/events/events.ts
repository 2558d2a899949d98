import type * as z from 'zod/mini';
import { EventBatchSchema, MAX_EVENTS_PER_REQUEST, MAX_USER_AGENT_LENGTH, type ClientEvent, type StreamRecord } from '../lib/analytics-events';
import { ValidationError } from '../lib/errors';

/** What the server knows about the request, and the client must not decide. */
export interface Arrival {
  receivedAt: Date;
  sourceIp: string;
  userAgent: string;
}

/** One record for the stream: the partition key and the JSON text. */
export interface EventRecord {
  partitionKey: string;
  data: string;
}

/** Per record of one PutRecords call, in request order: written, or refused with Kinesis's ErrorCode. */
export type PutOutcome = { ok: true } | { ok: false; errorCode: string };

/** The stream, as the ingest needs it: one PutRecords call. */
export interface EventStream {
  put(records: readonly EventRecord[]): Promise<PutOutcome[]>;
}

export interface RetryPolicy {
  /** PutRecords calls in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** How far the browser's clock may be from the server's: behind by maxAgeSeconds, ahead by maxAheadSeconds. */
export interface ClockWindow {
  maxAgeSeconds: number;
  maxAheadSeconds: number;
}

export interface IngestDeps {
  stream: EventStream;
  retry: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1): the jitter of the backoff. */
  random: () => number;
}

export interface IngestResult {
  /** Records the stream took. */
  written: number;
  /** Records it still refused after the last attempt, with Kinesis's error codes; none means the request is stored. */
  unwritten: EventRecord[];
  errorCodes: string[];
  attempts: number;
}

/** `events[2].path` for zod's issue path `['events', 2, 'path']`. */
function where(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}${text === '' ? '' : '.'}${String(key)}`),
    '',
  );
}

/** A sentence for the first rule the body broke; zod/mini carries no messages of its own (no locale is bundled). */
function describeIssue(issue: z.core.$ZodIssue): ValidationError {
  const field = where(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return new ValidationError('unknown_field', `Unknown field: ${issue.keys.map((key) => where([...issue.path, key])).join(', ')}`);
  }
  if (field === 'events') {
    const detail = issue.code === 'invalid_type' ? 'must be a list' : `must hold 1 to ${MAX_EVENTS_PER_REQUEST} events`;
    return new ValidationError('invalid_events', `events ${detail}`);
  }
  return new ValidationError('invalid_event', `${field} ${ruleBroken(issue)}`);
}

function ruleBroken(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_type':
      return `must be a ${issue.expected}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)} characters`;
    case 'too_small':
      return 'must not be empty';
    case 'invalid_format':
      return `is not a valid ${issue.format === 'regex' ? 'value' : issue.format}`;
    default:
      return 'is not valid';
  }
}

/**
 * The events of a request body (already a JSON object, lib/http.ts), or a ValidationError naming the first rule broken:
 * `invalid_events` (no list, or not 1–25 events), `unknown_field`, `invalid_event` (a field of one event), or
 * `clock_skew` (an event's clientTime outside the window around the server's time).
 */
export function parseEventBatch(body: unknown, receivedAt: Date, window: ClockWindow): ClientEvent[] {
  const parsed = EventBatchSchema.safeParse(body);
  if (!parsed.success) throw describeIssue(parsed.error.issues[0]!);
  const now = receivedAt.getTime();
  parsed.data.events.forEach((event, index) => {
    const offset = (Date.parse(event.clientTime) - now) / 1000;
    if (offset > window.maxAheadSeconds || -offset > window.maxAgeSeconds) {
      throw new ValidationError(
        'clock_skew',
        `events[${index}].clientTime must be within ${window.maxAgeSeconds} s before and ${window.maxAheadSeconds} s after the server's time`,
      );
    }
  });
  return parsed.data.events;
}

/**
 * The stream records of the events: each adds the server's arrival time, the caller's address and user agent. The
 * partition key is the eventId: records spread evenly over the shards, and a resent event lands on the shard (so most
 * likely in the transform batch) of its first copy, where the transform drops it.
 */
export function toStreamRecords(events: readonly ClientEvent[], arrival: Arrival): EventRecord[] {
  const server = {
    receivedAt: arrival.receivedAt.toISOString(),
    sourceIp: arrival.sourceIp,
    userAgent: arrival.userAgent.slice(0, MAX_USER_AGENT_LENGTH),
  };
  return events.map((event) => {
    const record: StreamRecord = { ...event, ...server };
    return { partitionKey: event.eventId, data: JSON.stringify(record) };
  });
}

/** "Full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"): random in [0, min(cap, base × 2^n)). */
export function backoffMs(retry: number, policy: RetryPolicy, random: () => number): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry));
}

/**
 * Writes the records with PutRecords, which can refuse some records of a call and take the others (throttling per
 * shard, KMS throttling; Kinesis API Reference, "PutRecords"). Only the refused ones are sent again, after a backoff,
 * up to `retry.attempts` calls; what is still refused after that is returned, never dropped in silence.
 */
export async function putWithRetries(records: readonly EventRecord[], deps: IngestDeps): Promise<IngestResult> {
  let pending = [...records];
  let errorCodes: string[] = [];
  let attempts = 0;
  while (pending.length > 0 && attempts < deps.retry.attempts) {
    if (attempts > 0) await deps.sleep(backoffMs(attempts - 1, deps.retry, deps.random));
    attempts += 1;
    const outcomes = await deps.stream.put(pending);
    if (outcomes.length !== pending.length) {
      throw new Error(`PutRecords answered ${outcomes.length} results for ${pending.length} records`);
    }
    const refused = outcomes.flatMap((outcome, index) => (outcome.ok ? [] : [{ record: pending[index]!, code: outcome.errorCode }]));
    pending = refused.map(({ record }) => record);
    errorCodes = [...new Set(refused.map(({ code }) => code))];
  }
  return { written: records.length - pending.length, unwritten: pending, errorCodes, attempts };
}

/** POST /events: validated events to the stream. The handler answers 503 for any record left unwritten. */
export async function ingest(events: readonly ClientEvent[], arrival: Arrival, deps: IngestDeps): Promise<IngestResult> {
  return putWithRetries(toStreamRecords(events, arrival), deps);
}
