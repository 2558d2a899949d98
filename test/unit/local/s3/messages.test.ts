/** S3's event message structure ("Event message structure", Amazon S3 User Guide). */
import { configurationIdOf, encodeEventKey, eventRecord, sequencers, testEventMessage } from '../../../../scripts/local/s3/messages';

describe('encodeEventKey: keys as S3 writes them into event records (URL-encoded, space as +)', () => {
  it.each([
    ['uploads/u/My photo ✓.jpg', 'uploads/u/My+photo+%E2%9C%93.jpg'],
    ['events/dt=2024-05-01/hour=07/part-0.parquet', 'events/dt%3D2024-05-01/hour%3D07/part-0.parquet'],
    ["a/(1) it's~x!.txt", 'a/%281%29+it%27s%7Ex%21.txt'],
    ['a/b+c&d?.txt', 'a/b%2Bc%26d%3F.txt'],
    ['café/ünïcödé.jpg', 'caf%C3%A9/%C3%BCn%C3%AFc%C3%B6d%C3%A9.jpg'],
  ])('%s → %s', (key, encoded) => {
    expect(encodeEventKey(key)).toBe(encoded);
  });

  it('decodes back to the key the way a consumer does (decodeURIComponent after + → space)', () => {
    const key = 'uploads/u/a b+c%/ü (2).jpg';
    expect(decodeURIComponent(encodeEventKey(key).replace(/\+/g, ' '))).toBe(key);
  });
});

describe('eventRecord', () => {
  it('has the fields of the documented record: version 2.1, the name without s3:, the bucket ARN, the encoded key, size, eTag, sequencer', () => {
    // Act
    const record = eventRecord(
      { bucket: 'ingestion', key: 'events/dt=2024-05-01/a b.parquet', eventName: 'ObjectCreated:Put', size: 42, eTag: 'abc', time: new Date('2024-05-01T07:00:00.123Z'), sequencer: '0055AED6DCD90281E5' },
      'reports-rebuild',
    );

    // Assess
    expect(record).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2024-05-01T07:00:00.123Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: expect.any(String) as string },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': expect.stringMatching(/^[0-9A-F]{16}$/) as string, 'x-amz-id-2': expect.any(String) as string },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'reports-rebuild',
        bucket: { name: 'ingestion', ownerIdentity: { principalId: expect.any(String) as string }, arn: 'arn:aws:s3:::ingestion' },
        object: { key: 'events/dt%3D2024-05-01/a+b.parquet', size: 42, eTag: 'abc', sequencer: '0055AED6DCD90281E5' },
      },
    });
  });

  it('names a removed object without size or eTag, as S3 does', () => {
    const record = eventRecord({ bucket: 'b', key: 'k', eventName: 'ObjectRemoved:Delete', time: new Date(), sequencer: '01' }, 'id');
    expect(record.s3.object).toEqual({ key: 'k', sequencer: '01' });
  });
});

describe('sequencers', () => {
  it('grow with every event, also within one millisecond and if the clock steps back ("compare the sequencer values… padded with zeros")', () => {
    // Prepare
    const times = [1000, 1000, 1000, 999, 2000];
    const next = sequencers(() => times.shift()!);

    // Act
    const values = [next(), next(), next(), next(), next()];

    // Assess
    const padded = values.map((value) => value.padStart(32, '0'));
    expect([...padded].sort()).toEqual(padded);
    expect(new Set(values).size).toBe(values.length);
    for (const value of values) expect(value).toMatch(/^[0-9A-F]+$/);
  });
});

describe('testEventMessage and configurationIdOf', () => {
  it('is the message S3 sends a queue when a configuration names it', () => {
    expect(testEventMessage('ingestion', new Date('2024-05-01T00:00:00Z'))).toEqual({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2024-05-01T00:00:00.000Z',
      Bucket: 'ingestion',
      RequestId: expect.any(String) as string,
      HostId: expect.any(String) as string,
    });
  });

  it('gives one configuration one id, and two configurations two', () => {
    expect(configurationIdOf(['B', 's3:ObjectCreated:*', 'events/'])).toBe(configurationIdOf(['B', 's3:ObjectCreated:*', 'events/']));
    expect(configurationIdOf(['B', 's3:ObjectCreated:*', 'events/'])).not.toBe(configurationIdOf(['B', 's3:ObjectCreated:*', 'errors/']));
  });
});
