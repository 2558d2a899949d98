/**
 * `schedule` events read as the framework compiles them (an AWS::Events::Rule per expression, the function as its
 * target), and the event the target gets ("Amazon EventBridge events": the Scheduled Event).
 */
import { scheduledEvent, scheduleRules } from '../../../../scripts/local/schedules/rules';
import type { ServiceConfig } from '../../../../scripts/local/service-config';

const config = (events: unknown[], fn: Record<string, unknown> = {}) =>
  ({ service: 'svc', provider: { stage: 'local' }, params: {}, functions: { reports: { handler: 'h', events, ...fn } }, resources: { Resources: {} } }) as unknown as ServiceConfig;
const QUEUES = new Map([['Failed', { url: 'http://q/failed' }]]);

describe('scheduleRules', () => {
  it('makes a rule per expression, named by its Name or its logical id in the stack, with the function as an async target', () => {
    // Act
    const rules = scheduleRules(
      config([{ schedule: 'rate(1 hour)' }, { schedule: { rate: ['cron(0 5 * * ? *)', 'cron(0 17 * * ? *)'], enabled: false } }, { schedule: { rate: ['rate(1 day)'], name: 'reports-daily' } }], {
        maximumRetryAttempts: 1,
        destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['Failed', 'Arn'] } } },
      }),
      QUEUES,
    );

    // Assess
    expect(rules.map(({ name, expression, enabled }) => [name, expression, enabled])).toEqual([
      ['svc-local-ReportsEventsRuleSchedule1', 'rate(1 hour)', true],
      ['svc-local-ReportsEventsRuleSchedule2', 'cron(0 5 * * ? *)', false],
      ['svc-local-ReportsEventsRuleSchedule3', 'cron(0 17 * * ? *)', false],
      ['reports-daily', 'rate(1 day)', true],
    ]);
    expect(rules[3]).toMatchObject({
      arn: 'arn:aws:events:us-east-1:000000000000:rule/reports-daily',
      target: { functionKey: 'reports', functionName: 'svc-local-reports', maxRetries: 1, onFailureQueueUrl: 'http://q/failed' },
    });
  });

  it('gives the target the constant input instead of the event when the schedule sets one (object or JSON text)', () => {
    const [fromObject, fromText] = scheduleRules(config([{ schedule: { rate: ['rate(1 hour)'], input: { report: 'all' } } }, { schedule: { rate: ['rate(2 hours)'], input: '{"report":"one"}' } }]), QUEUES);
    expect(fromObject!.input).toEqual({ report: 'all' });
    expect(fromText!.input).toEqual({ report: 'one' });
  });

  it.each([
    ['EventBridge Scheduler (method: scheduler)', { rate: ['rate(1 hour)'], method: 'scheduler' }, /method "scheduler" is not emulated/],
    ['inputTransformer', { rate: ['rate(1 hour)'], inputTransformer: { inputTemplate: '{}' } }, /inputTransformer is not emulated/],
    ['inputPath', { rate: ['rate(1 hour)'], inputPath: '$.detail' }, /inputPath is not emulated/],
    ['an expression that is not a string', { rate: [{ 'Fn::If': [] }] }, /is not a string/],
    ['an input that is not JSON', { rate: ['rate(1 hour)'], input: '{nope' }, /input must be JSON/],
  ])('refuses %s rather than run it otherwise', (_, schedule, message) => {
    expect(() => scheduleRules(config([{ schedule }]), QUEUES)).toThrow(message);
  });
});

describe('scheduledEvent', () => {
  it('is the Scheduled Event: version 0, detail-type, source aws.events, account, time to the second, region, the rule ARN, an empty detail', () => {
    expect(scheduledEvent({ arn: 'arn:aws:events:us-east-1:000000000000:rule/r' }, new Date('2026-03-04T10:15:00.000Z'), 'id-1')).toEqual({
      version: '0',
      id: 'id-1',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: '2026-03-04T10:15:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/r'],
      detail: {},
    });
  });
});
