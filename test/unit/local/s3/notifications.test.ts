/**
 * Bucket notification configurations as S3 takes them ("Amazon S3 Event Notifications", "Configuring event
 * notifications using object key name filtering", "Granting permissions to publish event notification messages to a
 * destination", Amazon S3 User Guide) — and refuses them.
 */
import { resourceLookup } from '../../../../scripts/local/cloudformation';
import { matches, s3Notifications } from '../../../../scripts/local/s3/notifications';
import type { ServiceConfig } from '../../../../scripts/local/service-config';

const BUCKETS = new Map([
  ['Uploads', 'svc-local-uploads'],
  ['IngestionBucket', 'svc-local-ingestion-bucket'],
]);
const QUEUES = new Map([
  ['FailedQueue', { url: 'http://q/failed', arn: 'arn:aws:sqs:us-east-1:000000000000:svc-local-failed-queue' }],
  ['ReportsQueue', { url: 'http://q/reports', arn: 'arn:aws:sqs:us-east-1:000000000000:svc-local-reports-queue' }],
]);
const lookup = resourceLookup(BUCKETS, QUEUES, new Map());

const reportsPolicy = (statement: Record<string, unknown>) => ({
  Type: 'AWS::SQS::QueuePolicy',
  Properties: { Queues: [{ Ref: 'ReportsQueue' }], PolicyDocument: { Version: '2012-10-17', Statement: [statement] } },
});
const ALLOW_S3 = {
  Effect: 'Allow',
  Principal: { Service: 's3.amazonaws.com' },
  Action: 'sqs:SendMessage',
  Resource: { 'Fn::GetAtt': ['ReportsQueue', 'Arn'] },
  Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['IngestionBucket', 'Arn'] } }, StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
};
const TO_REPORTS = { Event: 's3:ObjectCreated:*', Queue: { 'Fn::GetAtt': ['ReportsQueue', 'Arn'] }, Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'events/' }] } } };

const config = (ingestion: Record<string, unknown>, extra: Record<string, unknown> = { ReportsQueuePolicy: reportsPolicy(ALLOW_S3) }) =>
  ({
    service: 'svc',
    provider: { stage: 'local' },
    params: {},
    functions: {
      thumbnails: { handler: 'h', maximumRetryAttempts: 1, destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['FailedQueue', 'Arn'] } } } },
    },
    resources: {
      Resources: {
        Uploads: {
          Type: 'AWS::S3::Bucket',
          Properties: {
            NotificationConfiguration: {
              LambdaConfigurations: [
                { Event: 's3:ObjectCreated:*', Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'uploads/' }] } }, Function: { 'Fn::GetAtt': ['ThumbnailsLambdaFunction', 'Arn'] } },
              ],
            },
          },
        },
        IngestionBucket: { Type: 'AWS::S3::Bucket', Properties: { NotificationConfiguration: ingestion } },
        FailedQueue: { Type: 'AWS::SQS::Queue' },
        ReportsQueue: { Type: 'AWS::SQS::Queue' },
        ...extra,
      },
    },
  }) as unknown as ServiceConfig;

describe('s3Notifications', () => {
  it('reads the function and queue targets, their filters and async settings from the resolved template', () => {
    // Act
    const [toFunction, toQueue] = s3Notifications(config({ QueueConfigurations: [TO_REPORTS] }), BUCKETS, QUEUES, lookup);

    // Assess
    expect(toFunction).toMatchObject({
      bucket: 'svc-local-uploads',
      event: 's3:ObjectCreated:*',
      prefix: 'uploads/',
      suffix: '',
      target: { kind: 'function', functionKey: 'thumbnails', functionName: 'svc-local-thumbnails', maxRetries: 1, onFailureQueueUrl: 'http://q/failed' },
    });
    expect(toQueue).toMatchObject({
      bucket: 'svc-local-ingestion-bucket',
      prefix: 'events/',
      target: { kind: 'queue', queueLogicalId: 'ReportsQueue', queueUrl: 'http://q/reports', queueArn: QUEUES.get('ReportsQueue')!.arn },
    });
    expect(toQueue!.configurationId).not.toBe(toFunction!.configurationId);
  });

  it('matches the event type (a wildcard or the exact name), the bucket, the prefix and the suffix of the raw key', () => {
    // Prepare
    const [notification] = s3Notifications(
      config({ QueueConfigurations: [{ ...TO_REPORTS, Event: 's3:ObjectCreated:Put', Filter: { S3Key: { Rules: [{ Name: 'Prefix', Value: 'events/' }, { Name: 'Suffix', Value: '.parquet' }] } } }] }),
      BUCKETS,
      QUEUES,
      lookup,
    ).filter((found) => found.target.kind === 'queue');
    const bucket = 'svc-local-ingestion-bucket';

    // Act + Assess
    expect(matches(notification!, { bucket, eventName: 'ObjectCreated:Put', key: 'events/dt=2024-05-01/a b.parquet' })).toBe(true);
    expect(matches(notification!, { bucket, eventName: 'ObjectCreated:Post', key: 'events/a.parquet' })).toBe(false);
    expect(matches(notification!, { bucket, eventName: 'ObjectCreated:Put', key: 'errors/a.parquet' })).toBe(false);
    expect(matches(notification!, { bucket, eventName: 'ObjectCreated:Put', key: 'events/a.json' })).toBe(false);
    expect(matches(notification!, { bucket: 'svc-local-uploads', eventName: 'ObjectCreated:Put', key: 'events/a.parquet' })).toBe(false);
  });

  it('reads a filter value URL-encoded, as S3 takes it', () => {
    const [, toQueue] = s3Notifications(config({ QueueConfigurations: [{ ...TO_REPORTS, Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'events/dt%3D' }] } } }] }), BUCKETS, QUEUES, lookup);
    expect(toQueue!.prefix).toBe('events/dt=');
  });

  it.each([
    ['a queue that is not of the stack', { QueueConfigurations: [{ ...TO_REPORTS, Queue: 'arn:aws:sqs:us-east-1:111111111111:elsewhere' }] }, undefined, /is not a queue of this stack/],
    ['a queue without a policy for S3', { QueueConfigurations: [TO_REPORTS] }, {}, /does not let S3 send/],
    ['a policy for another bucket', { QueueConfigurations: [TO_REPORTS] }, { P: reportsPolicy({ ...ALLOW_S3, Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::other-*' } } }) }, /does not let S3 send/],
    ['a policy for another principal', { QueueConfigurations: [TO_REPORTS] }, { P: reportsPolicy({ ...ALLOW_S3, Principal: { Service: 'sns.amazonaws.com' } }) }, /does not let S3 send/],
    ['a policy that denies S3 as well', { QueueConfigurations: [TO_REPORTS] }, { P: reportsPolicy(ALLOW_S3), D: reportsPolicy({ Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: '*' }) }, /does not let S3 send/],
    ['a condition it cannot decide', { QueueConfigurations: [TO_REPORTS] }, { P: reportsPolicy({ ...ALLOW_S3, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }) }, /IpAddress cannot be decided/],
    ['a topic target (not emulated)', { TopicConfigurations: [{ Event: 's3:ObjectCreated:*', Topic: 'arn' }] }, undefined, /TopicConfigurations of NotificationConfiguration are not emulated/],
    ['a filter rule other than prefix and suffix', { QueueConfigurations: [{ ...TO_REPORTS, Filter: { S3Key: { Rules: [{ Name: 'contains', Value: 'x' }] } } }] }, undefined, /at most one prefix and one suffix/],
    ['an event type that is not one', { QueueConfigurations: [{ ...TO_REPORTS, Event: 'ObjectCreated' }] }, undefined, /is not an S3 event type/],
    [
      'two overlapping configurations (same event, nested prefixes)',
      { QueueConfigurations: [TO_REPORTS, { ...TO_REPORTS, Event: 's3:ObjectCreated:Put', Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'events/dt=' }] } } }] },
      undefined,
      /overlap/,
    ],
  ])('refuses %s, as S3 refuses the configuration', (_, ingestion, extra, message) => {
    expect(() => s3Notifications(config(ingestion, extra), BUCKETS, QUEUES, lookup)).toThrow(message);
  });

  it('takes two configurations that no key matches both of (different prefixes, or different event types)', () => {
    const two = {
      QueueConfigurations: [
        TO_REPORTS,
        { ...TO_REPORTS, Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'errors/' }] } } },
        { ...TO_REPORTS, Event: 's3:ObjectRemoved:*' },
      ],
    };
    expect(s3Notifications(config(two), BUCKETS, QUEUES, lookup).filter((found) => found.target.kind === 'queue')).toHaveLength(3);
  });
});
