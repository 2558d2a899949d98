/**
 * The transform's handler with Secrets Manager faked: the key is read once per container (Powertools' cache), a
 * Firehose event becomes Firehose's answer, and a missing or short key fails the invocation (Firehose retries it).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';

type Handler = (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>;

const ENV = {
  IP_HASH_KEY_SECRET: 'serverless-blog/test/analytics-ip-hash-key',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

const record = (eventId: string) => ({
  recordId: `record-${eventId.slice(-2)}`,
  approximateArrivalTimestamp: 1_777_890_030_123,
  data: Buffer.from(
    JSON.stringify({
      eventId,
      type: 'page_view',
      path: '/',
      clientTime: '2026-05-04T23:59:58.000Z',
      receivedAt: '2026-05-04T23:59:59.999Z',
      sourceIp: '198.51.100.23',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
    }),
  ).toString('base64'),
});

const event: FirehoseTransformationEvent = {
  invocationId: 'invocation-1',
  deliveryStreamArn: 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/serverless-blog-test-analytics',
  region: 'eu-west-1',
  records: [record('00000000-0000-4000-8000-000000000001'), record('00000000-0000-4000-8000-000000000002')],
};

describe('analyticsTransform handler', () => {
  const saved = { ...process.env };
  let send: jest.SpyInstance;

  async function load(): Promise<Handler> {
    jest.resetModules();
    const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    send = jest.spyOn(SecretsManagerClient.prototype, 'send');
    return ((await import('../../../../functions/analytics-transform/handler')) as { handler: Handler }).handler;
  }

  beforeEach(() => Object.assign(process.env, ENV));
  afterEach(() => {
    jest.restoreAllMocks();
    process.env = { ...saved };
  });

  it('answers Firehose with partitioned rows, reading the key once for warm invocations', async () => {
    // Prepare
    const handler = await load();
    send.mockResolvedValue({ SecretString: 'k'.repeat(64), $metadata: {} });

    // Act
    const first = await handler(event);
    const second = await handler(event);

    // Assess
    expect(first.records.map((r) => [r.recordId, r.result, r.metadata])).toEqual([
      ['record-01', 'Ok', { partitionKeys: { dt: '2026-05-04', hour: '23' } }],
      ['record-02', 'Ok', { partitionKeys: { dt: '2026-05-04', hour: '23' } }],
    ]);
    expect(second).toEqual(first);
    expect(send).toHaveBeenCalledTimes(1);
    expect((send.mock.calls as [{ input: unknown }][])[0]![0].input).toMatchObject({ SecretId: ENV.IP_HASH_KEY_SECRET });
  });

  it('answers the sample events/firehose/analytics-transform.json: two kept, a bot and a repeat dropped, one malformed', async () => {
    const handler = await load();
    send.mockResolvedValue({ SecretString: 'k'.repeat(64), $metadata: {} });
    const sample = JSON.parse(readFileSync(path.join(__dirname, '../../../../events/firehose/analytics-transform.json'), 'utf8')) as FirehoseTransformationEvent;

    const result = await handler(sample);

    expect(result.records.map((r) => r.recordId)).toEqual(sample.records.map((r) => r.recordId));
    expect(result.records.map((r) => r.result)).toEqual(['Ok', 'Ok', 'Dropped', 'Dropped', 'ProcessingFailed']);
  });

  it('fails the invocation when the secret holds no usable key (Firehose then retries it)', async () => {
    const handler = await load();
    send.mockResolvedValue({ SecretString: 'short', $metadata: {} });

    await expect(handler(event)).rejects.toThrow(`secret ${ENV.IP_HASH_KEY_SECRET} holds no key of at least 32 characters`);
  });
});
