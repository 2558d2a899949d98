import {
  backoffMs,
  ingest,
  parseEventBatch,
  putWithRetries,
  toStreamRecords,
  type EventRecord,
  type EventStream,
  type IngestDeps,
  type PutOutcome,
} from '../../../../functions/events/events';
import { ValidationError } from '../../../../functions/lib/errors';

const NOW = new Date('2026-05-04T10:20:30.000Z');
const WINDOW = { maxAgeSeconds: 86_400, maxAheadSeconds: 300 };
const ARRIVAL = {
  receivedAt: NOW,
  sourceIp: '203.0.113.45',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
};

const event = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  eventId: '6f1c2d9e-4b7a-4c1e-9a57-1c2d3e4f5a6b',
  type: 'page_view',
  path: '/posts/hello-serverless.html',
  referrer: 'https://news.example.org/item?id=1',
  clientTime: '2026-05-04T10:20:00.000Z',
  sessionId: 'b3f1c0de-1111-4222-8333-444455556666',
  ...overrides,
});

const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function refusal(body: unknown): ValidationError {
  try {
    parseEventBatch(body, NOW, WINDOW);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('parseEventBatch', () => {
  it('accepts 1 to 25 events of the closed list of types, with the optional fields or without', () => {
    // Prepare
    const minimal = { eventId: uuid(1), type: 'photo_upload', path: '/photos.html', clientTime: '2026-05-04T10:19:00Z' };
    const premium = event({ eventId: uuid(2), type: 'premium_open', path: '/premium.html', target: 'premium/samples/northern-lights.jpg' });

    // Act
    const events = parseEventBatch({ events: [event(), minimal, premium] }, NOW, WINDOW);

    // Assess
    expect(events.map((e) => e.type)).toEqual(['page_view', 'photo_upload', 'premium_open']);
    expect(parseEventBatch({ events: Array.from({ length: 25 }, (_, i) => event({ eventId: uuid(i) })) }, NOW, WINDOW)).toHaveLength(25);
  });

  it.each([
    ['no events field', 'invalid_events', {}],
    ['events not a list', 'invalid_events', { events: 'page_view' }],
    ['an empty list', 'invalid_events', { events: [] }],
    ['26 events', 'invalid_events', { events: Array.from({ length: 26 }, (_, i) => event({ eventId: uuid(i) })) }],
    ['another top-level field', 'unknown_field', { events: [event()], user: 'ada' }],
    ['a field the schema does not know', 'unknown_field', { events: [event({ email: 'ada@example.com' })] }],
    ['a type outside the list', 'invalid_event', { events: [event({ type: 'click' })] }],
    ['an eventId that is no UUID', 'invalid_event', { events: [event({ eventId: '1234' })] }],
    ['no eventId', 'invalid_event', { events: [event({ eventId: undefined })] }],
    ['a path with a query string', 'invalid_event', { events: [event({ path: '/posts/x.html?email=ada@example.com' })] }],
    ['a full URL as the path', 'invalid_event', { events: [event({ path: 'https://blog.example/posts/x.html' })] }],
    ['a path over 512 characters', 'invalid_event', { events: [event({ path: `/${'a'.repeat(512)}` })] }],
    ['a javascript: referrer', 'invalid_event', { events: [event({ referrer: 'javascript:alert(1)' })] }],
    ['a clientTime that is no ISO time', 'invalid_event', { events: [event({ clientTime: '4 May 2026' })] }],
    ['a clientTime as a number', 'invalid_event', { events: [event({ clientTime: NOW.getTime() })] }],
    ['a sessionId that is no UUID', 'invalid_event', { events: [event({ sessionId: 'abc' })] }],
    ['a target with a control character', 'invalid_event', { events: [event({ target: 'premium/a\nb' })] }],
    ['an event that is not an object', 'invalid_event', { events: ['page_view'] }],
  ])('refuses %s: %s', (_, code, body) => {
    expect(refusal(body).code).toBe(code);
  });

  it('names the event and field that broke a rule', () => {
    expect(refusal({ events: [event(), event({ type: 'click' })] }).message).toBe(
      'events[1].type must be one of page_view, premium_open, photo_upload',
    );
    expect(refusal({ events: [event({ extra: 1 })] }).message).toBe('Unknown field: events[0].extra');
  });

  it('refuses a clientTime more than a day behind or five minutes ahead of the server (clock_skew)', () => {
    const at = (ms: number) => ({ events: [event({ clientTime: new Date(NOW.getTime() + ms).toISOString() })] });

    expect(parseEventBatch(at(-86_400_000), NOW, WINDOW)).toHaveLength(1);
    expect(parseEventBatch(at(300_000), NOW, WINDOW)).toHaveLength(1);
    expect(refusal(at(-86_401_000)).code).toBe('clock_skew');
    expect(refusal(at(301_000)).code).toBe('clock_skew');
  });
});

describe('toStreamRecords', () => {
  it('adds what only the server knows, keyed by eventId', () => {
    // Act
    const [record] = toStreamRecords(parseEventBatch({ events: [event()] }, NOW, WINDOW), ARRIVAL);

    // Assess
    expect(record?.partitionKey).toBe('6f1c2d9e-4b7a-4c1e-9a57-1c2d3e4f5a6b');
    expect(JSON.parse(record?.data ?? '')).toEqual({
      ...event(),
      receivedAt: '2026-05-04T10:20:30.000Z',
      sourceIp: '203.0.113.45',
      userAgent: ARRIVAL.userAgent,
    });
  });

  it('cuts an overlong user agent to 512 characters instead of refusing the reader', () => {
    const [record] = toStreamRecords(parseEventBatch({ events: [event()] }, NOW, WINDOW), { ...ARRIVAL, userAgent: 'x'.repeat(2000) });
    expect((JSON.parse(record?.data ?? '') as { userAgent: string }).userAgent).toHaveLength(512);
  });
});

/** A stream that answers each call with the next scripted outcomes, keyed by partition key. */
class ScriptedStream implements EventStream {
  readonly calls: string[][] = [];
  constructor(private readonly refuse: (call: number, key: string) => string | undefined) {}

  put(records: readonly EventRecord[]): Promise<PutOutcome[]> {
    const call = this.calls.length;
    this.calls.push(records.map((record) => record.partitionKey));
    return Promise.resolve(
      records.map((record): PutOutcome => {
        const code = this.refuse(call, record.partitionKey);
        return code === undefined ? { ok: true } : { ok: false, errorCode: code };
      }),
    );
  }
}

const records = (n: number): EventRecord[] => Array.from({ length: n }, (_, i) => ({ partitionKey: `k${i}`, data: `{"i":${i}}` }));

function deps(stream: EventStream, sleeps: number[] = []): IngestDeps {
  return {
    stream,
    retry: { attempts: 4, baseDelayMs: 50, maxDelayMs: 1_000 },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
  };
}

describe('putWithRetries', () => {
  it('writes everything in one call when the stream takes everything', async () => {
    const stream = new ScriptedStream(() => undefined);

    const result = await putWithRetries(records(3), deps(stream));

    expect(result).toEqual({ written: 3, unwritten: [], errorCodes: [], attempts: 1 });
    expect(stream.calls).toEqual([['k0', 'k1', 'k2']]);
  });

  it('sends again only the records a call refused, after a growing backoff', async () => {
    // Prepare: k1 and k3 throttled in the first call, k3 again in the second
    const stream = new ScriptedStream((call, key) =>
      (call === 0 && (key === 'k1' || key === 'k3')) || (call === 1 && key === 'k3') ? 'ProvisionedThroughputExceededException' : undefined,
    );
    const sleeps: number[] = [];

    // Act
    const result = await putWithRetries(records(5), deps(stream, sleeps));

    // Assess
    expect(stream.calls).toEqual([['k0', 'k1', 'k2', 'k3', 'k4'], ['k1', 'k3'], ['k3']]);
    expect(result).toMatchObject({ written: 5, unwritten: [], attempts: 3 });
    expect(sleeps).toEqual([25, 50]); // half (random 0.5) of 50 and 100 ms
  });

  it('gives up after the last attempt and returns what is still refused, with the error codes', async () => {
    const stream = new ScriptedStream((_, key) => (key === 'k2' ? 'KMSThrottlingException' : undefined));

    const result = await putWithRetries(records(3), deps(stream));

    expect(stream.calls).toEqual([['k0', 'k1', 'k2'], ['k2'], ['k2'], ['k2']]);
    expect(result).toEqual({ written: 2, unwritten: [records(3)[2]], errorCodes: ['KMSThrottlingException'], attempts: 4 });
  });

  it('refuses a stream answer that does not line up with the records it was sent', async () => {
    const stream: EventStream = { put: () => Promise.resolve([{ ok: true }]) };
    await expect(putWithRetries(records(2), deps(stream))).rejects.toThrow('PutRecords answered 1 results for 2 records');
  });
});

describe('backoffMs', () => {
  it('is full jitter under a doubling ceiling, capped', () => {
    const policy = { attempts: 10, baseDelayMs: 50, maxDelayMs: 1_000 };
    expect([0, 1, 2, 3, 4, 5].map((retry) => backoffMs(retry, policy, () => 0.999))).toEqual([49, 99, 199, 399, 799, 999]);
    expect(backoffMs(3, policy, () => 0)).toBe(0);
  });
});

describe('ingest', () => {
  it('puts one record per event on the stream', async () => {
    const stream = new ScriptedStream(() => undefined);
    const events = parseEventBatch({ events: [event({ eventId: uuid(1) }), event({ eventId: uuid(2) })] }, NOW, WINDOW);

    const result = await ingest(events, ARRIVAL, deps(stream));

    expect(result.written).toBe(2);
    expect(stream.calls).toEqual([[uuid(1), uuid(2)]]);
  });
});
