/**
 * The analytics reports in the packaged prod template: the ingestion bucket's notifications to ReportsQueue (and who
 * may send there), the queue's event source mapping and its dead-letter queue, the schedule, the Athena workgroup
 * and its results bucket, the reporting bucket, GET /reports/{name}, and what each of the two functions may do.
 */
import { asArray, isObject, referencedIds, subString, Template, type Json, type JsonObject } from './template';

const template = Template.load();

const REPORTS = 'ReportsLambdaFunction';
const GET_REPORT = 'GetReportLambdaFunction';
/** What functions/reports/triggers.ts keeps back from the invocation's time for its answer and logs. */
const HANDLER_SAFETY_SECONDS = 5;

const object = (value: Json | undefined): JsonObject => (isObject(value) ? value : {});

/** `Id.Attr` for a GetAtt, `Ref Id` for a Ref, the Sub string for a Sub, the literal for a string. */
function describeResource(resource: Json): string {
  if (typeof resource === 'string') return resource;
  if (isObject(resource) && Array.isArray(resource['Fn::GetAtt'])) return resource['Fn::GetAtt'].map(String).join('.');
  if (isObject(resource) && typeof resource.Ref === 'string') return `Ref ${resource.Ref}`;
  return subString(resource) ?? JSON.stringify(resource);
}

/** Every Allow of a function's role as `action → resource`, with ` if <condition>` when the statement has one. */
function grants(functionId: string): string[] {
  const roleId = template.functionRole(functionId) ?? '(none)';
  return template.roleStatements(roleId).flatMap(({ statement }) => {
    expect(statement.Effect).toBe('Allow');
    const condition = statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : '';
    return asArray(statement.Action).flatMap((action) =>
      asArray(statement.Resource as Json).map((resource) => `${action} → ${describeResource(resource)}${condition}`),
    );
  });
}

/** The one resource of a type whose properties reference `id`. */
function onlyReferencing(type: string, id: string): JsonObject {
  const found = template.resourcesOfType(type).filter(([, resource]) => referencedIds(resource.Properties).includes(id));
  expect(found.map(([logicalId]) => logicalId)).toHaveLength(1);
  return found[0]?.[1].Properties ?? {};
}

const reports = template.properties(REPORTS, 'AWS::Lambda::Function');
const queue = template.properties('ReportsQueue', 'AWS::SQS::Queue');
const ingestion = template.resource('IngestionBucket');

describe('the ingestion bucket → ReportsQueue', () => {
  it('announces every object created under events/ (not errors/) on the queue, and nothing else', () => {
    const notification = object(ingestion.Properties?.NotificationConfiguration);
    expect(notification.QueueConfigurations).toEqual([
      {
        Event: 's3:ObjectCreated:*',
        Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'events/' }] } },
        Queue: { 'Fn::GetAtt': ['ReportsQueue', 'Arn'] },
      },
    ]);
    expect(notification.LambdaConfigurations).toBeUndefined();
    expect(notification.TopicConfigurations).toBeUndefined();
  });

  it('is created after the queue policy that lets it send, under a computed name (a Ref would be a cycle)', () => {
    expect(asArray(ingestion.DependsOn)).toContain('ReportsQueuePolicy');
    expect(subString(ingestion.Properties?.BucketName)).toBe('${AWS::StackName}-ingestion-${AWS::AccountId}');
  });

  it('is the only sender the queue policy allows: S3, for that bucket, in this account', () => {
    const policy = template.properties('ReportsQueuePolicy', 'AWS::SQS::QueuePolicy');
    expect(policy.Queues).toEqual([{ Ref: 'ReportsQueue' }]);
    expect(template.policyStatements('ReportsQueuePolicy', 'AWS::SQS::QueuePolicy')).toEqual([
      {
        Sid: 'AllowIngestionBucketNotifications',
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['ReportsQueue', 'Arn'] },
        Condition: {
          // The same name the bucket is given, as an ARN.
          ArnEquals: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', ingestion.Properties?.BucketName ?? '(none)']] } },
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        },
      },
    ]);
  });

  it('is a queue encrypted at rest with SSE-SQS, which S3 can send to', () => {
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(queue.KmsMasterKeyId).toBeUndefined();
  });
});

describe('ReportsQueue → the reports function', () => {
  const mapping = onlyReferencing('AWS::Lambda::EventSourceMapping', 'ReportsQueue');

  it('takes batches of up to 100 announcements gathered for up to 60 s, reporting failed records one by one', () => {
    expect(mapping).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['ReportsQueue', 'Arn'] },
      FunctionName: { 'Fn::GetAtt': [REPORTS, 'Arn'] },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 60,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      Enabled: true,
    });
  });

  it('runs at most two rebuilds at a time', () => {
    expect(mapping.ScalingConfig).toEqual({ MaximumConcurrency: 2 });
  });

  it("hides a batch for at least six times the function's timeout plus the batch window", () => {
    expect(Number(queue.VisibilityTimeout)).toBeGreaterThanOrEqual(6 * Number(reports.Timeout) + Number(mapping.MaximumBatchingWindowInSeconds));
  });

  it('moves an announcement to the dead-letter queue after five failed receives; the dead letters outlive it', () => {
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['ReportsDeadLetterQueue', 'Arn'] }, maxReceiveCount: 5 });
    const deadLetters = template.properties('ReportsDeadLetterQueue', 'AWS::SQS::Queue');
    expect(deadLetters.SqsManagedSseEnabled).toBe(true);
    expect(Number(deadLetters.MessageRetentionPeriod)).toBe(1209600);
    expect(Number(deadLetters.MessageRetentionPeriod)).toBeGreaterThan(Number(queue.MessageRetentionPeriod ?? 345600));
  });
});

describe('the schedule', () => {
  const rule = onlyReferencing('AWS::Events::Rule', REPORTS);
  const [ruleId] = template.resourcesOfType('AWS::Events::Rule').find(([, resource]) => referencedIds(resource.Properties).includes(REPORTS)) ?? [];

  it('rebuilds the reports every day at 00:05 UTC, after the window has moved to the new day', () => {
    expect(rule.ScheduleExpression).toBe('cron(5 0 * * ? *)');
    expect(rule.State).toBe('ENABLED');
    expect(asArray(rule.Targets).map(object).map((target) => target.Arn)).toEqual([{ 'Fn::GetAtt': [REPORTS, 'Arn'] }]);
  });

  it('may invoke the function, and only that rule may', () => {
    const permissions = template
      .resourcesOfType('AWS::Lambda::Permission')
      .filter(([, permission]) => referencedIds(permission.Properties?.FunctionName).includes(REPORTS))
      .map(([, permission]) => permission.Properties);
    expect(permissions).toEqual([
      { FunctionName: { 'Fn::GetAtt': [REPORTS, 'Arn'] }, Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] } },
    ]);
  });

  it('is retried twice when the rebuild fails, then described in the failed-invocations queue', () => {
    const config = onlyReferencing('AWS::Lambda::EventInvokeConfig', REPORTS);
    expect(config.MaximumRetryAttempts).toBe(2);
    expect(config.MaximumEventAgeInSeconds).toBe(3600);
    expect(config.DestinationConfig).toEqual({ OnFailure: { Destination: { 'Fn::GetAtt': ['ReportsFailedInvocationsQueue', 'Arn'] } } });
    expect(template.properties('ReportsFailedInvocationsQueue', 'AWS::SQS::Queue')).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
  });
});

describe('the reports function', () => {
  const environment = template.functionEnvironment(REPORTS);

  it('queries in the reports workgroup and the analytics database, and writes the reporting bucket', () => {
    const database = object(template.properties('AnalyticsDatabase', 'AWS::Glue::Database').DatabaseInput).Name;
    expect(environment).toMatchObject({
      ATHENA_WORKGROUP: { Ref: 'ReportsWorkGroup' },
      ATHENA_DATABASE: database ?? '(none)',
      REPORTING_BUCKET: { Ref: 'ReportingBucket' },
      REPORT_WINDOW_DAYS: '30',
    });
  });

  it('has time for the longest query (they run side by side), the time the handler keeps back, and the writes', () => {
    const queryTimeout = Number(environment.REPORT_QUERY_TIMEOUT_SECONDS);
    expect(queryTimeout).toBe(120);
    // 30 s for the five PutObjects, a cold start and Athena's polling granularity (5 s at most).
    expect(Number(reports.Timeout) - HANDLER_SAFETY_SECONDS).toBeGreaterThanOrEqual(queryTimeout + 30);
  });
});

describe('ReportsWorkGroup (Athena)', () => {
  const workGroup = template.properties('ReportsWorkGroup', 'AWS::Athena::WorkGroup');
  const configuration = object(workGroup.WorkGroupConfiguration);

  it("enforces its own settings over the caller's", () => {
    expect(configuration.EnforceWorkGroupConfiguration).toBe(true);
  });

  it('cancels a query past 1 GB scanned (at least the 10 MB Athena allows)', () => {
    expect(configuration.BytesScannedCutoffPerQuery).toBe(1073741824);
    expect(Number(configuration.BytesScannedCutoffPerQuery)).toBeGreaterThanOrEqual(10_000_000);
  });

  it('writes results, encrypted, to results/ of the results bucket of this account', () => {
    expect(configuration.ResultConfiguration).toEqual({
      OutputLocation: { 'Fn::Sub': 's3://${AthenaResultsBucket}/results/' },
      ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
      EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
    });
  });

  it('runs the engine the SQL is written for, publishes its metrics, and goes with the stack', () => {
    expect(configuration.EngineVersion).toEqual({ SelectedEngineVersion: 'Athena engine version 3' });
    expect(configuration.PublishCloudWatchMetricsEnabled).toBe(true);
    expect(workGroup.RecursiveDeleteOption).toBe(true);
    expect(workGroup.Name).toBe('serverless-blog-prod-reports');
  });
});

describe.each([
  ['AthenaResultsBucket', 'AthenaResultsBucketPolicy'],
  ['ReportingBucket', 'ReportingBucketPolicy'],
])('%s', (bucketId, policyId) => {
  const bucket = template.properties(bucketId, 'AWS::S3::Bucket');

  it('is private, encrypted and versioned', () => {
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }],
    });
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.NotificationConfiguration).toBeUndefined();
  });

  it('refuses requests without TLS, and its policy allows no one', () => {
    const statements = template.policyStatements(policyId, 'AWS::S3::BucketPolicy');
    expect(statements.filter((statement) => statement.Effect === 'Allow')).toEqual([]);
    expect(statements).toEqual([expect.objectContaining({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]);
    expect(asArray(statements[0]?.Resource as Json).flatMap(referencedIds)).toEqual([bucketId, bucketId]);
  });

  it('drops replaced versions a day later', () => {
    const rules = asArray(object(bucket.LifecycleConfiguration).Rules).map(object);
    expect(rules).toEqual(expect.arrayContaining([expect.objectContaining({ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1 } })]));
  });
});

it("AthenaResultsBucket deletes Athena's results after a week", () => {
  const rules = asArray(object(template.properties('AthenaResultsBucket', 'AWS::S3::Bucket').LifecycleConfiguration).Rules).map(object);
  expect(rules).toEqual(expect.arrayContaining([expect.objectContaining({ Prefix: 'results/', ExpirationInDays: 7, Status: 'Enabled' })]));
});

describe('GET /reports/{name}', () => {
  it('is routed to getReport behind the Cognito JWT authorizer (the admins check is in the function)', () => {
    const route = template.properties('HttpApiRouteGetReportsNameVar', 'AWS::ApiGatewayV2::Route');
    expect(route.RouteKey).toBe('GET /reports/{name}');
    expect(route.AuthorizationType).toBe('JWT');
    expect(referencedIds(route.AuthorizerId)).toEqual(['HttpApiAuthorizerCognito']);
    expect(referencedIds(route.Target)).toContain('HttpApiIntegrationGetReport');
    expect(referencedIds(template.resource('HttpApiIntegrationGetReport').Properties?.IntegrationUri)).toContain(GET_REPORT);
  });

  it('reads the reporting bucket', () => {
    expect(template.functionEnvironment(GET_REPORT)).toMatchObject({ REPORTING_BUCKET: { Ref: 'ReportingBucket' } });
  });
});

describe('IAM scope', () => {
  it('reports may query in its workgroup, read the events table and its files, use the results location, write the reports and read its queue — nothing else', () => {
    const [logGroup] = template.functionLogGroup(REPORTS) ?? [];
    const glue = (action: string) => [
      `${action} → arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:catalog`,
      `${action} → arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:database/\${AnalyticsDatabase}`,
      `${action} → arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:table/\${AnalyticsDatabase}/\${AnalyticsEventsTable}`,
    ];
    const workGroup = 'arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/${ReportsWorkGroup}';

    expect(grants(REPORTS).sort()).toEqual(
      [
        `logs:CreateLogStream → \${${logGroup}.Arn}:*`,
        `logs:PutLogEvents → \${${logGroup}.Arn}:*`,
        `athena:StartQueryExecution → ${workGroup}`,
        `athena:GetQueryExecution → ${workGroup}`,
        `athena:GetQueryResults → ${workGroup}`,
        `athena:StopQueryExecution → ${workGroup}`,
        ...glue('glue:GetDatabase'),
        ...glue('glue:GetTable'),
        ...glue('glue:GetPartition'),
        ...glue('glue:GetPartitions'),
        's3:GetBucketLocation → IngestionBucket.Arn',
        's3:ListBucket → IngestionBucket.Arn if {"StringLike":{"s3:prefix":"events/*"}}',
        's3:GetObject → ${IngestionBucket.Arn}/events/*',
        's3:GetBucketLocation → AthenaResultsBucket.Arn',
        's3:ListBucket → AthenaResultsBucket.Arn',
        's3:ListBucketMultipartUploads → AthenaResultsBucket.Arn',
        's3:GetObject → ${AthenaResultsBucket.Arn}/results/*',
        's3:PutObject → ${AthenaResultsBucket.Arn}/results/*',
        's3:AbortMultipartUpload → ${AthenaResultsBucket.Arn}/results/*',
        's3:ListMultipartUploadParts → ${AthenaResultsBucket.Arn}/results/*',
        's3:PutObject → ${ReportingBucket.Arn}/reports/*',
        'sqs:ReceiveMessage → ReportsQueue.Arn',
        'sqs:DeleteMessage → ReportsQueue.Arn',
        'sqs:GetQueueAttributes → ReportsQueue.Arn',
        'sqs:SendMessage → ReportsFailedInvocationsQueue.Arn',
        'sqs:SendMessage → ReportsDeadLetterQueue.Arn',
      ].sort(),
    );
  });

  it('reports cannot write to, or delete from, the ingestion bucket (a rebuild never announces itself)', () => {
    const onIngestion = grants(REPORTS).filter((grant) => grant.includes('IngestionBucket'));
    expect(onIngestion.length).toBeGreaterThan(0);
    expect(onIngestion.filter((grant) => !/^s3:(Get|List)\w* → /.test(grant))).toEqual([]);
  });

  it('getReport may only read the reports (and list their bucket, so a missing one is a 404)', () => {
    const [logGroup] = template.functionLogGroup(GET_REPORT) ?? [];
    expect(grants(GET_REPORT).sort()).toEqual(
      [
        `logs:CreateLogStream → \${${logGroup}.Arn}:*`,
        `logs:PutLogEvents → \${${logGroup}.Arn}:*`,
        's3:GetObject → ${ReportingBucket.Arn}/reports/*',
        's3:ListBucket → ReportingBucket.Arn',
      ].sort(),
    );
  });

  it('getReport cannot read the ingestion bucket or anything of Athena', () => {
    const granted = grants(GET_REPORT);
    expect(granted.filter((grant) => /IngestionBucket|AthenaResultsBucket|athena:|glue:/.test(grant))).toEqual([]);
  });

  it('no statement of either role has a wildcard action', () => {
    const actions = [REPORTS, GET_REPORT].flatMap((functionId) => grants(functionId).map((grant) => grant.split(' → ')[0] ?? ''));
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });
});

describe('outputs', () => {
  it.each([
    ['ReportsQueueUrl', 'ReportsQueue'],
    ['ReportsWorkGroupName', 'ReportsWorkGroup'],
    ['ReportingBucketName', 'ReportingBucket'],
  ])('%s comes from %s', (name, resourceId) => {
    expect(referencedIds(template.outputs()[name]?.Value)).toEqual([resourceId]);
  });
});
