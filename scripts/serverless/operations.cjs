// Packaging plugin (serverless.yml `plugins`): the stage's alarms and its CloudWatch dashboard (README "Operations"),
// generated from one set of definitions, after the framework has merged resources/*.yml into the compiled template
// (osls lib/plugins/aws/package: `aws:package:finalize:mergeCustomProviderResources`, then `saveServiceState`, which
// writes the template; `sls deploy` packages through the same lifecycle). It reads what the template holds, so a new
// function or a new failure queue is alarmed and drawn without editing a list here:
//
// - every AWS::Lambda::Function: error rate (metric math over Errors / Invocations) and throttles;
// - every SQS queue that receives failures: the `deadLetterTargetArn` of any RedrivePolicy (SQS queues, SNS
//   subscriptions), the OnFailure destination of an event source mapping or of a function's asynchronous invocations
//   (EventInvokeConfig), a function's DeadLetterConfig: any message visible;
// - every stream event source mapping (DynamoDB, Kinesis): the function's iterator age;
// - the HTTP API (HttpApi, stage $default): 5xx rate and p99 latency;
// - the distribution (ContentDistribution): 5xx error rate, only in a stack in us-east-1 (CloudFront publishes its
//   metrics there, and an alarm watches metrics of its own region only);
// - SES, when a function's role may send mail: the account's bounce and complaint rates.
//
// Every alarm notifies OpsAlertsTopic (resources/operations.yml) on alarm and on recovery. Thresholds come from the
// stage params, which serverless.yml hands over resolved in `custom.operations`. The dashboard draws a row per flow of
// functions/lib/flows.ts (the contract the functions' metrics follow); a function that belongs to no flow fails the
// packaging, so nothing runs unwatched.
'use strict';

const path = require('node:path');

const TOPIC = 'OpsAlertsTopic';
const CLOUDFRONT_REGION = 'us-east-1';
const IN_CLOUDFRONT_REGION = 'OpsInCloudFrontMetricsRegion';
/** The alarm status widget shows at most 100 alarms (CloudWatch "Dashboard Body Structure", alarm widget). */
const ALARMS_PER_WIDGET = 100;

/** `custom.operations` keys (each the stage param of the same name) and what a valid value is. */
const SETTINGS = {
  alarmPeriodSeconds: (value) => [10, 30].includes(value) || (value >= 60 && value % 60 === 0),
  alarmEvaluationPeriods: (value) => Number.isInteger(value) && value >= 1,
  alarmDatapointsToAlarm: (value) => Number.isInteger(value) && value >= 1,
  functionErrorRatePercent: (value) => value > 0 && value <= 100,
  functionThrottles: (value) => value >= 1,
  streamIteratorAgeSeconds: (value) => value > 0,
  api5xxRatePercent: (value) => value > 0 && value <= 100,
  apiLatencyP99Ms: (value) => value > 0,
  cdn5xxRatePercent: (value) => value > 0 && value <= 100,
  sesBounceRatePercent: (value) => value > 0 && value <= 100,
  sesComplaintRatePercent: (value) => value > 0 && value <= 100,
};

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The stage params as numbers, or an error naming the one that is missing or out of range. */
function readSettings(custom) {
  if (!isObject(custom)) throw new Error('custom.operations is missing in serverless.yml (the alarms\' stage params)');
  const settings = {};
  for (const [name, valid] of Object.entries(SETTINGS)) {
    const value = Number(custom[name]);
    if (custom[name] === undefined || custom[name] === '' || !Number.isFinite(value) || !valid(value)) {
      throw new Error(`custom.operations.${name} (stage param ${name}) is ${JSON.stringify(custom[name])}: out of range`);
    }
    settings[name] = value;
  }
  if (settings.alarmDatapointsToAlarm > settings.alarmEvaluationPeriods) {
    throw new Error('alarmDatapointsToAlarm must not exceed alarmEvaluationPeriods');
  }
  // CloudWatch: EvaluationPeriods × Period at most one day for periods of a minute or more.
  if (settings.alarmPeriodSeconds * settings.alarmEvaluationPeriods > 86400) {
    throw new Error('alarmPeriodSeconds × alarmEvaluationPeriods must not exceed one day');
  }
  return settings;
}

/** The logical id a `Ref` / `Fn::GetAtt` points at, or undefined. */
function targetOf(value) {
  if (!isObject(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** Every logical id a value refers to (Ref, Fn::GetAtt, `${Id}` in Fn::Sub), anywhere inside it. */
function referencesIn(value, found = new Set()) {
  if (Array.isArray(value)) value.forEach((item) => referencesIn(item, found));
  else if (isObject(value)) {
    const target = targetOf(value);
    if (target !== undefined) found.add(target);
    const sub = value['Fn::Sub'];
    const text = Array.isArray(sub) ? sub[0] : sub;
    if (typeof text === 'string') for (const match of text.matchAll(/\$\{([^}!.]+)/g)) found.add(match[1]);
    for (const inner of Object.values(value)) referencesIn(inner, found);
  }
  return found;
}

const actionsOf = (statement) => [statement.Action ?? []].flat();

/**
 * What the template holds that an operator watches: functions (with their flow), the queues each function reads or
 * fails into, the failure stores, stream mappings, the HTTP API, the distribution, and whether mail is sent.
 * `functionKeys` maps a function's logical id to its serverless.yml key (the name flows.ts uses).
 */
function describeStack(template, functionKeys, flows) {
  const resources = template.Resources ?? {};
  const ofType = (type) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const queueIds = new Set(ofType('AWS::SQS::Queue').map(([id]) => id));
  const flowOf = new Map();
  for (const [flow, definition] of Object.entries(flows)) for (const key of definition.functions) flowOf.set(key, flow);

  const functions = ofType('AWS::Lambda::Function').map(([logicalId, resource]) => {
    const key = functionKeys[logicalId];
    if (key === undefined) {
      throw new Error(
        `${logicalId} is a Lambda function of the template that serverless.yml does not declare: give it a ` +
          'function key and a flow in functions/lib/flows.ts, so that it is alarmed and drawn',
      );
    }
    const flow = flowOf.get(key);
    if (flow === undefined) {
      throw new Error(
        `function ${key} belongs to no flow in functions/lib/flows.ts: add it to the flow it serves, so that the ` +
          'dashboard draws it',
      );
    }
    return { logicalId, key, flow, role: targetOf(resource.Properties?.Role), queues: new Set(), streams: [] };
  });
  const byLogicalId = new Map(functions.map((fn) => [fn.logicalId, fn]));
  const functionOf = (value) => byLogicalId.get(targetOf(value));

  const failureStores = new Set();
  const addFailureStore = (value) => {
    const id = targetOf(value);
    if (queueIds.has(id)) failureStores.add(id);
    return id;
  };
  // Redrive policies of queues and of SNS subscriptions, wherever they are.
  const deadLetterOf = new Map();
  for (const [id, resource] of Object.entries(resources)) {
    const redrive = resource.Properties?.RedrivePolicy;
    if (isObject(redrive) && redrive.deadLetterTargetArn !== undefined) {
      deadLetterOf.set(id, addFailureStore(redrive.deadLetterTargetArn));
    }
  }
  for (const fn of functions) {
    const deadLetter = resources[fn.logicalId].Properties?.DeadLetterConfig?.TargetArn;
    if (deadLetter !== undefined) fn.queues.add(addFailureStore(deadLetter));
    // A queue the function sends to by name (its URL in the environment): the code's own dead-letter writes.
    for (const id of referencesIn(resources[fn.logicalId].Properties?.Environment)) {
      if (queueIds.has(id)) fn.queues.add(id);
    }
  }
  for (const [id, mapping] of ofType('AWS::Lambda::EventSourceMapping')) {
    const fn = functionOf(mapping.Properties?.FunctionName);
    if (fn === undefined) throw new Error(`${id}: the event source mapping's function is not a function of the stack`);
    const onFailure = mapping.Properties?.DestinationConfig?.OnFailure?.Destination;
    if (onFailure !== undefined) fn.queues.add(addFailureStore(onFailure));
    const source = mapping.Properties?.EventSourceArn;
    const sourceId = targetOf(source);
    if (queueIds.has(sourceId)) {
      fn.queues.add(sourceId);
      if (deadLetterOf.has(sourceId)) fn.queues.add(deadLetterOf.get(sourceId));
    } else if (
      resources[sourceId]?.Type === 'AWS::Kinesis::Stream' ||
      (Array.isArray(source?.['Fn::GetAtt']) && source['Fn::GetAtt'][1] === 'StreamArn')
    ) {
      fn.streams.push(id);
    }
  }
  for (const [id, config] of ofType('AWS::Lambda::EventInvokeConfig')) {
    const fn = functionOf(config.Properties?.FunctionName);
    if (fn === undefined) throw new Error(`${id}: the invoke config's function is not a function of the stack`);
    const onFailure = config.Properties?.DestinationConfig?.OnFailure?.Destination;
    if (onFailure !== undefined) fn.queues.add(addFailureStore(onFailure));
  }
  // An SNS subscription's dead-letter queue belongs to the function the subscription delivers to.
  for (const [id, subscription] of ofType('AWS::SNS::Subscription')) {
    const fn = functionOf(subscription.Properties?.Endpoint);
    if (fn !== undefined && deadLetterOf.has(id)) fn.queues.add(deadLetterOf.get(id));
  }
  for (const fn of functions) fn.queues.delete(undefined);

  // A function may send mail when its role allows ses:SendEmail / ses:SendRawEmail (the SES v1 and v2 actions).
  const mailRoles = new Set();
  for (const [roleId, role] of ofType('AWS::IAM::Role')) {
    for (const policy of role.Properties?.Policies ?? []) {
      for (const statement of [policy.PolicyDocument?.Statement ?? []].flat()) {
        if (statement.Effect === 'Allow' && actionsOf(statement).some((action) => /^ses:Send(Raw)?Email$/i.test(action))) {
          mailRoles.add(roleId);
        }
      }
    }
  }

  const httpApi = resources.HttpApi?.Type === 'AWS::ApiGatewayV2::Api' ? 'HttpApi' : undefined;
  const httpApiStage = ofType('AWS::ApiGatewayV2::Stage').find(([, stage]) => targetOf(stage.Properties?.ApiId) === httpApi)?.[1]
    .Properties.StageName;
  // API Gateway publishes an HTTP API's metrics per stage: without the stage's name there is nothing to watch.
  if (httpApi !== undefined && typeof httpApiStage !== 'string') throw new Error('HttpApi has no stage with a literal StageName');
  return {
    functions,
    failureStores: [...failureStores],
    httpApi,
    httpApiStage,
    distribution: resources.ContentDistribution?.Type === 'AWS::CloudFront::Distribution' ? 'ContentDistribution' : undefined,
    mailFunctions: functions.filter((fn) => mailRoles.has(fn.role)),
  };
}

/** PascalCase of a function's logical id without the framework's suffix: UploadDashurlLambdaFunction → UploadDashurl. */
const baseName = (logicalId) => logicalId.replace(/LambdaFunction$/, '');

const dimension = (Name, Value) => ({ Name, Value });
const metricStat = (id, namespace, metricName, dimensions, stat, period) => ({
  Id: id,
  MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions }, Period: period, Stat: stat },
  ReturnData: false,
});

/**
 * A rate in percent by metric math, `100 × failed / total` over one period, in alarm above `threshold` on the shared
 * M-of-N window. No traffic is no failure: without the IF a quiet period would be a division by zero.
 */
const rateAlarmProperties = ({ namespace, dimensions, failed, total, label, threshold, period, window }) => ({
  Metrics: [
    metricStat('failed', namespace, failed, dimensions, 'Sum', period),
    metricStat('total', namespace, total, dimensions, 'Sum', period),
    { Id: 'rate', Expression: 'IF(total > 0, 100 * failed / total, 0)', Label: label, ReturnData: true },
  ],
  ComparisonOperator: 'GreaterThanThreshold',
  Threshold: threshold,
  ...window,
  TreatMissingData: 'notBreaching',
});

/**
 * The alarm definitions: one entry per alarm with the flow it belongs to (undefined = the stage as a whole), its
 * CloudFormation properties minus the actions, and an optional condition.
 */
function defineAlarms(stack, settings, { service, stage }) {
  const alarms = [];
  const prefix = `${service}-${stage}`;
  const period = settings.alarmPeriodSeconds;
  const window = { EvaluationPeriods: settings.alarmEvaluationPeriods, DatapointsToAlarm: settings.alarmDatapointsToAlarm };
  const mOfN = `${settings.alarmDatapointsToAlarm} of ${settings.alarmEvaluationPeriods} periods of ${period} s`;
  const add = (logicalId, flow, properties, condition) => alarms.push({ logicalId, flow, properties, condition });

  for (const fn of stack.functions) {
    const name = { Ref: fn.logicalId };
    const fnDimension = [dimension('FunctionName', name)];
    add(`${baseName(fn.logicalId)}ErrorRateAlarm`, fn.flow, {
      AlarmName: `${prefix}-${fn.key}-error-rate`,
      AlarmDescription: `${fn.key}: more than ${settings.functionErrorRatePercent} % of invocations failed in ${mOfN} (stage param functionErrorRatePercent)`,
      ...rateAlarmProperties({
        namespace: 'AWS/Lambda', dimensions: fnDimension, failed: 'Errors', total: 'Invocations',
        label: 'Error rate (%)', threshold: settings.functionErrorRatePercent, period, window,
      }),
    });
    add(`${baseName(fn.logicalId)}ThrottlesAlarm`, fn.flow, {
      AlarmName: `${prefix}-${fn.key}-throttles`,
      AlarmDescription: `${fn.key}: at least ${settings.functionThrottles} throttled invocation(s) in ${mOfN} (stage param functionThrottles)`,
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Dimensions: fnDimension,
      Statistic: 'Sum',
      Period: period,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: settings.functionThrottles,
      ...window,
      TreatMissingData: 'notBreaching',
    });
    // IteratorAge is published per function (the FunctionName dimension), so one alarm covers all its streams.
    if (fn.streams.length > 0) {
      add(`${baseName(fn.logicalId)}IteratorAgeAlarm`, fn.flow, {
        AlarmName: `${prefix}-${fn.key}-iterator-age`,
        AlarmDescription: `${fn.key}: its stream's oldest unprocessed record was older than ${settings.streamIteratorAgeSeconds} s in ${mOfN} (stage param streamIteratorAgeSeconds)`,
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Dimensions: fnDimension,
        Statistic: 'Maximum',
        Period: period,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: settings.streamIteratorAgeSeconds * 1000, // the metric is in milliseconds
        ...window,
        TreatMissingData: 'notBreaching',
      });
    }
  }
  const owner = new Map();
  for (const fn of stack.functions) for (const queue of fn.queues) owner.set(queue, fn);
  for (const queue of stack.failureStores) {
    add(`${queue}MessagesAlarm`, owner.get(queue)?.flow, {
      AlarmName: `${prefix}-${queue}-messages`,
      AlarmDescription: `${queue} holds failed work (any message visible): look at it, fix the cause, then redrive (README "Operations")`,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [dimension('QueueName', { 'Fn::GetAtt': [queue, 'QueueName'] })],
      Statistic: 'Maximum',
      Period: period,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      // SQS publishes a queue's metrics only while the queue is active ("Available CloudWatch metrics for Amazon SQS"):
      // a gap keeps the last state, so a failure store nobody touches stays in ALARM until it is emptied.
      TreatMissingData: 'ignore',
    });
  }
  if (stack.httpApi !== undefined) {
    const apiDimensions = [dimension('ApiId', { Ref: stack.httpApi }), dimension('Stage', stack.httpApiStage)];
    add('HttpApi5xxRateAlarm', undefined, {
      AlarmName: `${prefix}-http-api-5xx-rate`,
      AlarmDescription: `HTTP API: more than ${settings.api5xxRatePercent} % of requests answered 5xx in ${mOfN} (stage param api5xxRatePercent)`,
      ...rateAlarmProperties({
        namespace: 'AWS/ApiGateway', dimensions: apiDimensions, failed: '5xx', total: 'Count',
        label: '5xx rate (%)', threshold: settings.api5xxRatePercent, period, window,
      }),
    });
    add('HttpApiLatencyAlarm', undefined, {
      AlarmName: `${prefix}-http-api-p99-latency`,
      AlarmDescription: `HTTP API: p99 latency above ${settings.apiLatencyP99Ms} ms in ${mOfN} (stage param apiLatencyP99Ms)`,
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      Dimensions: apiDimensions,
      ExtendedStatistic: 'p99',
      Period: period,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: settings.apiLatencyP99Ms,
      ...window,
      TreatMissingData: 'notBreaching',
    });
  }
  if (stack.distribution !== undefined) {
    const siteFlow = stack.functions.find((fn) => fn.flow === 'site')?.flow;
    add(
      'ContentDistribution5xxRateAlarm',
      siteFlow,
      {
        AlarmName: `${prefix}-cdn-5xx-rate`,
        AlarmDescription: `CloudFront: more than ${settings.cdn5xxRatePercent} % of viewer requests answered 5xx in ${mOfN} (stage param cdn5xxRatePercent)`,
        Namespace: 'AWS/CloudFront',
        MetricName: '5xxErrorRate',
        Dimensions: [dimension('DistributionId', { Ref: stack.distribution }), dimension('Region', 'Global')],
        Statistic: 'Average',
        Period: period,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: settings.cdn5xxRatePercent,
        ...window,
        TreatMissingData: 'notBreaching',
      },
      IN_CLOUDFRONT_REGION,
    );
  }
  if (stack.mailFunctions.length > 0) {
    const flow = stack.mailFunctions[0].flow;
    for (const [logicalId, metric, param, what] of [
      ['SesBounceRateAlarm', 'Reputation.BounceRate', 'sesBounceRatePercent', 'bounce'],
      ['SesComplaintRateAlarm', 'Reputation.ComplaintRate', 'sesComplaintRatePercent', 'complaint'],
    ]) {
      add(logicalId, flow, {
        AlarmName: `${prefix}-ses-${what}-rate`,
        AlarmDescription: `SES: the account's ${what} rate reached ${settings[param]} %, where SES places an account under review (stage param ${param})`,
        Namespace: 'AWS/SES',
        MetricName: metric,
        Statistic: 'Maximum',
        Period: period,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        // SES reports the rates as fractions (0.05 = 5 %).
        Threshold: settings[param] / 100,
        // SES recomputes the rates as mail goes out; between sends the last state stands.
        TreatMissingData: 'ignore',
      });
    }
  }
  const names = alarms.map((alarm) => alarm.properties.AlarmName);
  const twice = names.filter((name, index) => names.indexOf(name) !== index);
  if (twice.length > 0) throw new Error(`two alarms would share the name ${twice[0]} (CloudWatch keeps one per name)`);
  return alarms;
}

/** The alarms as template resources, each notifying the topic on alarm and on recovery. */
function alarmResources(alarms) {
  const resources = {};
  for (const alarm of alarms) {
    resources[alarm.logicalId] = {
      Type: 'AWS::CloudWatch::Alarm',
      ...(alarm.condition ? { Condition: alarm.condition } : {}),
      Properties: { ...alarm.properties, AlarmActions: [{ Ref: TOPIC }], OKActions: [{ Ref: TOPIC }] },
    };
  }
  return resources;
}

/** An array element of the dashboard body that exists only when a template condition holds. */
class Conditional {
  constructor(condition, value) {
    this.condition = condition;
    this.value = value;
  }
}

const isIntrinsic = (value) =>
  isObject(value) && Object.keys(value).length === 1 && /^(Ref|Fn::[A-Za-z]+)$/.test(Object.keys(value)[0]);

/**
 * JSON text of a value that may hold intrinsic functions (each resolving to a string) as an `Fn::Join` of literal
 * text and those functions, so that names and ids resolve at deploy time.
 */
function toJoin(value) {
  const parts = [];
  const write = (node, out) => {
    if (isIntrinsic(node)) out.push('"', node, '"');
    else if (Array.isArray(node)) {
      out.push('[');
      node.forEach((item, index) => {
        if (item instanceof Conditional) {
          if (index === 0) throw new Error('a conditional element cannot come first (it carries its own comma)');
          const inner = [','];
          write(item.value, inner);
          out.push({ 'Fn::If': [item.condition, join(inner), ''] });
        } else {
          if (index > 0) out.push(',');
          write(item, out);
        }
      });
      out.push(']');
    } else if (isObject(node)) {
      out.push('{');
      Object.entries(node).forEach(([key, inner], index) => {
        out.push(`${index > 0 ? ',' : ''}${JSON.stringify(key)}:`);
        write(inner, out);
      });
      out.push('}');
    } else out.push(JSON.stringify(node));
  };
  const join = (pieces) => {
    const merged = [];
    for (const piece of pieces) {
      if (typeof piece === 'string' && typeof merged[merged.length - 1] === 'string') merged[merged.length - 1] += piece;
      else merged.push(piece);
    }
    return merged.length === 1 && typeof merged[0] === 'string' ? merged[0] : { 'Fn::Join': ['', merged] };
  };
  write(value, parts);
  return join(parts);
}

/** Lays widgets out left to right on the 24-column grid, a new line when one does not fit. */
class Grid {
  constructor() {
    this.widgets = [];
    this.x = 0;
    this.y = 0;
    this.lineHeight = 0;
  }

  add(widget, width, height) {
    if (this.x + width > 24) this.newLine();
    this.widgets.push({ ...widget, x: this.x, y: this.y, width, height });
    this.x += width;
    this.lineHeight = Math.max(this.lineHeight, height);
  }

  newLine() {
    if (this.x === 0) return;
    this.y += this.lineHeight;
    this.x = 0;
    this.lineHeight = 0;
  }
}

/** A SEARCH schema term: names with other characters than letters, digits and underscores are quoted. */
const searchTerm = (name) => (/^[A-Za-z0-9_]+$/.test(name) ? name : `"${name}"`);

/**
 * The dashboard body: the alarms' states first, then the HTTP API as a whole, then a row per flow of flows.ts with the
 * flow's functions (traffic, errors, p99 duration, throttles), its queues, its stream's iterator age, SES (for the
 * flow that mails) or CloudFront (for the site) and the flow's business metrics.
 */
function dashboardBody(stack, alarms, flows, settings, { service, stage }) {
  const region = { Ref: 'AWS::Region' };
  const period = settings.alarmPeriodSeconds;
  const grid = new Grid();
  const text = (markdown, height = 1) => grid.add({ type: 'text', properties: { markdown } }, 24, height);
  const graph = (title, metrics, extra = {}, width = 6) =>
    grid.add({ type: 'metric', properties: { title, view: 'timeSeries', region, period, metrics, ...extra } }, width, 6);
  const arnOf = (alarm) => ({ 'Fn::GetAtt': [alarm.logicalId, 'Arn'] });

  text(`## ${service} · ${stage}: every alarm of the stage, then a row per flow (README "Operations", "Dashboard")`, 2);
  const plain = alarms.filter((alarm) => !alarm.condition);
  const conditional = alarms.filter((alarm) => alarm.condition);
  for (let start = 0; start < plain.length; start += ALARMS_PER_WIDGET) {
    const chunk = plain.slice(start, start + ALARMS_PER_WIDGET).map(arnOf);
    if (start + ALARMS_PER_WIDGET >= plain.length) {
      chunk.push(...conditional.map((alarm) => new Conditional(alarm.condition, arnOf(alarm))));
    }
    grid.add({ type: 'alarm', properties: { title: 'Alarms', alarms: chunk, sortBy: 'stateUpdatedTimestamp' } }, 24, 6);
  }

  if (stack.httpApi !== undefined) {
    grid.newLine();
    text('### HTTP API (every route together: per-route metrics would need detailed metrics, billed per route)');
    const apiMetric = (name, options) => ['AWS/ApiGateway', name, 'ApiId', { Ref: stack.httpApi }, 'Stage', stack.httpApiStage, options];
    graph('Requests', [apiMetric('Count', { stat: 'Sum', label: 'requests' })]);
    graph('4xx and 5xx', [apiMetric('4xx', { stat: 'Sum', label: '4xx' }), apiMetric('5xx', { stat: 'Sum', label: '5xx' })]);
    graph('Latency p99 (ms)', [apiMetric('Latency', { stat: 'p99', label: 'latency p99' })], {
      annotations: { horizontal: [{ label: 'alarm', value: settings.apiLatencyP99Ms }] },
    });
    graph('Integration latency p99 (ms)', [apiMetric('IntegrationLatency', { stat: 'p99', label: 'integration p99' })]);
  }

  for (const [flowName, flow] of Object.entries(flows)) {
    const fns = stack.functions.filter((fn) => fn.flow === flowName);
    if (fns.length === 0 && flow.metrics.length === 0) continue;
    grid.newLine();
    text(`### ${flow.title} (flow \`${flowName}\`: ${fns.map((fn) => fn.key).join(', ') || 'no function in this stack'})`);
    const perFunction = (metricName, stat) =>
      fns.map((fn) => ['AWS/Lambda', metricName, 'FunctionName', { Ref: fn.logicalId }, { stat, label: fn.key }]);
    if (fns.length > 0) {
      graph('Invocations', perFunction('Invocations', 'Sum'));
      graph('Errors', perFunction('Errors', 'Sum'));
      graph('Duration p99 (ms)', perFunction('Duration', 'p99'));
      graph('Throttles', perFunction('Throttles', 'Sum'));
    }
    const queues = [...new Set(fns.flatMap((fn) => [...fn.queues]))];
    if (queues.length > 0) {
      graph(
        'Queue depth (messages visible)',
        queues.map((queue) => [
          'AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', { 'Fn::GetAtt': [queue, 'QueueName'] },
          { stat: 'Maximum', label: stack.failureStores.includes(queue) ? `${queue} (failures)` : queue },
        ]),
      );
    }
    const streamFunctions = fns.filter((fn) => fn.streams.length > 0);
    if (streamFunctions.length > 0) {
      graph('Stream iterator age (ms)', streamFunctions.map((fn) => ['AWS/Lambda', 'IteratorAge', 'FunctionName', { Ref: fn.logicalId }, { stat: 'Maximum', label: fn.key }]), {
        annotations: { horizontal: [{ label: 'alarm', value: settings.streamIteratorAgeSeconds * 1000 }] },
      });
    }
    if (stack.mailFunctions.some((fn) => fn.flow === flowName)) {
      graph('SES reputation (fraction)', [
        ['AWS/SES', 'Reputation.BounceRate', { stat: 'Maximum', label: 'bounce rate' }],
        ['AWS/SES', 'Reputation.ComplaintRate', { stat: 'Maximum', label: 'complaint rate' }],
      ], {
        annotations: {
          horizontal: [
            { label: 'bounce review', value: settings.sesBounceRatePercent / 100 },
            { label: 'complaint review', value: settings.sesComplaintRatePercent / 100 },
          ],
        },
      });
    }
    if (stack.distribution !== undefined && flowName === 'site') {
      // CloudFront publishes its metrics in us-east-1 only, whatever the stack's region.
      const cdn = (name, stat, label) => ['AWS/CloudFront', name, 'DistributionId', { Ref: stack.distribution }, 'Region', 'Global', { stat, label }];
      graph('CloudFront requests', [cdn('Requests', 'Sum', 'requests')], { region: CLOUDFRONT_REGION });
      graph('CloudFront error rates (%)', [cdn('4xxErrorRate', 'Average', '4xx'), cdn('5xxErrorRate', 'Average', '5xx')], {
        region: CLOUDFRONT_REGION,
        annotations: { horizontal: [{ label: 'alarm', value: settings.cdn5xxRatePercent }] },
      });
    }
    if (flow.metrics.length > 0) {
      const dims = `service="${service}" stage="${stage}"`;
      const metrics = flow.metrics.map((metric, index) =>
        metric.reason
          ? [{
              // One series per reason: the reasons are a fixed vocabulary, but not known here.
              expression: `SEARCH('{${searchTerm(service)},reason,service,stage} MetricName="${metric.name}" ${dims}', 'Sum', ${period})`,
              id: `r${index}`,
              label: `${metric.name} (${metric.description})`,
            }]
          : [service, metric.name, 'service', service, 'stage', stage, { stat: 'Sum', label: `${metric.name} (${metric.description})` }],
      );
      graph(`Business metrics (namespace ${service})`, metrics, {}, 12);
    }
  }
  // Failure queues no function reads or fails into (a subscription's DLQ of a topic without a function, …): alarmed
  // all the same, and drawn here so that none is missing from the dashboard.
  const placed = new Set(stack.functions.flatMap((fn) => [...fn.queues]));
  const unplaced = stack.failureStores.filter((queue) => !placed.has(queue));
  if (unplaced.length > 0) {
    grid.newLine();
    text('### Failure queues of no function');
    graph('Queue depth (messages visible)', unplaced.map((queue) => [
      'AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', { 'Fn::GetAtt': [queue, 'QueueName'] }, { stat: 'Maximum', label: queue },
    ]));
  }
  return { start: '-PT12H', periodOverride: 'auto', widgets: grid.widgets };
}

/** Everything the plugin adds to a compiled template, from the template itself. */
function operationsResources(template, { functionKeys, flows, settings, service, stage }) {
  const stack = describeStack(template, functionKeys, flows);
  const alarms = defineAlarms(stack, settings, { service, stage });
  const body = dashboardBody(stack, alarms, flows, settings, { service, stage });
  const resources = {
    ...alarmResources(alarms),
    OpsDashboard: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: { DashboardName: `${service}-${stage}`, DashboardBody: toJoin(body) },
    },
  };
  const conditions = alarms.some((alarm) => alarm.condition === IN_CLOUDFRONT_REGION)
    ? { [IN_CLOUDFRONT_REGION]: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, CLOUDFRONT_REGION] } }
    : {};
  return { resources, conditions, alarms, stack };
}

/** Adds the generated resources to a template, refusing to overwrite anything already there. */
function addTo(template, { resources, conditions }) {
  if (!template.Resources?.[TOPIC]) throw new Error(`the template has no ${TOPIC} for the alarms to notify (resources/operations.yml)`);
  for (const [id, resource] of Object.entries(resources)) {
    if (id in template.Resources) throw new Error(`the template already has a resource ${id}; the alarms generate it`);
    template.Resources[id] = resource;
  }
  template.Conditions ??= {};
  for (const [id, condition] of Object.entries(conditions)) {
    if (id in template.Conditions) throw new Error(`the template already has a condition ${id}`);
    template.Conditions[id] = condition;
  }
}

class Operations {
  constructor(serverless, _options, { log } = {}) {
    this.serverless = serverless;
    this.log = log;
    this.hooks = {
      // After resources/*.yml are merged (mergeCustomProviderResources), before the template is written.
      'before:aws:package:finalize:saveServiceState': () => this.generate(),
    };
  }

  generate() {
    const { service } = this.serverless;
    const provider = this.serverless.getProvider('aws');
    const template = service.provider.compiledCloudFormationTemplate;
    const functionKeys = {};
    for (const key of service.getAllFunctions()) functionKeys[provider.naming.getLambdaLogicalId(key)] = key;
    try {
      const added = operationsResources(template, {
        functionKeys,
        flows: loadFlows(this.serverless.serviceDir),
        settings: readSettings(service.custom?.operations),
        service: service.service,
        stage: provider.getStage(),
      });
      addTo(template, added);
      const size = JSON.stringify(added.resources.OpsDashboard.Properties.DashboardBody).length;
      this.log?.verbose?.(
        `Operations: ${added.alarms.length} alarms, dashboard ${service.service}-${provider.getStage()} (${size} characters), ` +
          `${Object.keys(template.Resources).length} resources in the stack`,
      );
    } catch (error) {
      throw new this.serverless.classes.Error(`Operations (scripts/serverless/operations.cjs): ${error.message}`);
    }
  }
}

/**
 * functions/lib/flows.ts, the contract the functions' metrics follow, loaded as TypeScript through tsx's CommonJS
 * API (a devDependency, used by the npm scripts already): the packaging reads the same file the functions bundle, no
 * copy. Loaded at packaging only, so `sls print` and the local stack never need it.
 */
function loadFlows(serviceDir) {
  const { require: tsxRequire } = require('tsx/cjs/api');
  const file = path.join(serviceDir, 'functions', 'lib', 'flows.ts');
  return tsxRequire(file, file).FLOWS;
}

module.exports = Operations;
Object.assign(module.exports, {
  readSettings,
  describeStack,
  defineAlarms,
  dashboardBody,
  operationsResources,
  addTo,
  toJoin,
  Conditional,
  loadFlows,
  IN_CLOUDFRONT_REGION,
});
