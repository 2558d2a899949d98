/**
 * The functions of the prod stack: runtime and architecture, a log group kept a year, one least-privilege role each,
 * and the outputs a front end or an operator reads after `sls deploy`.
 */
import { asArray, isObject, referencedIds, subString, Template, type IamStatement } from './template';

const template = Template.load();
const functions = template.resourcesOfType('AWS::Lambda::Function').map(([logicalId]) => logicalId);

const PROD_LOG_RETENTION_DAYS = 365;
/** The framework's shared role for every function; this project gives each function its own instead. */
const SHARED_FRAMEWORK_ROLE = 'IamRoleLambdaExecution';

/**
 * Actions that AWS documents as having no resource type, so they can only be granted on `Resource: '*'`
 * (Service Authorization Reference, "Resource types" column empty). Keep it short; add with the page it comes from.
 */
const ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS = new Set([
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
  // (narrow it with the cloudwatch:namespace condition key)
  'cloudwatch:PutMetricData',
]);

const describeStatement = ({ source, statement }: IamStatement): string =>
  `${source}: ${statement.Effect} ${JSON.stringify(statement.Action ?? statement.NotAction)} ` +
  `on ${JSON.stringify(statement.Resource ?? statement.NotResource)}`;

it('packages at least one function', () => {
  expect(functions.length).toBeGreaterThan(0);
});

describe.each(functions)('function %s', (functionId) => {
  const properties = template.properties(functionId, 'AWS::Lambda::Function');

  it('runs nodejs24.x on arm64', () => {
    expect(properties.Runtime).toBe('nodejs24.x');
    expect(properties.Architectures).toEqual(['arm64']);
  });

  it(`has its own log group, kept ${PROD_LOG_RETENTION_DAYS} days`, () => {
    // Act
    const logGroup = template.functionLogGroup(functionId);

    // Assess
    expect(logGroup).toBeDefined();
    expect(logGroup?.[1].Properties?.RetentionInDays).toBe(PROD_LOG_RETENTION_DAYS);
  });

  it('runs with a role of its own, assumable only by Lambda', () => {
    // Prepare
    const roleId = template.functionRole(functionId);
    const others = functions.filter((other) => other !== functionId).map((other) => template.functionRole(other));

    // Assess
    expect(roleId).toBeDefined();
    expect(roleId).not.toBe(SHARED_FRAMEWORK_ROLE);
    expect(others).not.toContain(roleId);
    const trust = template.properties(roleId ?? '(none)', 'AWS::IAM::Role').AssumeRolePolicyDocument;
    expect(isObject(trust) ? asArray(trust.Statement) : []).toEqual([
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    ]);
  });
});

it(`keeps every log group of the stack ${PROD_LOG_RETENTION_DAYS} days`, () => {
  const retention = template
    .resourcesOfType('AWS::Logs::LogGroup')
    .map(([logicalId, group]) => [logicalId, group.Properties?.RetentionInDays]);
  expect(retention.length).toBeGreaterThan(0);
  expect(retention.filter(([, days]) => days !== PROD_LOG_RETENTION_DAYS)).toEqual([]);
});

describe('IAM', () => {
  const statements = template.iamStatements();

  it("has no framework-shared function role", () => {
    expect(template.has(SHARED_FRAMEWORK_ROLE)).toBe(false);
  });

  it('has policy statements to check', () => {
    expect(statements.length).toBeGreaterThan(0);
  });

  it("grants Resource '*' only for actions that have no resource-level permissions", () => {
    // Act
    const offending = statements.filter(
      ({ statement }) =>
        asArray(statement.Resource).includes('*') &&
        !asArray(statement.Action).every((action) => ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS.has(action)),
    );

    // Assess
    expect(offending.map(describeStatement)).toEqual([]);
  });

  it('names actions and resources in every Allow (no NotAction / NotResource)', () => {
    const inverted = statements.filter(
      ({ statement }) => statement.Effect === 'Allow' && (statement.NotAction !== undefined || statement.NotResource !== undefined),
    );
    expect(inverted.map(describeStatement)).toEqual([]);
  });

  it('attaches no managed policies to roles (their statements would not be reviewable here)', () => {
    const attached = template
      .resourcesOfType('AWS::IAM::Role')
      .filter(([, role]) => asArray(role.Properties?.ManagedPolicyArns).length > 0)
      .map(([roleId]) => roleId);
    expect(attached).toEqual([]);
  });
});

describe('health function role', () => {
  const healthFunction = functions.find(
    (functionId) => template.properties(functionId, 'AWS::Lambda::Function').Handler === 'functions/health/handler.handler',
  );

  it('may only write logs to the health log group', () => {
    // Prepare
    if (!healthFunction) throw new Error('The template has no function with the health handler');
    const roleId = template.functionRole(healthFunction) ?? '(none)';
    const [logGroupId] = template.functionLogGroup(healthFunction) ?? [];

    // Act
    const statements = template.roleStatements(roleId).map(({ statement }) => statement);

    // Assess
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      expect(asArray(statement.Action).every((action) => action.startsWith('logs:'))).toBe(true);
      for (const resource of asArray(statement.Resource)) {
        expect(referencedIds(resource)).toEqual([logGroupId]);
        // The log group's streams (`<arn>:*`), not every log group in the account.
        expect(subString(resource) ?? JSON.stringify(resource)).toMatch(/^\$\{\w+\.Arn\}:\*$/);
      }
    }
  });
});

describe('outputs', () => {
  const outputs = template.outputs();

  it.each([
    ['HttpApiUrl', 'HttpApi'],
    ['SiteUrl', 'ContentDistribution'],
    ['DistributionId', 'ContentDistribution'],
    ['ContentBucketName', 'ContentBucket'],
    ['UserPoolId', 'UserPool'],
    ['UserPoolClientId', 'UserPoolWebClient'],
  ])('%s comes from %s', (name, resourceId) => {
    expect(outputs[name]).toBeDefined();
    expect(referencedIds(outputs[name]?.Value)).toContain(resourceId);
  });

  it('SiteUrl is the https address of the distribution', () => {
    expect(subString(outputs.SiteUrl?.Value)).toBe('https://${ContentDistribution.DomainName}');
  });
});
