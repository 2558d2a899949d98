/**
 * The transform against Firehose's data-transformation contract ("Required parameters for data transformation"):
 * every recordId back exactly once with Ok, Dropped or ProcessingFailed and base64 data, partition keys on Ok records;
 * and against the privacy promise: no byte of a reader's address in anything it returns.
 */
import type { FirehoseTransformationEventRecord, FirehoseTransformationResult } from 'aws-lambda';
import { isbot } from 'isbot';
import { ipHasher } from '../../../../functions/analytics-transform/anonymise';
import { toFirehoseResult, transformRecords, type TransformDeps } from '../../../../functions/analytics-transform/analytics-transform';
import { EVENT_COLUMNS } from '../../../../functions/analytics-transform/columns';
import { browserFamily, deviceClass } from '../../../../functions/analytics-transform/user-agent';

const KEY = Buffer.from('k'.repeat(64));
const deps: TransformDeps = { ipHash: ipHasher(KEY), isBot: isbot, browserFamily, deviceClass };

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const IPV4 = '203.0.113.45';
const IPV6 = '2001:db8:85a3:1234:5678:8a2e:370:7334';

const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function streamRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId: uuid(1),
    type: 'page_view',
    path: '/posts/hello-serverless.html',
    referrer: 'https://News.Example.org/item?id=1',
    clientTime: '2026-05-04T10:20:00.000Z',
    sessionId: 'b3f1c0de-1111-4222-8333-444455556666',
    receivedAt: '2026-05-04T10:20:30.123Z',
    sourceIp: IPV4,
    userAgent: FIREFOX,
    ...overrides,
  };
}

let nextId = 0;
/** A Firehose record of a Kinesis-sourced stream, as the transform is invoked with it. */
function firehoseRecord(data: string | Record<string, unknown>): FirehoseTransformationEventRecord {
  nextId += 1;
  return {
    recordId: `49546986683135544286507457936321625675700192471156785154000000${nextId}`,
    approximateArrivalTimestamp: 1_777_890_030_123,
    data: typeof data === 'string' ? data : Buffer.from(JSON.stringify(data)).toString('base64'),
    kinesisRecordMetadata: {
      shardId: 'shardId-000000000000',
      partitionKey: typeof data === 'string' ? 'x' : String(data.eventId),
      approximateArrivalTimestamp: 1_777_890_030_123,
      sequenceNumber: '49546986683135544286507457936321625675700192471156785154',
      subsequenceNumber: '',
    },
  };
}

const decode = (data: string | undefined): string => Buffer.from(data ?? '', 'base64').toString('utf8');

function run(records: FirehoseTransformationEventRecord[]): FirehoseTransformationResult {
  return toFirehoseResult(transformRecords(records, deps));
}

describe('transformRecords + toFirehoseResult', () => {
  it('answers every input recordId exactly once, in order, each with a status and base64 data', () => {
    // Prepare: one of each kind
    const records = [
      firehoseRecord(streamRecord({ eventId: uuid(1) })),
      firehoseRecord(streamRecord({ eventId: uuid(2), userAgent: GOOGLEBOT })),
      firehoseRecord(streamRecord({ eventId: uuid(1) })),
      firehoseRecord('bm90IGpzb24='),
      firehoseRecord(streamRecord({ eventId: uuid(3), sourceIp: IPV6, userAgent: IPHONE })),
    ];

    // Act
    const result = run(records);

    // Assess
    expect(result.records.map((record) => record.recordId)).toEqual(records.map((record) => record.recordId));
    expect(result.records.map((record) => record.result)).toEqual(['Ok', 'Dropped', 'Dropped', 'ProcessingFailed', 'Ok']);
    for (const record of result.records) expect(record.data).toMatch(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
  });

  it('turns an event into one line of JSON with exactly the Glue columns, and dt/hour partition keys (UTC)', () => {
    // Act
    const [record] = run([firehoseRecord(streamRecord())]).records;

    // Assess
    const text = decode(record!.data);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.slice(0, -1)).not.toContain('\n');
    const row = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(row)).toEqual(EVENT_COLUMNS.map((column) => column.name));
    expect(row).toEqual({
      event_id: uuid(1),
      event_type: 'page_view',
      path: '/posts/hello-serverless.html',
      target: null,
      referrer_host: 'news.example.org',
      session_id: 'b3f1c0de-1111-4222-8333-444455556666',
      client_time: Date.parse('2026-05-04T10:20:00.000Z'),
      received_at: Date.parse('2026-05-04T10:20:30.123Z'),
      ip_prefix: '203.0.113.0/24',
      ip_hash: expect.stringMatching(/^[0-9a-f]{32}$/) as string,
      browser: 'firefox',
      device: 'desktop',
    });
    expect(record!.metadata).toEqual({ partitionKeys: { dt: '2026-05-04', hour: '10' } });
  });

  it('keeps the optional fields as null when absent, and the target of a premium_open', () => {
    const minimal = streamRecord({ referrer: undefined, sessionId: undefined });
    const premium = streamRecord({ eventId: uuid(2), type: 'premium_open', target: 'premium/samples/northern-lights.jpg' });

    const [first, second] = run([firehoseRecord(minimal), firehoseRecord(premium)]).records.map((record) => JSON.parse(decode(record.data)) as Record<string, unknown>);

    expect(first).toMatchObject({ referrer_host: null, session_id: null, target: null });
    expect(second).toMatchObject({ event_type: 'premium_open', target: 'premium/samples/northern-lights.jpg' });
  });

  it.each([
    ['Googlebot', GOOGLEBOT],
    ['curl', 'curl/8.5.0'],
    ['a headless browser', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36'],
    ['no user agent at all', ''],
  ])('drops %s as a bot', (_, userAgent) => {
    const outcomes = transformRecords([firehoseRecord(streamRecord({ userAgent }))], deps);
    expect(outcomes).toEqual([expect.objectContaining({ result: 'Dropped', reason: 'bot' })]);
  });

  it('drops the later copies of an eventId within the batch, keeping the first', () => {
    // Prepare
    const first = firehoseRecord(streamRecord({ eventId: uuid(7), path: '/first' }));
    const records = [first, firehoseRecord(streamRecord({ eventId: uuid(7), path: '/again' })), firehoseRecord(streamRecord({ eventId: uuid(7) }))];

    // Act
    const outcomes = transformRecords(records, deps);

    // Assess
    expect(outcomes.map((outcome) => [outcome.result, 'reason' in outcome ? outcome.reason : undefined])).toEqual([
      ['Ok', undefined],
      ['Dropped', 'duplicate'],
      ['Dropped', 'duplicate'],
    ]);
    expect(outcomes[0]).toMatchObject({ recordId: first.recordId, row: { path: '/first' } });
  });

  it('does not let a bot use up an eventId: a real reader with the same id is kept', () => {
    const outcomes = transformRecords(
      [firehoseRecord(streamRecord({ eventId: uuid(8), userAgent: GOOGLEBOT })), firehoseRecord(streamRecord({ eventId: uuid(8) }))],
      deps,
    );
    expect(outcomes.map((outcome) => outcome.result)).toEqual(['Dropped', 'Ok']);
  });

  it.each([
    ['data that is not base64', 'not base64!', 'data is not base64'],
    ['base64 of something other than JSON', Buffer.from('hello').toString('base64'), 'data is not UTF-8 JSON'],
    ['base64 of bytes that are not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), 'data is not UTF-8 JSON'],
    ['a record without sourceIp', streamRecord({ sourceIp: undefined }), 'invalid sourceIp: invalid_union'],
    ['a record with an address that is none', streamRecord({ sourceIp: '999.1.1.1' }), 'invalid sourceIp: invalid_union'],
    ['an event type outside the list', streamRecord({ type: 'click' }), 'invalid type: invalid_value'],
    ['a field the schema does not know', streamRecord({ email: 'ada@example.com' }), 'invalid record: unrecognized_keys'],
    ['a JSON array', Buffer.from('[]').toString('base64'), 'invalid record: invalid_type'],
  ])('marks %s ProcessingFailed with the reason', (_, data, reason) => {
    // Act
    const outcomes = transformRecords([firehoseRecord(data)], deps);
    const [record] = toFirehoseResult(outcomes).records;

    // Assess: the reason in the outcome (logged by the handler) and as the record's data
    expect(outcomes).toEqual([expect.objectContaining({ result: 'ProcessingFailed', reason })]);
    expect(record?.result).toBe('ProcessingFailed');
    expect(JSON.parse(decode(record!.data))).toEqual({ reason });
    expect(record?.metadata).toBeUndefined();
  });

  it('puts no byte of a reader\'s address in anything it returns, whatever the outcome', () => {
    // Prepare: the same addresses through every path: kept, bot, duplicate, malformed (with the address inside)
    const records = [IPV4, IPV6, `::ffff:${IPV4}`].flatMap((sourceIp, i) => [
      firehoseRecord(streamRecord({ eventId: uuid(10 + i), sourceIp })),
      firehoseRecord(streamRecord({ eventId: uuid(20 + i), sourceIp, userAgent: GOOGLEBOT })),
      firehoseRecord(streamRecord({ eventId: uuid(10 + i), sourceIp })),
      firehoseRecord(streamRecord({ eventId: uuid(30 + i), sourceIp, type: 'click' })),
    ]);
    const ipv6Bytes = Buffer.from(IPV6.split(':').flatMap((group) => { const n = parseInt(group, 16); return [n >> 8, n & 0xff]; }));
    const forbidden = [
      Buffer.from(IPV4),
      Buffer.from([203, 0, 113, 45]),
      Buffer.from(IPV6),
      Buffer.from('2001:0db8:85a3:1234:5678:8a2e:0370:7334'),
      Buffer.from('2001:db8:85a3:1234:5678:8a2e:370'), // the first seven groups: more than a /48
      ipv6Bytes,
      Buffer.from(ipv6Bytes.toString('hex')),
      Buffer.from('c6336407'), // the IPv4 as hex (the mapped form's last 32 bits)
      Buffer.from('cb00712d'),
    ];

    // Act
    const result = run(records);

    // Assess: every record's decoded data, and the whole answer as sent back
    const outputs = [...result.records.map((record) => Buffer.from(record.data ?? '', 'base64')), Buffer.from(JSON.stringify(result))];
    expect(result.records.map((record) => record.result).filter((status) => status === 'Ok')).toHaveLength(3);
    for (const output of outputs) {
      for (const needle of forbidden) expect(output.includes(needle)).toBe(false);
    }
  });

  it('keeps the network of the address: /24 for IPv4 (also when IPv4-mapped), /48 for IPv6', () => {
    const rows = run([
      firehoseRecord(streamRecord({ eventId: uuid(1), sourceIp: IPV4 })),
      firehoseRecord(streamRecord({ eventId: uuid(2), sourceIp: `::ffff:${IPV4}` })),
      firehoseRecord(streamRecord({ eventId: uuid(3), sourceIp: IPV6 })),
    ]).records.map((record) => JSON.parse(decode(record.data)) as { ip_prefix: string; ip_hash: string });

    expect(rows.map((row) => row.ip_prefix)).toEqual(['203.0.113.0/24', '203.0.113.0/24', '2001:db8:85a3::/48']);
    // The mapped form is the same reader as the plain IPv4 address.
    expect(rows[1]?.ip_hash).toBe(rows[0]?.ip_hash);
  });
});
