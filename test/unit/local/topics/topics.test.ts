/**
 * SNS → Lambda on the local stack: which `sns` events run (topics of the stack only), and the event a function gets
 * for one SNS message ("Invoking Lambda functions with Amazon SNS notifications", example event).
 */
import type { ServiceConfig } from '../../../../scripts/local/service-config';
import { snsEvent } from '../../../../scripts/local/topics/delivery';
import { topicSubscriptions } from '../../../../scripts/local/topics/subscriptions';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:svc-local-mail-feedback-topic';
const TOPICS = new Map([['MailFeedbackTopic', TOPIC_ARN]]);
const QUEUES = new Map([['FailedQueue', { url: 'http://q/failed' }]]);

const config = (event: unknown, fn: Record<string, unknown> = {}) =>
  ({
    service: 'svc',
    provider: { stage: 'local' },
    params: {},
    functions: { mailFeedback: { handler: 'h', events: [event], ...fn } },
    resources: { Resources: {} },
  }) as unknown as ServiceConfig;

describe('topicSubscriptions', () => {
  it('reads an sns event on a topic of the stack, with the function’s retries and on-failure queue', () => {
    const fn = { maximumRetryAttempts: 1, destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['FailedQueue', 'Arn'] } } } };
    expect(topicSubscriptions(config({ sns: { arn: TOPIC_ARN, topicName: 'mail-feedback' } }, fn), TOPICS, QUEUES)).toEqual([
      {
        functionKey: 'mailFeedback',
        topicLogicalId: 'MailFeedbackTopic',
        topicArn: TOPIC_ARN,
        deliveryQueueName: 'svc-local-mail-feedback-sns-delivery',
        target: { functionKey: 'mailFeedback', functionName: 'svc-local-mailFeedback', maxRetries: 1, onFailureQueueUrl: 'http://q/failed' },
      },
    ]);
  });

  it('passes a filter policy on to the subscription', () => {
    const [subscription] = topicSubscriptions(config({ sns: { arn: TOPIC_ARN, filterPolicy: { kind: ['a'] } } }), TOPICS, QUEUES);
    expect(subscription?.filterPolicy).toEqual({ kind: ['a'] });
  });

  it.each([
    ['a topic the stack does not have', { sns: { arn: 'arn:aws:sns:us-east-1:000000000000:elsewhere' } }, /is not a topic of this stack/],
    ['a topic by name only', { sns: 'some-topic' }, /is not a topic of this stack/],
    ['a subscription dead-letter queue', { sns: { arn: TOPIC_ARN, redrivePolicy: { deadLetterTargetRef: 'Q' } } }, /not emulated/],
  ])('refuses %s', (_, event, message) => {
    expect(() => topicSubscriptions(config(event), TOPICS, QUEUES)).toThrow(message);
  });
});

describe('snsEvent', () => {
  it('is the event Lambda gets from SNS: one record, the message as a string, the subscription ARN', () => {
    const envelope = {
      Type: 'Notification',
      MessageId: 'm-1',
      TopicArn: TOPIC_ARN,
      Subject: null,
      Message: '{"eventType":"Bounce"}',
      Timestamp: '2026-12-01T10:00:00.000Z',
      SignatureVersion: '1',
      Signature: 'EXAMPLE',
      SigningCertURL: 'https://sns.us-east-1.amazonaws.com/cert.pem',
      UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
      MessageAttributes: { kind: { Type: 'String', Value: 'a' } },
    };
    expect(snsEvent(envelope, `${TOPIC_ARN}:sub-1`)).toEqual({
      Records: [
        {
          EventVersion: '1.0',
          EventSubscriptionArn: `${TOPIC_ARN}:sub-1`,
          EventSource: 'aws:sns',
          Sns: {
            SignatureVersion: '1',
            Timestamp: '2026-12-01T10:00:00.000Z',
            Signature: 'EXAMPLE',
            SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/cert.pem',
            MessageId: 'm-1',
            Message: '{"eventType":"Bounce"}',
            MessageAttributes: { kind: { Type: 'String', Value: 'a' } },
            Type: 'Notification',
            UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
            TopicArn: TOPIC_ARN,
            Subject: null,
          },
        },
      ],
    });
  });
});
