/**
 * Reading `sqs` events as CreateEventSourceMapping would take them ("Lambda parameters for Amazon SQS event source
 * mappings", "Creating and configuring an Amazon SQS event source mapping", Lambda developer guide).
 */
import { queueSubscriptions } from '../../../../scripts/local/queues/subscriptions';
import type { ServiceConfig } from '../../../../scripts/local/service-config';

const QUEUES = new Map([
  ['ReportsQueue', { url: 'http://q/reports', arn: 'arn:aws:sqs:us-east-1:000000000000:svc-local-reports-queue' }],
  ['OrderQueue', { url: 'http://q/order.fifo', arn: 'arn:aws:sqs:us-east-1:000000000000:order.fifo' }],
]);

const config = (event: unknown, fn: Record<string, unknown> = {}, queue: Record<string, unknown> = { VisibilityTimeout: 360 }) =>
  ({
    service: 'svc',
    provider: { stage: 'local' },
    params: {},
    functions: { reports: { handler: 'h', timeout: 60, events: [event], ...fn } },
    resources: { Resources: { ReportsQueue: { Type: 'AWS::SQS::Queue', Properties: queue }, OrderQueue: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } } } },
  }) as unknown as ServiceConfig;

const ARN = { 'Fn::GetAtt': ['ReportsQueue', 'Arn'] };

describe('queueSubscriptions', () => {
  it("reads the reports' mapping: batch 100 within 60 s, partial batch responses, five batches at once", () => {
    expect(queueSubscriptions(config({ sqs: { arn: ARN, batchSize: 100, maximumBatchingWindow: 60, functionResponseType: 'ReportBatchItemFailures' } }), QUEUES)).toEqual([
      {
        functionKey: 'reports',
        functionName: 'svc-local-reports',
        queueLogicalId: 'ReportsQueue',
        queueUrl: 'http://q/reports',
        queueArn: 'arn:aws:sqs:us-east-1:000000000000:svc-local-reports-queue',
        batchSize: 100,
        batchWindowMs: 60_000,
        reportBatchItemFailures: true,
        filterPatterns: [],
        maximumConcurrency: 5,
      },
    ]);
  });

  it("takes Lambda's defaults (batch 10, no window), a literal queue ARN, and skips a disabled mapping", () => {
    const [found] = queueSubscriptions(config({ sqs: QUEUES.get('ReportsQueue')!.arn }), QUEUES);
    expect(found).toMatchObject({ queueLogicalId: 'ReportsQueue', batchSize: 10, batchWindowMs: 0, reportBatchItemFailures: false });
    expect(queueSubscriptions(config({ sqs: { arn: ARN, enabled: false } }), QUEUES)).toEqual([]);
  });

  it.each([
    ['a function timeout above the visibility timeout', { sqs: { arn: ARN } }, { timeout: 60 }, { VisibilityTimeout: 30 }, /Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds/],
    ["the queue's default visibility timeout (30 s) under the function's", { sqs: { arn: ARN } }, { timeout: 31 }, {}, /30 seconds is less than Function timeout: 31/],
    ['a batch above 10 without a window', { sqs: { arn: ARN, batchSize: 11 } }, {}, undefined, /batchSize above 10 needs a maximumBatchingWindow of at least 1 second/],
    ['a batch above 10 000', { sqs: { arn: ARN, batchSize: 10_001, maximumBatchingWindow: 1 } }, {}, undefined, /batchSize must be an integer from 1 to 10000/],
    ['a window above 300 s', { sqs: { arn: ARN, maximumBatchingWindow: 301 } }, {}, undefined, /maximumBatchingWindow must be an integer from 0 to 300/],
    ['a maximumConcurrency of 1', { sqs: { arn: ARN, maximumConcurrency: 1 } }, {}, undefined, /maximumConcurrency must be an integer from 2 to 1000/],
    ['a queue that is not of the stack', { sqs: { arn: 'arn:aws:sqs:us-east-1:111111111111:elsewhere' } }, {}, undefined, /is not a queue of this stack/],
    ['a FIFO queue (not emulated)', { sqs: { arn: { 'Fn::GetAtt': ['OrderQueue', 'Arn'] } } }, { timeout: 1 }, undefined, /FIFO queues are not emulated/],
    ['a filter operator the local filters do not know', { sqs: { arn: ARN, filterPatterns: [{ body: { n: [{ numeric: ['>', 1] }] } }] } }, {}, undefined, /filter operator numeric/],
  ])('refuses %s, as CreateEventSourceMapping would (or as what is not emulated)', (_, event, fn, queue, message) => {
    expect(() => queueSubscriptions(config(event, fn, queue), QUEUES)).toThrow(message);
  });
});
