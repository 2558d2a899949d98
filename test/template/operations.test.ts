/**
 * Operations in every packaged template (README "Operations"): the alarms and the dashboard that
 * scripts/serverless/operations.cjs generates at packaging. What must be alarmed is found here on its own, from the
 * template (failure queues from redrive policies and on-failure destinations, functions, streams), not from the
 * plugin's answer; every alarm notifies OpsAlertsTopic on alarm and on recovery, whose key lets CloudWatch use it; the
 * dashboard names every function and every alarm; the thresholds follow the stage params.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FLOWS } from '../../functions/lib/flows';
import {
  asArray,
  isObject,
  referencedIds,
  subString,
  Template,
  TEMPLATE_BUILDS,
  templateFile,
  type CfnResource,
  type Json,
  type JsonObject,
  type PolicyStatement,
} from './template';

const SERVICE = 'serverless-blog';
/** CloudFormation's limit of resources per stack ("CloudFormation quotas"); the stack keeps well below it. */
const STACK_RESOURCE_LIMIT = 500;
const HEADROOM = 100;

const templates = Object.fromEntries(TEMPLATE_BUILDS.map((build) => [build.name, Template.load(templateFile(build.name))]));
const buildOf = (name: string) => TEMPLATE_BUILDS.find((build) => build.name === name)!;

const alarmsOf = (template: Template): Array<[string, CfnResource]> => template.resourcesOfType('AWS::CloudWatch::Alarm');
const props = (alarm: CfnResource): JsonObject => alarm.Properties ?? {};

/** The metrics an alarm reads, whether it watches one metric or a metric-math expression over several. */
function watched(alarm: CfnResource): Array<{ namespace: Json; name: Json; dimensions: Json }> {
  const p = props(alarm);
  if (p.MetricName !== undefined) return [{ namespace: p.Namespace!, name: p.MetricName, dimensions: p.Dimensions ?? [] }];
  return asArray(p.Metrics as Json[])
    .filter(isObject)
    .map((query) => (isObject(query.MetricStat) && isObject(query.MetricStat.Metric) ? query.MetricStat.Metric : undefined))
    .filter((metric): metric is JsonObject => metric !== undefined)
    .map((metric) => ({ namespace: metric.Namespace!, name: metric.MetricName!, dimensions: metric.Dimensions ?? [] }));
}

const watches = (alarm: CfnResource, namespace: string, name: string, target: string): boolean =>
  watched(alarm).some((metric) => metric.namespace === namespace && metric.name === name && referencedIds(metric.dimensions).includes(target));

/** The dashboard body's text with every intrinsic function written as `<Ref:Id>` / `<GetAtt:Id.Attr>` (both If branches). */
function dashboardText(template: Template): string {
  const [[, dashboard] = []] = template.resourcesOfType('AWS::CloudWatch::Dashboard');
  const render = (value: Json): string => {
    if (typeof value === 'string') return value;
    if (isObject(value)) {
      if (typeof value.Ref === 'string') return `<Ref:${value.Ref}>`;
      if (Array.isArray(value['Fn::GetAtt'])) return `<GetAtt:${value['Fn::GetAtt'].map(String).join('.')}>`;
      if (Array.isArray(value['Fn::If'])) return value['Fn::If'].slice(1).map(render).join('');
      if (Array.isArray(value['Fn::Join']) && Array.isArray(value['Fn::Join'][1])) return value['Fn::Join'][1].map(render).join('');
    }
    throw new Error(`unexpected value in the dashboard body: ${JSON.stringify(value)}`);
  };
  return render(dashboard?.Properties?.DashboardBody ?? '');
}

/** The dashboard body as JSON, with the conditional elements taken (as in a stack in us-east-1). */
const dashboardJson = (template: Template): JsonObject => JSON.parse(dashboardText(template)) as JsonObject;

describe.each(TEMPLATE_BUILDS.map((build) => build.name))('%s template', (build) => {
  const template = templates[build]!;
  const stage = buildOf(build).stage;
  const alarms = alarmsOf(template);
  const functions = template.resourcesOfType('AWS::Lambda::Function').map(([id]) => id);

  it('alarms every queue that receives failures from its first visible message', () => {
    const queues = [...template.failureQueues().keys()].sort();
    // The detection above must find the known ones, or the test would pass on an empty list.
    expect(queues).toEqual(
      expect.arrayContaining([
        'WelcomeFailuresQueue', 'ThumbnailsFailedInvocationsQueue', 'ThumbnailsEventsDeadLetterQueue',
        'ReportsFailedInvocationsQueue', 'ReportsDeadLetterQueue',
      ]),
    );
    for (const queue of queues) {
      const found = alarms.filter(([, alarm]) => watches(alarm, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', queue));
      expect({ queue, alarms: found.length }).toEqual({ queue, alarms: 1 });
      expect(props(found[0]![1])).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Statistic: 'Maximum' });
    }
  });

  it('gives every function an error-rate alarm (Errors / Invocations, M of N) and a throttles alarm', () => {
    expect(functions.length).toBeGreaterThanOrEqual(18);
    for (const fn of functions) {
      const errorRate = alarms.filter(([, alarm]) => watches(alarm, 'AWS/Lambda', 'Errors', fn) && watches(alarm, 'AWS/Lambda', 'Invocations', fn));
      expect({ fn, errorRate: errorRate.length }).toEqual({ fn, errorRate: 1 });
      const p = props(errorRate[0]![1]);
      const queries = asArray(p.Metrics as Json[]).filter(isObject);
      const idOf = (metricName: string): string => {
        const id = queries.find((query) => isObject(query.MetricStat) && isObject(query.MetricStat.Metric) && query.MetricStat.Metric.MetricName === metricName)?.Id;
        return typeof id === 'string' ? id : `no ${metricName} query`;
      };
      const expression = queries.find((query) => query.ReturnData === true);
      expect(expression?.Expression).toContain(`100 * ${idOf('Errors')} / ${idOf('Invocations')}`);
      expect(Number(p.DatapointsToAlarm)).toBeLessThanOrEqual(Number(p.EvaluationPeriods));
      expect(p.TreatMissingData).toBe('notBreaching');
      const throttles = alarms.filter(([, alarm]) => watches(alarm, 'AWS/Lambda', 'Throttles', fn));
      expect({ fn, throttles: throttles.length }).toEqual({ fn, throttles: 1 });
    }
  });

  it("watches the welcome stream's iterator age", () => {
    const streamMappings = template
      .resourcesOfType('AWS::Lambda::EventSourceMapping')
      .filter(([, mapping]) => subString(mapping.Properties?.EventSourceArn) === undefined && JSON.stringify(mapping.Properties?.EventSourceArn).includes('StreamArn'));
    expect(streamMappings.length).toBeGreaterThanOrEqual(1);
    for (const [, mapping] of streamMappings) {
      const [fn] = referencedIds(mapping.Properties?.FunctionName);
      expect(alarms.filter(([, alarm]) => watches(alarm, 'AWS/Lambda', 'IteratorAge', fn!))).toHaveLength(1);
    }
  });

  it("watches the HTTP API's 5xx rate and p99 latency on its $default stage", () => {
    const api = alarms.filter(([, alarm]) => watched(alarm).some((metric) => metric.namespace === 'AWS/ApiGateway'));
    expect(api.map(([, alarm]) => watched(alarm).map((metric) => metric.name)).sort()).toEqual([['5xx', 'Count'], ['Latency']]);
    for (const [, alarm] of api) {
      for (const metric of watched(alarm)) {
        expect(metric.dimensions).toEqual([{ Name: 'ApiId', Value: { Ref: 'HttpApi' } }, { Name: 'Stage', Value: '$default' }]);
      }
    }
    expect(props(api.find(([, alarm]) => props(alarm).MetricName === 'Latency')![1]).ExtendedStatistic).toBe('p99');
  });

  it("watches the distribution's 5xx error rate, only in a stack in us-east-1 (where CloudFront publishes)", () => {
    const cdn = alarms.filter(([, alarm]) => watches(alarm, 'AWS/CloudFront', '5xxErrorRate', 'ContentDistribution'));
    expect(cdn).toHaveLength(1);
    const [[, alarm]] = cdn as [[string, CfnResource]];
    expect(props(alarm).Dimensions).toContainEqual({ Name: 'Region', Value: 'Global' });
    const condition = (alarm as CfnResource & { Condition?: string }).Condition;
    expect(template.json.Conditions?.[condition ?? '']).toEqual({ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] });
  });

  it('watches SES bounce and complaint rates at the review thresholds SES publishes (5 %, 0.1 %, as fractions)', () => {
    const ses: Record<string, Json | undefined> = Object.fromEntries(
      alarms
        .filter(([, alarm]) => props(alarm).Namespace === 'AWS/SES')
        .map(([, alarm]) => [props(alarm).MetricName as string, props(alarm).Threshold]),
    );
    expect(ses).toEqual({ 'Reputation.BounceRate': 0.05, 'Reputation.ComplaintRate': 0.001 });
  });

  it('has every alarm notify OpsAlertsTopic on alarm and on recovery, named after service and stage', () => {
    expect(alarms.length).toBeGreaterThan(2 * functions.length);
    for (const [id, alarm] of alarms) {
      expect({ id, actions: props(alarm).AlarmActions, ok: props(alarm).OKActions }).toEqual({
        id,
        actions: [{ Ref: 'OpsAlertsTopic' }],
        ok: [{ Ref: 'OpsAlertsTopic' }],
      });
      expect(props(alarm).AlarmName).toMatch(new RegExp(`^${SERVICE}-${stage}-`));
    }
    expect(template.has('WelcomeFailuresAlarm')).toBe(false);
  });

  it("lets CloudWatch use the topic's key and publish to the topic, for this stage's alarms only", () => {
    const topic = template.properties('OpsAlertsTopic', 'AWS::SNS::Topic');
    expect(referencedIds(topic.KmsMasterKeyId)).toEqual(['OpsKey']);
    const keyPolicy = template.properties('OpsKey', 'AWS::KMS::Key').KeyPolicy as JsonObject;
    const forCloudWatch = (statements: PolicyStatement[]) =>
      statements.filter((statement) => statement.Effect === 'Allow' && JSON.stringify(statement.Principal) === '{"Service":"cloudwatch.amazonaws.com"}');
    const [keyStatement, ...moreKey] = forCloudWatch(asArray(keyPolicy.Statement) as unknown as PolicyStatement[]);
    expect(moreKey).toEqual([]);
    expect(asArray(keyStatement?.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    const [topicStatement, ...moreTopic] = forCloudWatch(template.policyStatements('OpsAlertsTopicPolicy', 'AWS::SNS::TopicPolicy'));
    expect(moreTopic).toEqual([]);
    expect(topicStatement?.Action).toBe('sns:Publish');
    for (const statement of [keyStatement!, topicStatement!]) {
      const pattern = subString(statement.Condition?.ArnLike?.['aws:SourceArn']);
      expect(pattern).toBe(`arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${SERVICE}-${stage}-*`);
      // Every alarm's name falls under the pattern, or CloudWatch could not deliver its notifications.
      const prefix = `${SERVICE}-${stage}-`;
      for (const [, alarm] of alarms) expect(props(alarm).AlarmName).toEqual(expect.stringMatching(new RegExp(`^${prefix}`)));
    }
  });

  it('has one dashboard, <service>-<stage>, that names every function and every alarm', () => {
    const dashboards = template.resourcesOfType('AWS::CloudWatch::Dashboard');
    expect(dashboards.map(([, dashboard]) => dashboard.Properties?.DashboardName)).toEqual([`${SERVICE}-${stage}`]);
    const text = dashboardText(template);
    for (const fn of functions) expect(text).toContain(`<Ref:${fn}>`);
    for (const [id] of alarms) expect(text).toContain(`<GetAtt:${id}.Arn>`);
    const alarmWidgets = (dashboardJson(template).widgets as JsonObject[]).filter((widget) => widget.type === 'alarm');
    const listed = alarmWidgets.flatMap((widget) => (widget.properties as JsonObject).alarms as string[]);
    expect(listed.sort()).toEqual(alarms.map(([id]) => `<GetAtt:${id}.Arn>`).sort());
  });

  it('draws a row per flow with its business metrics, per reason where the flow promises one', () => {
    const body = dashboardJson(template);
    const widgets = body.widgets as JsonObject[];
    expect(widgets.length).toBeLessThanOrEqual(500); // the dashboard body's limit
    const texts = widgets.filter((widget) => widget.type === 'text').map((widget) => (widget.properties as { markdown: string }).markdown);
    const metricsText = JSON.stringify(widgets.filter((widget) => widget.type === 'metric'));
    for (const [name, flow] of Object.entries(FLOWS)) {
      expect(texts.some((markdown) => markdown.includes(flow.title) && markdown.includes(`\`${name}\``))).toBe(true);
      for (const metric of flow.metrics) {
        if ('reason' in metric && metric.reason) {
          expect(metricsText).toContain(`MetricName=\\"${metric.name}\\" service=\\"${SERVICE}\\" stage=\\"${stage}\\"`);
        } else {
          expect(metricsText).toContain(JSON.stringify([SERVICE, metric.name, 'service', SERVICE, 'stage', stage]).slice(1, -1));
        }
      }
    }
    // CloudFront's metrics live in us-east-1 whatever the stack's region; the rest in the stack's own.
    for (const widget of widgets.filter((w) => w.type === 'metric')) {
      const properties = widget.properties as JsonObject;
      expect(properties.region).toBe(JSON.stringify(properties.metrics).includes('AWS/CloudFront') ? 'us-east-1' : '<Ref:AWS::Region>');
    }
  });

  it(`stays at least ${HEADROOM} resources below CloudFormation's ${STACK_RESOURCE_LIMIT} per stack`, () => {
    expect(Object.keys(template.json.Resources).length).toBeLessThanOrEqual(STACK_RESOURCE_LIMIT - HEADROOM);
  });
});

describe('thresholds follow the stage params', () => {
  /** `params.default.<name>` of serverless.yml (a plain number there). */
  const defaultParam = (name: string): number => {
    const yml = readFileSync(path.join(__dirname, '..', '..', 'serverless.yml'), 'utf8');
    const defaults = yml.slice(yml.indexOf('params:\n  default:'), yml.indexOf('\n  local:'));
    const match = new RegExp(`^    ${name}: ([0-9.]+)`, 'm').exec(defaults);
    if (!match) throw new Error(`serverless.yml has no params.default.${name}`);
    return Number(match[1]);
  };
  const override = (name: string): number => {
    const param = buildOf('dev-all-switches').params.find((entry) => entry.startsWith(`${name}=`));
    if (!param) throw new Error(`the dev-all-switches build does not override ${name}`);
    return Number(param.split('=')[1]);
  };
  const errorRateAlarms = (template: Template) =>
    alarmsOf(template).filter(([, alarm]) => watched(alarm).some((metric) => metric.name === 'Invocations'));

  it.each(['functionErrorRatePercent', 'alarmDatapointsToAlarm'])('%s: the default in dev, the --param override in dev-all-switches', (param) => {
    const property = param === 'functionErrorRatePercent' ? 'Threshold' : 'DatapointsToAlarm';
    expect(override(param)).not.toBe(defaultParam(param));
    for (const [build, expected] of [['dev', defaultParam(param)], ['dev-all-switches', override(param)]] as const) {
      const values = new Set(errorRateAlarms(templates[build]!).map(([, alarm]) => props(alarm)[property]));
      expect({ build, values: [...values] }).toEqual({ build, values: [expected] });
    }
  });

  it('every other alarm param is used at its default in prod', () => {
    const prod = alarmsOf(templates.prod!).map(([, alarm]) => props(alarm));
    const byMetric = (name: string) => prod.filter((alarm) => alarm.MetricName === name);
    expect(byMetric('Throttles').every((alarm) => alarm.Threshold === defaultParam('functionThrottles'))).toBe(true);
    expect(byMetric('IteratorAge').every((alarm) => alarm.Threshold === defaultParam('streamIteratorAgeSeconds') * 1000)).toBe(true);
    expect(byMetric('Latency').every((alarm) => alarm.Threshold === defaultParam('apiLatencyP99Ms'))).toBe(true);
    expect(byMetric('5xxErrorRate').every((alarm) => alarm.Threshold === defaultParam('cdn5xxRatePercent'))).toBe(true);
    expect(prod.every((alarm) => [undefined, defaultParam('alarmPeriodSeconds')].includes(alarm.Period as number))).toBe(true);
  });
});

it('guard-waivers.json waives nothing of CT.CLOUDWATCH.PR.1 (alarm actions): guard.test.ts runs the rule', () => {
  const waivers = JSON.parse(readFileSync(path.join(__dirname, 'guard-waivers.json'), 'utf8')) as Array<{ rule: string }>;
  expect(waivers.filter((waiver) => waiver.rule.toUpperCase().includes('CLOUDWATCH.PR.1'))).toEqual([]);
});
