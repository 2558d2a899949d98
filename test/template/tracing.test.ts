/**
 * Traces (README "Operations", resources/tracing.yml): active tracing on every function, every function role able to
 * send its traces (and no more), the Powertools settings the functions read, and the stage's sampling rule following
 * its params and covering exactly this stack's functions.
 */
import { asArray, isObject, Template, templateFile, TRACING_POLICY } from './template';

const prod = Template.load();
const dev = Template.load(templateFile('dev'));
const functions = prod.resourcesOfType('AWS::Lambda::Function');

const samplingRule = (template: Template) => {
  const rules = template.resourcesOfType('AWS::XRay::SamplingRule');
  expect(rules.map(([id]) => id)).toEqual(['TraceSamplingRule']);
  const rule = rules[0]![1].Properties?.SamplingRule;
  if (!isObject(rule)) throw new Error('TraceSamplingRule has no SamplingRule');
  return rule;
};

it('has functions to check', () => {
  expect(functions.length).toBeGreaterThanOrEqual(18);
});

describe.each(functions.map(([id]) => id))('function %s', (functionId) => {
  const properties = prod.properties(functionId, 'AWS::Lambda::Function');

  it('has active tracing', () => {
    expect(properties.TracingConfig).toEqual({ Mode: 'Active' });
  });

  it('may write its traces to X-Ray, with exactly the two write actions on the only resource they take', () => {
    const roleId = prod.functionRole(functionId) ?? '(none)';
    const tracing = prod
      .roleStatements(roleId, { tracing: true })
      .filter(({ source }) => source === `${roleId}/${TRACING_POLICY}`)
      .map(({ statement }) => statement);
    expect(tracing).toEqual([{ Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' }]);
  });

  it('gets the metrics namespace and the Tracer switch, and is covered by the sampling rule', () => {
    const environment = prod.functionEnvironment(functionId);
    expect(environment.POWERTOOLS_METRICS_NAMESPACE).toBe('serverless-blog');
    expect(environment.POWERTOOLS_TRACE_ENABLED).toBe('true');
    expect(properties.FunctionName).toEqual(expect.stringMatching(/^serverless-blog-prod-/));
  });
});

it('gives X-Ray rights to function roles only', () => {
  const withTracing = prod
    .iamStatements()
    .filter(({ statement }) => asArray(statement.Action).some((action) => action.startsWith('xray:')))
    .flatMap(({ roles }) => roles);
  const functionRoles = functions.map(([id]) => prod.functionRole(id));
  expect([...new Set(withTracing)].sort()).toEqual([...new Set(functionRoles)].sort());
});

describe('the sampling rule', () => {
  it("matches this stage's functions only, before the account's Default rule", () => {
    const rule = samplingRule(prod);
    expect(rule).toMatchObject({
      RuleName: 'serverless-blog-prod',
      ServiceName: 'serverless-blog-prod-*',
      ServiceType: 'AWS::Lambda::Function',
      Host: '*',
      HTTPMethod: '*',
      URLPath: '*',
      ResourceARN: '*',
      Version: 1,
    });
    // The Default rule has priority 10000; a lower number is evaluated first. RuleName: at most 32 characters.
    expect(rule.Priority).toBeLessThan(10000);
    expect(typeof rule.RuleName === 'string' ? rule.RuleName.length : Infinity).toBeLessThanOrEqual(32);
  });

  it('follows the stage params traceReservoirPerSecond and traceSamplingRate', () => {
    expect(samplingRule(prod)).toMatchObject({ ReservoirSize: 1, FixedRate: 0.05 });
    expect(samplingRule(dev)).toMatchObject({ RuleName: 'serverless-blog-dev', ServiceName: 'serverless-blog-dev-*', ReservoirSize: 1, FixedRate: 1 });
  });
});
