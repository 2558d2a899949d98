/**
 * What a reviewer checks for paid content in the prod template: /premium/* needs a signature made with a key of the
 * stage's key group, the premium bucket is readable only by the distribution, every paid-content function holds
 * exactly the permissions its flow needs, the sign-up trigger is wired, and no key material sits in the template.
 */
import { asArray, isObject, referencedIds, subString, Template, templateFile, type JsonObject, type PolicyStatement } from './template';

const template = Template.load();
const distribution = template.properties('ContentDistribution', 'AWS::CloudFront::Distribution').DistributionConfig as JsonObject;
const behaviours = asArray(distribution.CacheBehaviors).filter(isObject);

const functionByHandler = (handler: string): string => {
  const found = template.resourcesOfType('AWS::Lambda::Function').find(([, fn]) => fn.Properties?.Handler === handler);
  if (!found) throw new Error(`no function with handler ${handler}`);
  return found[0];
};

/** Action → resources (as referenced logical ids / Sub strings), over every Allow of a role, Fn::If branches shown. */
function grants(roleId: string): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  const add = (statement: PolicyStatement) => {
    for (const action of asArray(statement.Action)) {
      result[action] ??= [];
      for (const resource of asArray(statement.Resource)) {
        result[action].push(subString(resource) ?? referencedIds(resource).join(',') ?? JSON.stringify(resource));
      }
    }
  };
  for (const { statement } of template.roleStatements(roleId)) {
    const conditional = (statement as unknown as JsonObject)['Fn::If'];
    if (Array.isArray(conditional)) {
      const [condition, whenTrue] = conditional;
      if (isObject(whenTrue)) add({ ...(whenTrue as unknown as PolicyStatement), Action: asArray((whenTrue as unknown as PolicyStatement).Action).map((a) => `${typeof condition === "string" ? condition : JSON.stringify(condition)}? ${a}`) });
    } else if (statement.Effect === 'Allow') add(statement);
  }
  return result;
}

describe('/premium/* behaviour', () => {
  const premium = behaviours.find((behaviour) => behaviour.PathPattern === '/premium/*');

  it('trusts exactly the stage key group, whose key is the template public key', () => {
    expect(premium).toBeDefined();
    expect(asArray(premium?.TrustedKeyGroups).map((group) => referencedIds(group))).toEqual([['PremiumKeyGroup']]);
    const group = template.properties('PremiumKeyGroup', 'AWS::CloudFront::KeyGroup').KeyGroupConfig as JsonObject;
    expect(asArray(group.Items).map((item) => referencedIds(item))).toEqual([['PremiumPublicKey']]);
  });

  it('reads the premium bucket through the OAC, GET/HEAD only, over HTTPS', () => {
    const origin = asArray(distribution.Origins).filter(isObject).find((o) => o.Id === premium?.TargetOriginId);
    expect(referencedIds(origin?.DomainName)).toEqual(['PremiumBucket']);
    expect(referencedIds(origin?.OriginAccessControlId)).toEqual(['ContentOriginAccessControl']);
    expect(premium?.AllowedMethods).toEqual(['GET', 'HEAD']);
    expect(premium?.ViewerProtocolPolicy).toBe('redirect-to-https');
  });

  it('has IPv6 off in prod, where URLs are IP-locked (CloudFront matches IpAddress against IPv4 only)', () => {
    const signedUrl = template.properties(functionByHandler('functions/signed-url/handler.handler'), 'AWS::Lambda::Function');
    const env = (signedUrl.Environment as JsonObject).Variables as JsonObject;
    expect(env.PREMIUM_IP_LOCK).toBe('true');
    expect(distribution.IPV6Enabled).toBe(false);
  });
});

describe('PremiumBucket policy', () => {
  const statements = template.policyStatements('PremiumBucketPolicy', 'AWS::S3::BucketPolicy');
  const plain = statements.filter((statement) => !('Fn::If' in (statement as unknown as JsonObject)));

  it('lets only this distribution read, and in CloudFront mode denies reads that do not come through it', () => {
    const allows = plain.filter((statement) => statement.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]?.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(allows[0]?.Action).toBe('s3:GetObject');
    expect(referencedIds(allows[0]?.Condition?.StringEquals?.['AWS:SourceArn'])).toEqual(['ContentDistribution']);
    const conditional = statements.map((s) => (s as unknown as JsonObject)['Fn::If']).find(Array.isArray);
    expect(conditional?.[0]).toBe('PremiumViaS3');
    expect(conditional?.[1]).toEqual({ Ref: 'AWS::NoValue' });
    expect(conditional?.[2]).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 's3:GetObject' });
  });

  it('leaves the deny out only when the delivery parameter says s3, which defaults to the stage param', () => {
    const signedUrl = functionByHandler('functions/signed-url/handler.handler');
    expect(template.json.Conditions?.PremiumViaS3).toEqual({ 'Fn::Equals': [{ Ref: 'PremiumDelivery' }, 's3'] });
    expect(template.parameter('PremiumDelivery')).toMatchObject({ Default: 'cloudfront', AllowedValues: ['cloudfront', 's3'] });
    expect(template.functionEnvironment(signedUrl).PREMIUM_DELIVERY).toBe('cloudfront');

    const switched = Template.load(templateFile('dev-all-switches'));
    expect(switched.parameter('PremiumDelivery').Default).toBe('s3');
    expect(switched.functionEnvironment(signedUrl).PREMIUM_DELIVERY).toBe('s3');
  });
});

describe('paid-content function roles', () => {
  const logs = (fn: string) => `\${${template.functionLogGroup(fn)?.[0] ?? '?'}.Arn}:*`;

  it('registration: its logs, and PutItem on UsersTable', () => {
    const fn = functionByHandler('functions/registration/handler.handler');
    expect(grants(template.functionRole(fn) ?? '')).toEqual({
      'logs:CreateLogStream': [logs(fn)], 'logs:PutLogEvents': [logs(fn)], 'dynamodb:PutItem': ['UsersTable'],
    });
  });

  it('plan: its logs, and UpdateItem on UsersTable', () => {
    const fn = functionByHandler('functions/plan/handler.handler');
    expect(grants(template.functionRole(fn) ?? '')).toEqual({
      'logs:CreateLogStream': [logs(fn)], 'logs:PutLogEvents': [logs(fn)], 'dynamodb:UpdateItem': ['UsersTable'],
    });
  });

  it('signed URL: GetItem on UsersTable, listing under premium/, its own secret; object reads only in S3 mode', () => {
    const fn = functionByHandler('functions/signed-url/handler.handler');
    const role = template.functionRole(fn) ?? '';
    expect(grants(role)).toEqual({
      'logs:CreateLogStream': [logs(fn)],
      'logs:PutLogEvents': [logs(fn)],
      'dynamodb:GetItem': ['UsersTable'],
      's3:ListBucket': ['PremiumBucket'],
      'secretsmanager:GetSecretValue': ['arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:serverless-blog/prod/cloudfront-key/key-1-??????'],
      'PremiumViaS3? s3:GetObject': ['${PremiumBucket.Arn}/premium/*'],
    });
    const list = template.roleStatements(role).find(({ statement }) => asArray(statement.Action).includes('s3:ListBucket'));
    expect(list?.statement.Condition).toEqual({ StringLike: { 's3:prefix': 'premium/*' } });
  });
});

describe('sign-up trigger and routes', () => {
  it('runs the registration function after confirmation, invocable by this pool only', () => {
    const pool = template.properties('UserPool', 'AWS::Cognito::UserPool');
    const fn = functionByHandler('functions/registration/handler.handler');
    expect(referencedIds((pool.LambdaConfig as JsonObject).PostConfirmation)).toEqual([fn]);
    const permission = template.resourcesOfType('AWS::Lambda::Permission').find(([, p]) => p.Properties?.Principal === 'cognito-idp.amazonaws.com');
    expect(referencedIds(permission?.[1].Properties?.FunctionName)).toEqual([fn]);
    expect(referencedIds(permission?.[1].Properties?.SourceArn)).toEqual(['UserPool']);
  });

  it.each(['HttpApiRoutePostPremiumUrl', 'HttpApiRoutePostPremiumCookies', 'HttpApiRoutePutUsersUseridVarPlan'])(
    '%s needs a Cognito JWT for the web client',
    (routeId) => {
      const route = template.properties(routeId, 'AWS::ApiGatewayV2::Route');
      expect(route.AuthorizationType).toBe('JWT');
      const authorizer = template.properties(referencedIds(route.AuthorizerId)[0] ?? '', 'AWS::ApiGatewayV2::Authorizer');
      expect(referencedIds((authorizer.JwtConfiguration as JsonObject).Audience)).toEqual(['UserPoolWebClient']);
      expect(referencedIds((authorizer.JwtConfiguration as JsonObject).Issuer)).toEqual(['UserPool']);
    },
  );

  it('keeps UsersTable: deletion protection, point-in-time recovery, retained on stack deletion', () => {
    const table = template.resource('UsersTable');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties?.DeletionProtectionEnabled).toBe(true);
    expect(table.Properties?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it('holds no private key anywhere in the template', () => {
    expect(JSON.stringify(template.json)).not.toMatch(/PRIVATE KEY/);
  });
});
