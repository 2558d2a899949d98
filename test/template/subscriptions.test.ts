/**
 * Subscriptions and the welcome mail in the prod template: the table and its stream, the event source settings that
 * make delivery at-least-once with partial failures, the failures queue and its alarm, the per-route throttle, and
 * what each of the three functions may do.
 */
import { asArray, isObject, referencedIds, subString, Template, type Json } from './template';

const template = Template.load();

const functionNamed = (handler: string): string => {
  const found = template
    .resourcesOfType('AWS::Lambda::Function')
    .find(([, fn]) => fn.Properties?.Handler === `functions/${handler}/handler.handler`);
  if (!found) throw new Error(`no function with handler functions/${handler}/handler.handler`);
  return found[0];
};

/** `action → resources` granted to a function's role, resources written as the ids/attributes they point at. */
function grants(functionId: string): Map<string, string[]> {
  const roleId = template.functionRole(functionId) ?? '(none)';
  const granted = new Map<string, string[]>();
  for (const { statement } of template.roleStatements(roleId)) {
    expect(statement.Effect).toBe('Allow');
    for (const action of asArray(statement.Action)) {
      const resources = asArray(statement.Resource as Json).map(describeResource);
      granted.set(action, [...(granted.get(action) ?? []), ...resources]);
    }
  }
  return granted;
}

/** `Id.Attr` for a GetAtt, the Sub string for a Sub, the literal for a string. */
function describeResource(resource: Json): string {
  if (typeof resource === 'string') return resource;
  if (isObject(resource) && Array.isArray(resource['Fn::GetAtt'])) return resource['Fn::GetAtt'].map(String).join('.');
  return subString(resource) ?? JSON.stringify(resource);
}

const actionsOf = (granted: Map<string, string[]>, prefix: string): string[] =>
  [...granted.keys()].filter((action) => action.startsWith(prefix)).sort();

describe('SubscribersTable', () => {
  const table = template.properties('SubscribersTable', 'AWS::DynamoDB::Table');

  it('is keyed by the address, on demand, with point-in-time recovery and encryption', () => {
    expect(table.KeySchema).toEqual([{ AttributeName: 'email', KeyType: 'HASH' }]);
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.SSESpecification).toEqual({ SSEEnabled: true });
    expect(table.DeletionProtectionEnabled).toBe(true);
  });

  it('streams the new image (all the welcome function reads)', () => {
    expect(table.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
  });

  it('finds a subscriber by unsubscribe token through a keys-only index', () => {
    expect(table.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'by-token',
        KeySchema: [{ AttributeName: 'token', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
  });
});

it('WelcomeIdempotencyTable has the layout Powertools idempotency expects, with expiry', () => {
  const table = template.properties('WelcomeIdempotencyTable', 'AWS::DynamoDB::Table');
  expect(table.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
  expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiration', Enabled: true });
  expect(table.BillingMode).toBe('PAY_PER_REQUEST');
});

describe('welcome event source', () => {
  const welcome = functionNamed('welcome');
  const mappings = template
    .resourcesOfType('AWS::Lambda::EventSourceMapping')
    .filter(([, mapping]) => referencedIds(mapping.Properties?.FunctionName).includes(welcome));

  it('is the one mapping of the welcome function, on the SubscribersTable stream', () => {
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.[1].Properties?.EventSourceArn).toEqual({ 'Fn::GetAtt': ['SubscribersTable', 'StreamArn'] });
  });

  const mapping = mappings[0]?.[1].Properties ?? {};

  it('invokes the function for INSERTs only', () => {
    const filters = isObject(mapping.FilterCriteria) ? asArray(mapping.FilterCriteria.Filters) : [];
    const patterns = filters.map((filter) =>
      isObject(filter) && typeof filter.Pattern === 'string' ? (JSON.parse(filter.Pattern) as unknown) : filter,
    );
    expect(patterns).toEqual([{ eventName: ['INSERT'] }]);
  });

  it('reports partial batch failures and bisects a batch that throws as a whole', () => {
    expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mapping.BisectBatchOnFunctionError).toBe(true);
  });

  it('retries a failed record until it is an hour old, not a fixed number of times (an SES outage loses no mail)', () => {
    // -1: no count can run out before the record age limit does, however fast the retries come.
    expect(mapping.MaximumRetryAttempts).toBe(-1);
    expect(mapping.MaximumRecordAgeInSeconds).toBe(3600);
  });

  it('batches up to 25 records for up to 5 s, from the oldest record kept', () => {
    expect(mapping.BatchSize).toBe(25);
    expect(mapping.MaximumBatchingWindowInSeconds).toBe(5);
    expect(mapping.StartingPosition).toBe('TRIM_HORIZON');
  });

  it('sends exhausted batches to WelcomeFailuresQueue', () => {
    expect(mapping.DestinationConfig).toEqual({
      OnFailure: { Destination: { 'Fn::GetAtt': ['WelcomeFailuresQueue', 'Arn'] } },
    });
  });

  it('fits a full batch in the function timeout', () => {
    const fn = template.properties(welcome, 'AWS::Lambda::Function');
    expect(Number(fn.Timeout)).toBeGreaterThanOrEqual(Number(mapping.BatchSize));
  });
});

describe('WelcomeFailuresQueue', () => {
  it('is encrypted and keeps messages 14 days', () => {
    const queue = template.properties('WelcomeFailuresQueue', 'AWS::SQS::Queue');
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(queue.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('alarms as soon as one message is waiting', () => {
    const alarms = template
      .resourcesOfType('AWS::CloudWatch::Alarm')
      .map(([, alarm]) => alarm.Properties ?? {})
      .filter((alarm) => referencedIds(alarm.Dimensions).includes('WelcomeFailuresQueue'));
    expect(alarms).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['WelcomeFailuresQueue', 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    ]);
  });
});

describe('HTTP routes', () => {
  const routeKeys = template
    .resourcesOfType('AWS::ApiGatewayV2::Route')
    .map(([, route]) => route.Properties?.RouteKey)
    .sort();

  it('has subscribe and the three unsubscribe routes', () => {
    expect(routeKeys).toEqual(
      expect.arrayContaining([
        'POST /subscriptions',
        'DELETE /subscriptions/{token}',
        'GET /subscriptions/{token}/unsubscribe',
        'POST /subscriptions/{token}/unsubscribe',
      ]),
    );
  });

  it('throttles POST /subscriptions on the stage, after the route exists', () => {
    const stage = template.resource('HttpApiStage');
    const settings = isObject(stage.Properties?.RouteSettings) ? stage.Properties.RouteSettings : {};
    const subscribe = settings['POST /subscriptions'];
    expect(subscribe).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 20 });
    expect(asArray(stage.DependsOn)).toContain('HttpApiRoutePostSubscriptions');
    expect(template.resource('HttpApiRoutePostSubscriptions').Properties?.RouteKey).toBe('POST /subscriptions');
  });
});

describe('IAM scope', () => {
  it('subscribe may only put items in SubscribersTable (and write its logs)', () => {
    const granted = grants(functionNamed('subscribe'));
    expect(actionsOf(granted, 'dynamodb:')).toEqual(['dynamodb:PutItem']);
    expect(granted.get('dynamodb:PutItem')).toEqual(['SubscribersTable.Arn']);
    expect([...granted.keys()].filter((action) => !action.startsWith('dynamodb:') && !action.startsWith('logs:'))).toEqual([]);
  });

  it('unsubscribe may only query the token index and delete subscribers', () => {
    const granted = grants(functionNamed('unsubscribe'));
    expect(actionsOf(granted, 'dynamodb:')).toEqual(['dynamodb:DeleteItem', 'dynamodb:Query']);
    expect(granted.get('dynamodb:Query')).toEqual(['${SubscribersTable.Arn}/index/by-token']);
    expect(granted.get('dynamodb:DeleteItem')).toEqual(['SubscribersTable.Arn']);
    expect([...granted.keys()].filter((action) => !action.startsWith('dynamodb:') && !action.startsWith('logs:'))).toEqual([]);
  });

  describe('welcome', () => {
    const welcome = functionNamed('welcome');
    const granted = grants(welcome);

    it('has exactly the actions it uses', () => {
      expect([...granted.keys()].sort()).toEqual(
        [
          'dynamodb:DeleteItem',
          'dynamodb:DescribeStream',
          'dynamodb:GetItem',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'ses:SendEmail',
          'sqs:SendMessage',
        ].sort(),
      );
    });

    it('reads only the SubscribersTable stream', () => {
      for (const action of ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']) {
        expect(granted.get(action)).toEqual(['SubscribersTable.StreamArn']);
      }
    });

    it('touches only the tables it uses: the idempotency records, and reads and updates of subscribers', () => {
      for (const action of ['dynamodb:PutItem', 'dynamodb:DeleteItem']) {
        expect(granted.get(action)).toEqual(['WelcomeIdempotencyTable.Arn']);
      }
      // GetItem on subscribers: is the address suppressed (resources/mail-feedback.yml), right before a send.
      expect(granted.get('dynamodb:GetItem')?.sort()).toEqual(['SubscribersTable.Arn', 'WelcomeIdempotencyTable.Arn']);
      expect(granted.get('dynamodb:UpdateItem')?.sort()).toEqual(['SubscribersTable.Arn', 'WelcomeIdempotencyTable.Arn']);
    });

    it('sends mail only as the sender identity of WELCOME_SENDER, with the welcome configuration set', () => {
      // Prepare
      const env = template.properties(welcome, 'AWS::Lambda::Function').Environment;
      const variables = isObject(env) && isObject(env.Variables) ? env.Variables : {};
      const sender = typeof variables.WELCOME_SENDER === 'string' ? variables.WELCOME_SENDER : '';
      const senderDomain = /@([^>\s]+)>?$/.exec(sender)?.[1];

      // Assess
      expect(senderDomain).toBeDefined();
      expect(granted.get('ses:SendEmail')).toEqual([
        `arn:\${AWS::Partition}:ses:\${AWS::Region}:\${AWS::AccountId}:identity/${senderDomain}`,
        'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${WelcomeConfigurationSet}',
      ]);
    });

    it('writes failures only to its own queue', () => {
      expect(granted.get('sqs:SendMessage')).toEqual(['WelcomeFailuresQueue.Arn']);
    });

    it('is told the tables it uses by reference', () => {
      const env = template.properties(welcome, 'AWS::Lambda::Function').Environment;
      const variables = isObject(env) && isObject(env.Variables) ? env.Variables : {};
      expect(variables.SUBSCRIBERS_TABLE).toEqual({ Ref: 'SubscribersTable' });
      expect(variables.IDEMPOTENCY_TABLE).toEqual({ Ref: 'WelcomeIdempotencyTable' });
      // Dead letters (records that can never become a mail) go to the mapping's own failures queue.
      expect(variables.WELCOME_FAILURES_QUEUE_URL).toEqual({ Ref: 'WelcomeFailuresQueue' });
    });

    it('paces sends at the account send rate, and a full batch at that rate fits the timeout', () => {
      const fn = template.properties(welcome, 'AWS::Lambda::Function');
      const env = fn.Environment;
      const variables = isObject(env) && isObject(env.Variables) ? env.Variables : {};
      const rate = Number(variables.SES_MAX_SEND_RATE);
      expect(rate).toBeGreaterThanOrEqual(1);
      expect(25 / rate).toBeLessThan(Number(fn.Timeout) / 2);
    });
  });
});

describe('outputs', () => {
  it.each([
    ['SubscribersTableName', 'SubscribersTable'],
    ['WelcomeFailuresQueueUrl', 'WelcomeFailuresQueue'],
  ])('%s comes from %s', (name, resourceId) => {
    expect(referencedIds(template.outputs()[name]?.Value)).toEqual([resourceId]);
  });
});
