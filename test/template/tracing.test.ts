/**
 * Traces (README "Operations", Traces): active tracing on every function unless the stage param tracingMode says
 * PassThrough, every function role able to send its traces (and no more), and the Powertools settings the functions
 * read.
 */
import { asArray, Template, templateFile, TRACING_POLICY } from './template';

const prod = Template.load();
const switches = Template.load(templateFile('dev-all-switches'));
const functions = prod.resourcesOfType('AWS::Lambda::Function');

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

  it('gets the metrics namespace and the Tracer switch', () => {
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

it('follows the stage param tracingMode: PassThrough on every function of a stage that sets it', () => {
  const modes = switches.resourcesOfType('AWS::Lambda::Function').map(([, fn]) => fn.Properties?.TracingConfig);
  expect(modes).toHaveLength(functions.length);
  expect(new Set(modes.map((mode) => JSON.stringify(mode)))).toEqual(new Set([JSON.stringify({ Mode: 'PassThrough' })]));
  // No X-Ray sampling rule: Lambda samples at its fixed rate, which no rule changes (README "Operations", Traces).
  expect(prod.resourcesOfType('AWS::XRay::SamplingRule')).toEqual([]);
});
