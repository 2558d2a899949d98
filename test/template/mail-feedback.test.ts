/**
 * Mail feedback in the packaged prod stack (resources/mail-feedback.yml): the welcome mail's configuration set with
 * SES suppression and reputation metrics, its bounce/complaint/reject destination, the encrypted topic only SES of
 * this account (and this configuration set) may publish to, and the mailFeedback function with exactly its rights.
 */
import { asArray, isObject, referencedIds, subString, Template, type Json } from './template';

const template = Template.load();
const FUNCTION = 'MailFeedbackLambdaFunction';
const CONFIGURATION_SET_ARN = 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${AWS::StackName}-welcome';

/** `action → target` for each Allow of a function's role: a logical id, `Id.Attr`, or the Sub string. */
function grants(functionId: string): string[] {
  const roleId = template.functionRole(functionId) ?? '(none)';
  return template.roleStatements(roleId).flatMap(({ statement }) => {
    expect(statement.Effect).toBe('Allow');
    return asArray(statement.Action).flatMap((action) => asArray(statement.Resource as Json).map((resource) => `${action} → ${target(resource)}`));
  });
}

function target(resource: Json): string {
  if (typeof resource === 'string') return resource;
  if (isObject(resource) && Array.isArray(resource['Fn::GetAtt'])) return resource['Fn::GetAtt'].map(String).join('.');
  return subString(resource) ?? JSON.stringify(resource);
}

const functionWithHandler = (handler: string): string => {
  const found = template.resourcesOfType('AWS::Lambda::Function').find(([, fn]) => fn.Properties?.Handler === `functions/${handler}/handler.handler`);
  if (!found) throw new Error(`no function with handler functions/${handler}/handler.handler`);
  return found[0];
};

describe('WelcomeConfigurationSet', () => {
  const set = template.properties('WelcomeConfigurationSet', 'AWS::SES::ConfigurationSet');

  it('has the name the topic policy names, and sends', () => {
    expect(subString(set.Name)).toBe('${AWS::StackName}-welcome');
    expect(set.SendingOptions).toEqual({ SendingEnabled: true });
  });

  it('applies the account suppression list to hard bounces and complaints', () => {
    expect(set.SuppressionOptions).toEqual({ SuppressedReasons: ['BOUNCE', 'COMPLAINT'] });
  });

  it('publishes reputation metrics (the SES bounce and complaint rate alarms read them)', () => {
    expect(set.ReputationOptions).toEqual({ ReputationMetricsEnabled: true });
  });

  it('sends bounces, complaints and rejects, and nothing else, to MailFeedbackTopic once its policy exists', () => {
    const destinations = template.resourcesOfType('AWS::SES::ConfigurationSetEventDestination');
    expect(destinations.map(([id]) => id)).toEqual(['WelcomeMailFeedbackDestination']);
    const [, destination] = destinations[0]!;
    expect(destination.Properties).toEqual({
      ConfigurationSetName: { Ref: 'WelcomeConfigurationSet' },
      EventDestination: {
        Name: 'mail-feedback',
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint', 'reject'],
        SnsDestination: { TopicARN: { Ref: 'MailFeedbackTopic' } },
      },
    });
    expect(asArray(destination.DependsOn)).toContain('MailFeedbackTopicPolicy');
  });
});

describe('MailFeedbackTopic', () => {
  it('is a standard topic encrypted with the operations key (OpsKey), which lets SES of this account use it', () => {
    const topic = template.properties('MailFeedbackTopic', 'AWS::SNS::Topic');
    expect(topic.KmsMasterKeyId).toEqual({ Ref: 'OpsKey' });
    expect(topic.FifoTopic).toBeUndefined();
    const key = template.properties('OpsKey', 'AWS::KMS::Key');
    const statements = isObject(key.KeyPolicy) ? asArray(key.KeyPolicy.Statement) : [];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'ses.amazonaws.com' },
        Action: expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']) as string[],
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    );
  });

  it('may be published to only by SES of this account for the welcome configuration set, over TLS', () => {
    // Prepare
    const policy = template.properties('MailFeedbackTopicPolicy', 'AWS::SNS::TopicPolicy');
    const statements = template.policyStatements('MailFeedbackTopicPolicy', 'AWS::SNS::TopicPolicy');
    const allows = statements.filter((s) => s.Effect === 'Allow');

    // Assess
    expect(policy.Topics).toEqual([{ Ref: 'MailFeedbackTopic' }]);
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({ Principal: { Service: 'ses.amazonaws.com' }, Action: 'sns:Publish', Resource: { Ref: 'MailFeedbackTopic' } });
    const condition = allows[0]!.Condition as { StringEquals: Record<string, Json> };
    expect(Object.keys(condition)).toEqual(['StringEquals']);
    expect(condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    expect(subString(condition.StringEquals['aws:SourceArn'])).toBe(CONFIGURATION_SET_ARN);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('is subscribed by the mailFeedback function only, which only this topic may invoke', () => {
    const subscriptions = template.resourcesOfType('AWS::SNS::Subscription').filter(([, s]) => referencedIds(s.Properties?.TopicArn).includes('MailFeedbackTopic'));
    expect(subscriptions.map(([, s]) => s.Properties)).toEqual([{ TopicArn: { Ref: 'MailFeedbackTopic' }, Protocol: 'lambda', Endpoint: { 'Fn::GetAtt': [FUNCTION, 'Arn'] } }]);
    const permissions = template
      .resourcesOfType('AWS::Lambda::Permission')
      .map(([, p]) => p.Properties ?? {})
      .filter((p) => referencedIds(p.FunctionName).includes(FUNCTION));
    expect(permissions).toEqual([expect.objectContaining({ Principal: 'sns.amazonaws.com', SourceArn: { Ref: 'MailFeedbackTopic' } })]);
  });
});

describe('mailFeedback function', () => {
  it('is the function of functions/mail-feedback', () => {
    expect(functionWithHandler('mail-feedback')).toBe(FUNCTION);
  });

  it('may mark subscribers, dead-letter to its own queue, write its logs, and nothing else', () => {
    const [logGroup] = template.functionLogGroup(FUNCTION) ?? [];
    expect(grants(FUNCTION).sort()).toEqual(
      [
        'dynamodb:GetItem → SubscribersTable.Arn',
        'dynamodb:UpdateItem → SubscribersTable.Arn',
        `logs:CreateLogStream → \${${logGroup}.Arn}:*`,
        `logs:PutLogEvents → \${${logGroup}.Arn}:*`,
        'sqs:SendMessage → MailFeedbackFailedInvocationsQueue.Arn',
      ].sort(),
    );
  });

  it('is retried twice on failure, then described in MailFeedbackFailedInvocationsQueue (encrypted, 14 days)', () => {
    const configs = template
      .resourcesOfType('AWS::Lambda::EventInvokeConfig')
      .map(([, c]) => c.Properties ?? {})
      .filter((c) => referencedIds(c.FunctionName).includes(FUNCTION));
    expect(configs).toEqual([
      expect.objectContaining({
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['MailFeedbackFailedInvocationsQueue', 'Arn'] } } },
      }),
    ]);
    const queue = template.properties('MailFeedbackFailedInvocationsQueue', 'AWS::SQS::Queue');
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(queue.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('is told the table and its dead-letter queue by reference', () => {
    const env = template.functionEnvironment(FUNCTION);
    expect(env.SUBSCRIBERS_TABLE).toEqual({ Ref: 'SubscribersTable' });
    expect(env.MAIL_FEEDBACK_DEAD_LETTER_QUEUE_URL).toEqual({ Ref: 'MailFeedbackFailedInvocationsQueue' });
  });
});

describe('welcome function', () => {
  const welcome = functionWithHandler('welcome');

  it('sends with the welcome configuration set', () => {
    expect(template.functionEnvironment(welcome).WELCOME_CONFIGURATION_SET).toEqual({ Ref: 'WelcomeConfigurationSet' });
  });

  it('may send as its identity with that configuration set only', () => {
    const sends = grants(welcome).filter((grant) => grant.startsWith('ses:'));
    expect(sends).toEqual([
      'ses:SendEmail → arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/blog.example.com',
      'ses:SendEmail → arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${WelcomeConfigurationSet}',
    ]);
  });
});

it('exposes the configuration set and the failed-invocations queue as outputs', () => {
  expect(referencedIds(template.outputs().WelcomeConfigurationSetName?.Value)).toEqual(['WelcomeConfigurationSet']);
  expect(referencedIds(template.outputs().MailFeedbackFailedInvocationsQueueUrl?.Value)).toEqual(['MailFeedbackFailedInvocationsQueue']);
});
