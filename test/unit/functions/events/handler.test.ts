/**
 * POST /events through its handler, with the Kinesis client's send faked: the beacon's text/plain body is taken, bad
 * input is a 400 that writes nothing, and PutRecords' partial failures are retried record by record until they are
 * written or the answer is a 503 with Retry-After.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

type Handler = (event: unknown) => Promise<APIGatewayProxyStructuredResultV2>;

const ENV = {
  EVENTS_STREAM: 'analytics-stream',
  EVENTS_PUT_BASE_DELAY_MS: '1',
  EVENTS_PUT_MAX_DELAY_MS: '2',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const beaconEvent = (n: number) => ({ eventId: uuid(n), type: 'page_view', path: '/', clientTime: new Date().toISOString() });

function request(body: string, contentType = 'text/plain;charset=UTF-8'): Record<string, unknown> {
  return {
    version: '2.0',
    routeKey: 'POST /events',
    rawPath: '/events',
    headers: { 'content-type': contentType },
    body,
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'POST', path: '/events', protocol: 'HTTP/1.1', sourceIp: '198.51.100.23', userAgent: 'Mozilla/5.0 Firefox/133.0' },
      timeEpoch: Date.now(),
    },
  };
}

const batch = (n: number): string => JSON.stringify({ events: Array.from({ length: n }, (_, i) => beaconEvent(i)) });
const body = (response: APIGatewayProxyStructuredResultV2): unknown => JSON.parse(response.body ?? '');

describe('POST /events handler', () => {
  const saved = { ...process.env };
  let handler: Handler;
  let send: jest.SpyInstance;
  /** The partition keys of each PutRecords call. */
  const calls = (): string[][] =>
    send.mock.calls.map(([command]) => (command as PutRecordsCommand).input.Records!.map((record) => record.PartitionKey!));

  beforeAll(async () => {
    Object.assign(process.env, ENV);
    jest.resetModules();
    const { KinesisClient } = await import('@aws-sdk/client-kinesis');
    send = jest.spyOn(KinesisClient.prototype, 'send');
    ({ handler } = (await import('../../../../functions/events/handler')) as { handler: Handler });
  });
  beforeEach(() => send.mockReset());
  afterAll(() => {
    jest.restoreAllMocks();
    process.env = { ...saved };
  });

  /** A PutRecords answer that refuses the records whose partition key is listed. */
  function answer(refused: string[] = []) {
    return (command: PutRecordsCommand): Promise<PutRecordsCommandOutput> => {
      const results = command.input.Records!.map((record) =>
        refused.includes(record.PartitionKey!)
          ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' }
          : { SequenceNumber: '4960', ShardId: 'shardId-000000000000' },
      );
      return Promise.resolve({
        FailedRecordCount: results.filter((result) => 'ErrorCode' in result).length,
        Records: results,
        $metadata: {},
      });
    };
  }

  it('takes a beacon (text/plain JSON) and answers 202 with the count, one record per event on the stream', async () => {
    // Prepare
    send.mockImplementation(answer());

    // Act
    const response = await handler(request(batch(3)));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(body(response)).toEqual({ status: 'accepted', count: 3 });
    expect(calls()).toEqual([[uuid(0), uuid(1), uuid(2)]]);
    const command = (send.mock.calls as [PutRecordsCommand][])[0]![0];
    expect(command.input.StreamName).toBe('analytics-stream');
    const record = JSON.parse(Buffer.from(command.input.Records![0]!.Data!).toString('utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({ eventId: uuid(0), sourceIp: '198.51.100.23', userAgent: 'Mozilla/5.0 Firefox/133.0' });
    // API Gateway's time of the request.
    expect(Date.parse(record.receivedAt as string)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("measures the client's clock against API Gateway's time of the request, and stores that time", async () => {
    // Prepare: a request API Gateway received a week ago, with events of that moment
    send.mockImplementation(answer());
    const then = Date.parse('2026-05-04T10:20:30.000Z');
    const old = request(JSON.stringify({ events: [{ ...beaconEvent(1), clientTime: '2026-05-04T10:20:00.000Z' }] }));
    (old.requestContext as { timeEpoch: number }).timeEpoch = then;

    // Act
    const response = await handler(old);

    // Assess
    expect(response.statusCode).toBe(202);
    const command = (send.mock.calls as [PutRecordsCommand][])[0]![0];
    expect(JSON.parse(Buffer.from(command.input.Records![0]!.Data!).toString('utf8'))).toMatchObject({ receivedAt: '2026-05-04T10:20:30.000Z' });
  });

  it('takes the sample events/http/post-events.json (sls invoke local)', async () => {
    send.mockImplementation(answer());
    const sample = JSON.parse(readFileSync(path.join(__dirname, '../../../../events/http/post-events.json'), 'utf8')) as unknown;

    const response = await handler(sample);

    expect(response.statusCode).toBe(202);
    expect(body(response)).toEqual({ status: 'accepted', count: 2 });
  });

  it('takes application/json too', async () => {
    send.mockImplementation(answer());
    expect((await handler(request(batch(1), 'application/json'))).statusCode).toBe(202);
  });

  it.each([
    ['a form', 'unsupported_content_type', request('events=1', 'application/x-www-form-urlencoded')],
    ['malformed JSON', 'invalid_json', request('{"events":')],
    ['an unknown event type', 'invalid_event', request(JSON.stringify({ events: [{ ...beaconEvent(1), type: 'click' }] }))],
    ['26 events', 'invalid_events', request(batch(26))],
  ])('answers %s with 400 %s and writes nothing', async (_, code, event) => {
    const response = await handler(event);

    expect(response.statusCode).toBe(400);
    expect(body(response)).toEqual({ error: { code, message: expect.any(String) as string } });
    expect(send).not.toHaveBeenCalled();
  });

  it('answers a body over 8 KB with 413 and writes nothing', async () => {
    const padded = JSON.stringify({ events: [beaconEvent(1)], pad: 'x'.repeat(8 * 1024) });

    const response = await handler(request(padded));

    expect(response.statusCode).toBe(413);
    expect(send).not.toHaveBeenCalled();
  });

  it('sends again only the records PutRecords refused, and answers 202 once all are written', async () => {
    // Prepare: records 1 and 3 throttled once
    send.mockImplementationOnce(answer([uuid(1), uuid(3)])).mockImplementation(answer());

    // Act
    const response = await handler(request(batch(5)));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(calls()).toEqual([[uuid(0), uuid(1), uuid(2), uuid(3), uuid(4)], [uuid(1), uuid(3)]]);
  });

  it('answers 503 with Retry-After when records are still refused after the last attempt', async () => {
    send.mockImplementation(answer([uuid(2)]));

    const response = await handler(request(batch(3)));

    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '2' });
    expect(body(response)).toEqual({ error: { code: 'events_unavailable', message: expect.any(String) as string } });
    expect(calls()).toEqual([[uuid(0), uuid(1), uuid(2)], [uuid(2)], [uuid(2)], [uuid(2)]]);
  });

  it('counts a throttled call as all its records refused: retried, then 503', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } });
    send.mockRejectedValue(throttled);

    const response = await handler(request(batch(2)));

    expect(response.statusCode).toBe(503);
    expect(send).toHaveBeenCalledTimes(4);
  });

  it('counts a Kinesis out of reach (connection refused) as all records refused: retried, then 503, not a 500', async () => {
    // The SDK's error after its own retries when nothing listens at the endpoint.
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4567'), { code: 'ECONNREFUSED', $metadata: { attempts: 3 } });
    send.mockRejectedValue(refused);

    const response = await handler(request(batch(2)));

    expect(response.statusCode).toBe(503);
    expect(body(response)).toEqual({ error: { code: 'events_unavailable', message: expect.any(String) as string } });
    expect(send).toHaveBeenCalledTimes(4);
  });

  it('answers 500 with the fixed message for a fault of the deployment (no such stream), not retried', async () => {
    const missing = Object.assign(new Error('Stream analytics-stream not found'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
    send.mockRejectedValue(missing);

    const response = await handler(request(batch(1)));

    expect(response.statusCode).toBe(500);
    expect(body(response)).toEqual({ error: { code: 'internal_error', message: 'Internal server error' } });
    expect(send).toHaveBeenCalledTimes(1);
  });
});
