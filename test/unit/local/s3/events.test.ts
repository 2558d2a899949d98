import { EventEmitter } from 'node:events';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { encodeEventKey, s3Notifications, startS3EventDispatch, type S3Notification } from '../../../../scripts/local/s3/events';
import { functionLogicalId } from '../../../../scripts/local/common/intrinsics';
import type { ServiceConfig } from '../../../../scripts/local/service-config';

const config = {
  service: 'svc',
  provider: { stage: 'local' },
  params: {},
  functions: {
    thumbnails: { handler: 'h', maximumRetryAttempts: 1, destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['FailedQueue', 'Arn'] } } } },
    'upload-url': { handler: 'h' },
  },
  resources: {
    Resources: {
      Uploads: {
        Type: 'AWS::S3::Bucket',
        Properties: {
          NotificationConfiguration: {
            LambdaConfigurations: [
              {
                Event: 's3:ObjectCreated:*',
                Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'uploads/' }] } },
                Function: { 'Fn::GetAtt': ['ThumbnailsLambdaFunction', 'Arn'] },
              },
            ],
          },
        },
      },
      FailedQueue: { Type: 'AWS::SQS::Queue' },
    },
  },
} as unknown as ServiceConfig;

const record = (key: string, eventName = 'ObjectCreated:Post') => ({
  Records: [{ eventName, s3: { bucket: { name: 'svc-local-uploads' }, object: { key } } }],
});

describe('local S3 event dispatch', () => {
  const notifications = s3Notifications(config, new Map([['Uploads', 'svc-local-uploads']]), new Map([['FailedQueue', { url: 'http://q/failed' }]]));

  it('reads the bucket notification, the function and its async settings from the resolved config', () => {
    expect(notifications).toEqual<S3Notification[]>([
      {
        bucket: 'svc-local-uploads',
        event: 's3:ObjectCreated:*',
        prefix: 'uploads/',
        suffix: '',
        functionKey: 'thumbnails',
        functionName: 'svc-local-thumbnails',
        maxRetries: 1,
        onFailureQueueUrl: 'http://q/failed',
      },
    ]);
    expect(functionLogicalId('upload-url')).toBe('UploadDashurlLambdaFunction');
  });

  it('encodes keys as S3 events do (+ for spaces, percent-encoded unicode, slashes kept)', () => {
    expect(encodeEventKey('uploads/u/My photo ✓.jpg')).toBe('uploads/u/My+photo+%E2%9C%93.jpg');
  });

  it('invokes matching objects only, retries a failing function, then writes the destination record', async () => {
    // Prepare
    const s3rver = new EventEmitter();
    const invoked: string[] = [];
    const lambda = {
      send: async (command: { input: { Payload: Uint8Array } }) => {
        const event = JSON.parse(Buffer.from(command.input.Payload).toString()) as ReturnType<typeof record>;
        const key = event.Records[0]?.s3.object.key ?? '';
        invoked.push(key);
        return key.includes('bad')
          ? { FunctionError: 'Unhandled', Payload: Buffer.from('{"errorMessage":"boom"}') }
          : { Payload: Buffer.from('null') };
      },
    } as unknown as LambdaClient;
    const sent: { QueueUrl: string; MessageBody: string }[] = [];
    const sqs = { send: async (command: { input: { QueueUrl: string; MessageBody: string } }) => void sent.push(command.input) } as unknown as SQSClient;
    const dispatcher = startS3EventDispatch({ s3rver, notifications, lambda, sqs, retryDelayMs: () => 1 });

    // Act
    s3rver.emit('event', record('uploads/u/ok photo.jpg'));
    s3rver.emit('event', record('elsewhere/x.jpg'));
    s3rver.emit('event', record('uploads/u/x.jpg', 'ObjectRemoved:Delete'));
    s3rver.emit('event', record('uploads/u/bad.jpg'));
    await dispatcher.idle();
    dispatcher.stop();

    // Assess
    expect(invoked).toEqual(['uploads/u/ok+photo.jpg', 'uploads/u/bad.jpg', 'uploads/u/bad.jpg']);
    expect(sent).toHaveLength(1);
    const destination = JSON.parse(sent[0]?.MessageBody ?? '{}') as Record<string, Record<string, unknown>>;
    expect(sent[0]?.QueueUrl).toBe('http://q/failed');
    expect(destination.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 2 });
    expect(destination.responsePayload).toEqual({ errorMessage: 'boom' });
  });
});
