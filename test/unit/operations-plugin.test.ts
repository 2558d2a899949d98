/**
 * The pure parts of the operations packaging plugin (scripts/serverless/operations.cjs) on small templates: what it
 * finds to alarm, that it fails closed on a function outside the flows, the stage params' checks, and the dashboard
 * body's Fn::Join. The packaged stack itself is checked in test/template/operations.test.ts.
 */
import { FLOWS } from '../../functions/lib/flows';

interface Added {
  resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
  conditions: Record<string, unknown>;
  alarms: Array<{ logicalId: string; flow?: string }>;
}
interface Plugin {
  readSettings(custom: unknown): Record<string, number>;
  operationsResources(template: unknown, options: unknown): Added;
  addTo(template: unknown, added: Added): void;
  toJoin(value: unknown): unknown;
  Conditional: new (condition: string, value: unknown) => unknown;
  loadFlows(): unknown;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the plugin is the CommonJS file the framework loads
const plugin = require('../../scripts/serverless/operations.cjs') as Plugin;

const SETTINGS = {
  alarmPeriodSeconds: 300, alarmEvaluationPeriods: 3, alarmDatapointsToAlarm: 2, functionErrorRatePercent: 5,
  functionThrottles: 1, streamIteratorAgeSeconds: 600, api5xxRatePercent: 2, apiLatencyP99Ms: 3000,
  cdn5xxRatePercent: 5, sesBounceRatePercent: 5, sesComplaintRatePercent: 0.1,
};

const fn = (role?: string) => ({ Type: 'AWS::Lambda::Function', Properties: role ? { Role: { 'Fn::GetAtt': [role, 'Arn'] } } : {} });
const queue = (properties: Record<string, unknown> = {}) => ({ Type: 'AWS::SQS::Queue', Properties: properties });
const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** A small stack: health (HTTP), photos reading a queue with a DLQ, thumbnails with an async on-failure queue. */
function template(extra: Record<string, unknown> = {}) {
  return {
    Resources: {
      OpsAlertsTopic: { Type: 'AWS::SNS::Topic', Properties: {} },
      HealthLambdaFunction: fn(),
      PhotosLambdaFunction: fn(),
      ThumbnailsLambdaFunction: fn(),
      EventsQueue: queue({ RedrivePolicy: { deadLetterTargetArn: arn('EventsDeadLetterQueue'), maxReceiveCount: 5 } }),
      EventsDeadLetterQueue: queue(),
      ThumbnailsFailedQueue: queue(),
      PhotosEventSourceMapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { FunctionName: arn('PhotosLambdaFunction'), EventSourceArn: arn('EventsQueue') },
      },
      ThumbnailsEvConf: {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: {
          FunctionName: { Ref: 'ThumbnailsLambdaFunction' },
          DestinationConfig: { OnFailure: { Destination: arn('ThumbnailsFailedQueue') } },
        },
      },
      ...extra,
    },
  };
}
const KEYS = { HealthLambdaFunction: 'health', PhotosLambdaFunction: 'photos', ThumbnailsLambdaFunction: 'thumbnails' };
const generate = (tpl: unknown, functionKeys: Record<string, string> = KEYS, settings = SETTINGS) =>
  plugin.operationsResources(tpl, { functionKeys, flows: FLOWS, settings, service: 'blog', stage: 'dev' });

describe('operationsResources', () => {
  it('alarms every function and every queue that receives failures, not a queue that feeds a function', () => {
    // Act
    const { resources } = generate(template());

    // Assess
    const alarms = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms.map(([id]) => id).sort()).toEqual([
      'EventsDeadLetterQueueMessagesAlarm', 'HealthErrorRateAlarm', 'HealthThrottlesAlarm', 'PhotosErrorRateAlarm',
      'PhotosThrottlesAlarm', 'ThumbnailsErrorRateAlarm', 'ThumbnailsFailedQueueMessagesAlarm', 'ThumbnailsThrottlesAlarm',
    ]);
    for (const [, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: 'OpsAlertsTopic' }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: 'OpsAlertsTopic' }]);
      expect(alarm.Properties.AlarmName).toMatch(/^blog-dev-/);
    }
  });

  it('alarms a failure queue added later without being told: an ESM on-failure destination, a function DLQ, an SNS subscription DLQ', () => {
    // Prepare
    const tpl = template({
      WelcomeLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: { DeadLetterConfig: { TargetArn: arn('WelcomeDlq') } } },
      WelcomeDlq: queue(),
      WelcomeFailures: queue(),
      Table: { Type: 'AWS::DynamoDB::Table', Properties: {} },
      WelcomeMapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: arn('WelcomeLambdaFunction'),
          EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
          DestinationConfig: { OnFailure: { Destination: arn('WelcomeFailures') } },
        },
      },
      FeedbackLambdaFunction: fn(),
      FeedbackDlq: queue(),
      FeedbackSubscription: {
        Type: 'AWS::SNS::Subscription',
        Properties: { Endpoint: arn('FeedbackLambdaFunction'), RedrivePolicy: { deadLetterTargetArn: arn('FeedbackDlq') } },
      },
    });

    // Act
    const { resources, alarms } = generate(tpl, { ...KEYS, WelcomeLambdaFunction: 'welcome', FeedbackLambdaFunction: 'mailFeedback' });

    // Assess
    for (const id of ['WelcomeDlqMessagesAlarm', 'WelcomeFailuresMessagesAlarm', 'FeedbackDlqMessagesAlarm', 'WelcomeIteratorAgeAlarm']) {
      expect(resources[id]?.Type).toBe('AWS::CloudWatch::Alarm');
    }
    expect(alarms.find((alarm) => alarm.logicalId === 'WelcomeFailuresMessagesAlarm')?.flow).toBe('subscriptions');
    expect(alarms.find((alarm) => alarm.logicalId === 'FeedbackDlqMessagesAlarm')?.flow).toBe('subscriptions');
  });

  it('fails closed on a function that belongs to no flow, naming it', () => {
    const tpl = template({ StrayLambdaFunction: fn() });
    expect(() => generate(tpl, { ...KEYS, StrayLambdaFunction: 'stray' })).toThrow(/function stray belongs to no flow in functions\/lib\/flows\.ts/);
  });

  it('fails closed on a Lambda function serverless.yml does not declare', () => {
    const tpl = template({ CustomResourceFunction: fn() });
    expect(() => generate(tpl)).toThrow(/CustomResourceFunction is a Lambda function of the template that serverless.yml does not declare/);
  });

  it('alarms SES only when a role may send mail, at the thresholds as fractions', () => {
    // Prepare
    const role = {
      Type: 'AWS::IAM::Role',
      Properties: { Policies: [{ PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['ses:SendEmail'], Resource: '*' }] } }] },
    };
    const tpl = template({ WelcomeRole: role, WelcomeLambdaFunction: fn('WelcomeRole') });

    // Act
    const withMail = generate(tpl, { ...KEYS, WelcomeLambdaFunction: 'welcome' }).resources;
    const without = generate(template()).resources;

    // Assess
    expect(withMail.SesBounceRateAlarm?.Properties.Threshold).toBe(0.05);
    expect(withMail.SesComplaintRateAlarm?.Properties.Threshold).toBe(0.001);
    expect(without.SesBounceRateAlarm).toBeUndefined();
  });

  it("puts the CloudFront alarm under a us-east-1 condition and names it in the dashboard's alarm list only there", () => {
    // Prepare
    const tpl = template({ ContentDistribution: { Type: 'AWS::CloudFront::Distribution', Properties: {} } });

    // Act
    const { resources, conditions } = generate(tpl);

    // Assess
    const alarm = resources.ContentDistribution5xxRateAlarm!;
    expect(conditions[alarm.Condition!]).toEqual({ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] });
    const parts = (resources.OpsDashboard!.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    expect(parts).toContainEqual({
      'Fn::If': [alarm.Condition, { 'Fn::Join': ['', [',"', { 'Fn::GetAtt': ['ContentDistribution5xxRateAlarm', 'Arn'] }, '"']] }, ''],
    });
  });
});

describe('addTo', () => {
  it('refuses to overwrite a resource of the template', () => {
    const tpl = template({ HealthErrorRateAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: {} } });
    expect(() => plugin.addTo(tpl, generate(tpl))).toThrow(/already has a resource HealthErrorRateAlarm/);
  });

  it('refuses a template without the alert topic', () => {
    const tpl = template();
    const added = generate(tpl);
    delete (tpl.Resources as Record<string, unknown>).OpsAlertsTopic;
    expect(() => plugin.addTo(tpl, added)).toThrow(/no OpsAlertsTopic/);
  });
});

describe('toJoin', () => {
  it('writes JSON text around intrinsic functions, an optional element with its comma', () => {
    const joined = plugin.toJoin({ a: [{ Ref: 'X' }, new plugin.Conditional('C', 'y')], b: 1 });
    expect(joined).toEqual({ 'Fn::Join': ['', ['{"a":["', { Ref: 'X' }, '"', { 'Fn::If': ['C', ',"y"', ''] }, '],"b":1}']] });
  });

  it('leaves plain JSON a plain string', () => {
    expect(plugin.toJoin({ a: 'b' })).toBe('{"a":"b"}');
  });
});

describe('readSettings', () => {
  it('turns the resolved params (strings from --param) into numbers', () => {
    const strings = Object.fromEntries(Object.entries(SETTINGS).map(([key, value]) => [key, String(value)]));
    expect(plugin.readSettings(strings)).toEqual(SETTINGS);
  });

  it.each([
    ['a missing param', { ...SETTINGS, apiLatencyP99Ms: undefined }, /apiLatencyP99Ms/],
    ['a period CloudWatch does not take', { ...SETTINGS, alarmPeriodSeconds: 90 }, /alarmPeriodSeconds/],
    ['more datapoints than periods', { ...SETTINGS, alarmDatapointsToAlarm: 4 }, /alarmDatapointsToAlarm must not exceed/],
    ['a percentage over 100', { ...SETTINGS, functionErrorRatePercent: 150 }, /functionErrorRatePercent/],
    ['no custom.operations at all', undefined, /custom.operations is missing/],
  ])('refuses %s', (_case, custom, message) => {
    expect(() => plugin.readSettings(custom)).toThrow(message);
  });
});
