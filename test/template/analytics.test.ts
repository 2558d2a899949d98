/**
 * The analytics ingest in the packaged templates: the Kinesis stream, the Firehose delivery stream (transform,
 * dynamic partitioning, Parquet through the Glue table, error prefix, buffering), the Glue table whose columns are the
 * transform's output fields, the ingestion bucket, the POST /events route and its throttle, and what each role may do.
 */
import { EVENT_COLUMNS } from '../../functions/analytics-transform/columns';
import { asArray, isObject, referencedIds, subString, Template, templateFile, type Json, type JsonObject } from './template';

const template = Template.load();

const functionNamed = (handler: string): string => {
  const found = template
    .resourcesOfType('AWS::Lambda::Function')
    .find(([, fn]) => fn.Properties?.Handler === `functions/${handler}/handler.handler`);
  if (!found) throw new Error(`no function with handler functions/${handler}/handler.handler`);
  return found[0];
};

/** `Id.Attr` for a GetAtt, `Ref Id` for a Ref, the Sub string for a Sub, the literal for a string. */
function describeResource(resource: Json): string {
  if (typeof resource === 'string') return resource;
  if (isObject(resource) && Array.isArray(resource['Fn::GetAtt'])) return resource['Fn::GetAtt'].map(String).join('.');
  if (isObject(resource) && typeof resource.Ref === 'string') return `Ref ${resource.Ref}`;
  return subString(resource) ?? JSON.stringify(resource);
}

/** `action → resources` granted to a role (inline and attached policies). */
function grants(roleId: string): Map<string, string[]> {
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

const object = (value: Json | undefined): JsonObject => (isObject(value) ? value : {});

describe('AnalyticsStream (Kinesis)', () => {
  const stream = template.properties('AnalyticsStream', 'AWS::Kinesis::Stream');

  it('is on-demand unless the stage asks for provisioned shards', () => {
    expect(template.parameter('AnalyticsShardCount').Default).toBe(0);
    expect(template.json.Conditions?.AnalyticsStreamOnDemand).toEqual({ 'Fn::Equals': [{ Ref: 'AnalyticsShardCount' }, 0] });
    expect(stream.StreamModeDetails).toEqual({ StreamMode: { 'Fn::If': ['AnalyticsStreamOnDemand', 'ON_DEMAND', 'PROVISIONED'] } });
    expect(stream.ShardCount).toEqual({ 'Fn::If': ['AnalyticsStreamOnDemand', { Ref: 'AWS::NoValue' }, { Ref: 'AnalyticsShardCount' }] });
  });

  it('takes the shard count from the stage param (the dev build with every switch asks for 2)', () => {
    const switches = Template.load(templateFile('dev-all-switches'));
    // A --param on the command line arrives as a string; CloudFormation reads it as the Number parameter it is.
    expect(Number(switches.parameter('AnalyticsShardCount').Default)).toBe(2);
  });

  it('is encrypted at rest and keeps records one day (they hold the raw address)', () => {
    expect(stream.StreamEncryption).toEqual({ EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
    expect(stream.RetentionPeriodHours).toBe(24);
  });
});

describe('AnalyticsDeliveryStream (Firehose)', () => {
  const delivery = template.properties('AnalyticsDeliveryStream', 'AWS::KinesisFirehose::DeliveryStream');
  const s3 = object(delivery.ExtendedS3DestinationConfiguration);

  it('reads the events stream with its own role', () => {
    expect(delivery.DeliveryStreamType).toBe('KinesisStreamAsSource');
    expect(delivery.KinesisStreamSourceConfiguration).toEqual({
      KinesisStreamARN: { 'Fn::GetAtt': ['AnalyticsStream', 'Arn'] },
      RoleARN: { 'Fn::GetAtt': ['AnalyticsDeliveryRole', 'Arn'] },
    });
    expect(s3.BucketARN).toEqual({ 'Fn::GetAtt': ['IngestionBucket', 'Arn'] });
    expect(s3.RoleARN).toEqual({ 'Fn::GetAtt': ['AnalyticsDeliveryRole', 'Arn'] });
  });

  it('transforms every record with the analyticsTransform function', () => {
    const processing = object(s3.ProcessingConfiguration);
    expect(processing.Enabled).toBe(true);
    const processors = asArray(processing.Processors).map(object);
    expect(processors.map((processor) => processor.Type)).toEqual(['Lambda']);
    const parameters = asArray(processors[0]?.Parameters).map(object);
    expect(parameters.find((parameter) => parameter.ParameterName === 'LambdaArn')?.ParameterValue).toEqual({
      'Fn::GetAtt': [functionNamed('analytics-transform'), 'Arn'],
    });
  });

  it('partitions by the dt and hour the transform returns', () => {
    expect(s3.DynamicPartitioningConfiguration).toMatchObject({ Enabled: true });
    expect(s3.Prefix).toBe('events/dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/');
  });

  it('writes failures under an error prefix that keeps the failure type', () => {
    expect(s3.ErrorOutputPrefix).toEqual(expect.stringMatching(/^errors\/.*!\{firehose:error-output-type\}/));
  });

  it('converts to Parquet with the Glue table as the schema, reading epoch-millisecond timestamps', () => {
    const conversion = object(s3.DataFormatConversionConfiguration);
    expect(conversion.Enabled).toBe(true);
    expect(conversion.InputFormatConfiguration).toEqual({ Deserializer: { HiveJsonSerDe: { TimestampFormats: ['millis'] } } });
    expect(conversion.OutputFormatConfiguration).toEqual({ Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } });
    expect(conversion.SchemaConfiguration).toMatchObject({
      DatabaseName: { Ref: 'AnalyticsDatabase' },
      TableName: { Ref: 'AnalyticsEventsTable' },
      RoleARN: { 'Fn::GetAtt': ['AnalyticsDeliveryRole', 'Arn'] },
      VersionId: 'LATEST',
    });
    // Firehose refuses compression on top of format conversion: Parquet compresses itself.
    expect(s3.CompressionFormat).toBe('UNCOMPRESSED');
  });

  it('buffers by the stage params, at least the 64 MB dynamic partitioning requires', () => {
    expect(s3.BufferingHints).toEqual({ IntervalInSeconds: 60, SizeInMBs: 64 });
  });

  it('logs delivery errors to a log group of its own', () => {
    expect(s3.CloudWatchLoggingOptions).toEqual({
      Enabled: true,
      LogGroupName: { Ref: 'AnalyticsDeliveryLogGroup' },
      LogStreamName: { Ref: 'AnalyticsDeliveryLogStream' },
    });
  });
});

describe('AnalyticsEventsTable (Glue)', () => {
  const table = object(template.properties('AnalyticsEventsTable', 'AWS::Glue::Table').TableInput);
  const storage = object(table.StorageDescriptor);

  it("has exactly the transform's output fields as columns, in order, with their types", () => {
    const columns = asArray(storage.Columns).map(object);
    expect(columns).toEqual(EVENT_COLUMNS.map(({ name, type, comment }) => ({ Name: name, Type: type, Comment: comment })));
  });

  it('is partitioned by dt and hour, which are not columns', () => {
    expect(asArray(table.PartitionKeys).map(object).map(({ Name, Type }) => [Name, Type])).toEqual([
      ['dt', 'string'],
      ['hour', 'string'],
    ]);
  });

  it('is Parquet under events/ of the ingestion bucket', () => {
    expect(subString(storage.Location)).toBe('s3://${IngestionBucket}/events/');
    expect(object(storage.SerdeInfo).SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    expect(storage.InputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
  });

  it('projects its partitions (no crawler) onto the prefix Firehose writes', () => {
    const parameters = object(table.Parameters);
    expect(parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': 'NOW-395DAYS,NOW',
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
    });
    // Firehose's prefix with its partition keys as projection placeholders.
    const destination = object(template.properties('AnalyticsDeliveryStream', 'AWS::KinesisFirehose::DeliveryStream').ExtendedS3DestinationConfiguration);
    const firehosePrefix = typeof destination.Prefix === 'string' ? destination.Prefix : '(no prefix)';
    expect(subString(parameters['storage.location.template'])).toBe(
      `s3://\${IngestionBucket}/${firehosePrefix.replace(/!\{partitionKeyFromLambda:(\w+)\}/g, '$${!$1}')}`,
    );
  });

  it('lives in the stage database, whose name Athena accepts', () => {
    expect(template.properties('AnalyticsEventsTable', 'AWS::Glue::Table').DatabaseName).toEqual({ Ref: 'AnalyticsDatabase' });
    const name = object(template.properties('AnalyticsDatabase', 'AWS::Glue::Database').DatabaseInput).Name;
    expect(name).toBe('serverless_blog_prod_analytics');
  });
});

describe('IngestionBucket', () => {
  const bucket = template.properties('IngestionBucket', 'AWS::S3::Bucket');

  it('is private and encrypted', () => {
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }],
    });
  });

  it('refuses requests without TLS', () => {
    const deny = template.policyStatements('IngestionBucketPolicy', 'AWS::S3::BucketPolicy').find((statement) => statement.Effect === 'Deny');
    expect(deny).toMatchObject({ Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(asArray(deny?.Resource as Json).flatMap(referencedIds)).toEqual(['IngestionBucket', 'IngestionBucket']);
  });

  it('deletes events after the retention period and delivery errors sooner', () => {
    const rules = asArray(object(bucket.LifecycleConfiguration).Rules).map(object);
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: 'events/', ExpirationInDays: 395, Status: 'Enabled' }),
        expect.objectContaining({ Prefix: 'errors/', ExpirationInDays: 14, Status: 'Enabled' }),
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 1 } }),
      ]),
    );
  });
});

describe('AnalyticsIpHashKeySecret', () => {
  it('is generated by Secrets Manager: no value in the template', () => {
    const secret = template.properties('AnalyticsIpHashKeySecret', 'AWS::SecretsManager::Secret');
    expect(secret.SecretString).toBeUndefined();
    expect(secret.GenerateSecretString).toEqual({ PasswordLength: 64, ExcludePunctuation: true });
  });
});

describe('POST /events', () => {
  const events = functionNamed('events');

  it('is public (no authorizer), routed to the events function', () => {
    const route = template.properties('HttpApiRoutePostEvents', 'AWS::ApiGatewayV2::Route');
    expect(route.RouteKey).toBe('POST /events');
    expect(route.AuthorizationType ?? 'NONE').toBe('NONE');
    expect(referencedIds(route.Target)).toContain('HttpApiIntegrationEvents');
    expect(referencedIds(template.resource('HttpApiIntegrationEvents').Properties?.IntegrationUri)).toContain(events);
  });

  it('is throttled on the stage by the stage params, after the route exists', () => {
    const stage = template.resource('HttpApiStage');
    expect(object(stage.Properties?.RouteSettings)['POST /events']).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 50 });
    expect(asArray(stage.DependsOn)).toContain('HttpApiRoutePostEvents');
  });

  it('is told the stream by reference, and speaks HTTP/2 to it on AWS', () => {
    expect(template.functionEnvironment(events)).toMatchObject({ EVENTS_STREAM: { Ref: 'AnalyticsStream' }, KINESIS_HTTP1: 'false' });
  });
});

describe('IAM scope', () => {
  it('events may only put records on the analytics stream (and write its logs)', () => {
    const granted = grants(template.functionRole(functionNamed('events')) ?? '(none)');
    expect([...granted.keys()].sort()).toEqual(['kinesis:PutRecords', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(granted.get('kinesis:PutRecords')).toEqual(['AnalyticsStream.Arn']);
  });

  it('analyticsTransform may only read its key (and write its logs); Firehose invokes it with the delivery role', () => {
    const transform = functionNamed('analytics-transform');
    const granted = grants(template.functionRole(transform) ?? '(none)');
    expect([...granted.keys()].sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue']);
    expect(granted.get('secretsmanager:GetSecretValue')).toEqual(['Ref AnalyticsIpHashKeySecret']);
    expect(template.functionEnvironment(transform)).toMatchObject({ IP_HASH_KEY_SECRET: { Ref: 'AnalyticsIpHashKeySecret' } });
    // No resource policy lets anyone else call it.
    const permissions = template
      .resourcesOfType('AWS::Lambda::Permission')
      .filter(([, permission]) => referencedIds(permission.Properties?.FunctionName).includes(transform));
    expect(permissions).toEqual([]);
  });

  describe('the delivery role', () => {
    it('is assumable only by Firehose on behalf of this account', () => {
      const trust = object(template.properties('AnalyticsDeliveryRole', 'AWS::IAM::Role').AssumeRolePolicyDocument);
      expect(asArray(trust.Statement)).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'firehose.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } } },
        },
      ]);
    });

    const granted = grants('AnalyticsDeliveryRole');

    it('has exactly the actions delivery uses', () => {
      expect([...granted.keys()].sort()).toEqual(
        [
          'kinesis:DescribeStream',
          'kinesis:GetRecords',
          'kinesis:GetShardIterator',
          'kinesis:ListShards',
          'lambda:GetFunctionConfiguration',
          'lambda:InvokeFunction',
          'glue:GetTable',
          'glue:GetTableVersion',
          'glue:GetTableVersions',
          's3:AbortMultipartUpload',
          's3:GetBucketLocation',
          's3:GetObject',
          's3:ListBucket',
          's3:ListBucketMultipartUploads',
          's3:PutObject',
          'logs:PutLogEvents',
        ].sort(),
      );
    });

    it('reads only the events stream and invokes only the transform', () => {
      for (const action of ['kinesis:DescribeStream', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards']) {
        expect(granted.get(action)).toEqual(['AnalyticsStream.Arn']);
      }
      for (const action of ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration']) {
        expect(granted.get(action)).toEqual([`${functionNamed('analytics-transform')}.Arn`]);
      }
    });

    it('writes only the two prefixes of the ingestion bucket it delivers to', () => {
      for (const action of ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject']) {
        expect(granted.get(action)).toEqual(['${IngestionBucket.Arn}/events/*', '${IngestionBucket.Arn}/errors/*']);
      }
      for (const action of ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads']) {
        expect(granted.get(action)).toEqual(['IngestionBucket.Arn']);
      }
    });

    it("reads only the events table's schema, and logs only to its own log stream", () => {
      for (const action of ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions']) {
        expect(granted.get(action)).toEqual([
          'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog',
          'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:database/${AnalyticsDatabase}',
          'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/${AnalyticsDatabase}/${AnalyticsEventsTable}',
        ]);
      }
      expect(granted.get('logs:PutLogEvents')).toEqual([
        'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${AnalyticsDeliveryLogGroup}:log-stream:${AnalyticsDeliveryLogStream}',
      ]);
    });

    it('is in place before the delivery stream first uses it', () => {
      expect(asArray(template.resource('AnalyticsDeliveryStream').DependsOn)).toContain('AnalyticsDeliveryPolicy');
    });
  });
});

describe('outputs', () => {
  it.each([
    ['AnalyticsStreamName', 'AnalyticsStream'],
    ['AnalyticsDeliveryStreamName', 'AnalyticsDeliveryStream'],
    ['IngestionBucketName', 'IngestionBucket'],
    ['AnalyticsDatabaseName', 'AnalyticsDatabase'],
  ])('%s comes from %s', (name, resourceId) => {
    expect(referencedIds(template.outputs()[name]?.Value)).toEqual([resourceId]);
  });
});
