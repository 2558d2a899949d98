/**
 * The analytics delivery stream as `sls print --stage local` resolves resources/analytics.yml (the parts the local
 * Firehose reads), for the unit tests: a copy to change one property at a time.
 */
import type { ServiceConfig } from '../../../../scripts/local/service-config';

export const COLUMNS = [
  ['event_id', 'string'],
  ['event_type', 'string'],
  ['path', 'string'],
  ['target', 'string'],
  ['referrer_host', 'string'],
  ['session_id', 'string'],
  ['client_time', 'timestamp'],
  ['received_at', 'timestamp'],
  ['ip_prefix', 'string'],
  ['ip_hash', 'string'],
  ['browser', 'string'],
  ['device', 'string'],
] as const;

export function analyticsConfig(): ServiceConfig {
  return structuredClone({
    service: 'serverless-blog',
    provider: { stage: 'local' },
    params: {},
    functions: { analyticsTransform: { handler: 'functions/analytics-transform/handler.handler' } },
    resources: {
      Parameters: { AnalyticsShardCount: { Type: 'Number', MinValue: 0, MaxValue: 500, Default: 0 } },
      Conditions: { AnalyticsStreamOnDemand: { 'Fn::Equals': [{ Ref: 'AnalyticsShardCount' }, 0] } },
      Resources: {
        AnalyticsStream: {
          Type: 'AWS::Kinesis::Stream',
          Properties: {
            StreamModeDetails: { StreamMode: { 'Fn::If': ['AnalyticsStreamOnDemand', 'ON_DEMAND', 'PROVISIONED'] } },
            ShardCount: { 'Fn::If': ['AnalyticsStreamOnDemand', { Ref: 'AWS::NoValue' }, { Ref: 'AnalyticsShardCount' }] },
            RetentionPeriodHours: 24,
            StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
          },
        },
        IngestionBucket: { Type: 'AWS::S3::Bucket', Properties: {} },
        AnalyticsDatabase: {
          Type: 'AWS::Glue::Database',
          Properties: { CatalogId: { Ref: 'AWS::AccountId' }, DatabaseInput: { Name: 'serverless_blog_local_analytics' } },
        },
        AnalyticsEventsTable: {
          Type: 'AWS::Glue::Table',
          Properties: {
            CatalogId: { Ref: 'AWS::AccountId' },
            DatabaseName: { Ref: 'AnalyticsDatabase' },
            TableInput: {
              Name: 'events',
              PartitionKeys: [
                { Name: 'dt', Type: 'string' },
                { Name: 'hour', Type: 'string' },
              ],
              StorageDescriptor: { Columns: COLUMNS.map(([Name, Type]) => ({ Name, Type, Comment: 'c' })) },
            },
          },
        },
        AnalyticsDeliveryStream: {
          Type: 'AWS::KinesisFirehose::DeliveryStream',
          DependsOn: ['AnalyticsDeliveryPolicy'],
          Properties: {
            DeliveryStreamName: 'serverless-blog-local-analytics',
            DeliveryStreamType: 'KinesisStreamAsSource',
            KinesisStreamSourceConfiguration: {
              KinesisStreamARN: { 'Fn::GetAtt': ['AnalyticsStream', 'Arn'] },
              RoleARN: { 'Fn::GetAtt': ['AnalyticsDeliveryRole', 'Arn'] },
            },
            ExtendedS3DestinationConfiguration: {
              BucketARN: { 'Fn::GetAtt': ['IngestionBucket', 'Arn'] },
              RoleARN: { 'Fn::GetAtt': ['AnalyticsDeliveryRole', 'Arn'] },
              Prefix: 'events/dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/',
              ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/',
              BufferingHints: { IntervalInSeconds: 5, SizeInMBs: 64 },
              CompressionFormat: 'UNCOMPRESSED',
              DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
              ProcessingConfiguration: {
                Enabled: true,
                Processors: [
                  {
                    Type: 'Lambda',
                    Parameters: [
                      { ParameterName: 'LambdaArn', ParameterValue: { 'Fn::GetAtt': ['AnalyticsTransformLambdaFunction', 'Arn'] } },
                      { ParameterName: 'BufferSizeInMBs', ParameterValue: '1' },
                      { ParameterName: 'BufferIntervalInSeconds', ParameterValue: '1' },
                      { ParameterName: 'NumberOfRetries', ParameterValue: '3' },
                    ],
                  },
                ],
              },
              DataFormatConversionConfiguration: {
                Enabled: true,
                InputFormatConfiguration: { Deserializer: { HiveJsonSerDe: { TimestampFormats: ['millis'] } } },
                OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
                SchemaConfiguration: {
                  CatalogId: { Ref: 'AWS::AccountId' },
                  DatabaseName: { Ref: 'AnalyticsDatabase' },
                  TableName: { Ref: 'AnalyticsEventsTable' },
                  Region: { Ref: 'AWS::Region' },
                  RoleARN: { 'Fn::GetAtt': ['AnalyticsDeliveryRole', 'Arn'] },
                  VersionId: 'LATEST',
                },
              },
              CloudWatchLoggingOptions: { Enabled: true, LogGroupName: { Ref: 'AnalyticsDeliveryLogGroup' }, LogStreamName: { Ref: 'AnalyticsDeliveryLogStream' } },
              S3BackupMode: 'Disabled',
            },
          },
        },
      },
    },
  });
}

/** The destination settings of the fixture's delivery stream, to change in a test. */
export const destinationOf = (config: ServiceConfig): Record<string, unknown> =>
  (config.resources.Resources.AnalyticsDeliveryStream!.Properties as { ExtendedS3DestinationConfiguration: Record<string, unknown> })
    .ExtendedS3DestinationConfiguration;
