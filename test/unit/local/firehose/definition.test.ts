/**
 * The delivery stream read from the template ("AWS::KinesisFirehose::DeliveryStream"), and every property the local
 * Firehose does not follow refused by name rather than delivered differently from AWS.
 */
import { deliveryStreams } from '../../../../scripts/local/firehose/definition';
import { analyticsConfig, COLUMNS, destinationOf } from './fixtures';

describe('deliveryStreams (the template’s delivery streams)', () => {
  it('reads the analytics delivery stream: source, bucket, prefixes, hints, processor, Parquet schema', () => {
    // Act
    const [definition, ...others] = deliveryStreams(analyticsConfig());

    // Assess
    expect(others).toEqual([]);
    expect(definition).toMatchObject({
      logicalId: 'AnalyticsDeliveryStream',
      name: 'serverless-blog-local-analytics',
      arn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/serverless-blog-local-analytics',
      sourceStream: 'AnalyticsStream',
      bucket: 'IngestionBucket',
      buffering: { sizeBytes: 64 * 1024 * 1024, intervalMs: 5_000 },
      dynamicPartitioning: true,
      fileExtension: '.parquet',
      processor: {
        functionKey: 'analyticsTransform',
        functionName: 'serverless-blog-local-analyticsTransform',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:serverless-blog-local-analyticsTransform',
        bufferBytes: 1024 * 1024,
        intervalMs: 1_000,
        retries: 3,
      },
      conversion: {
        compression: 'snappy',
        schema: { columns: COLUMNS.map(([name, type]) => ({ name, type })), epochMillis: true },
        table: { databaseName: 'serverless_blog_local_analytics', tableName: 'events', versionId: 'LATEST', catalogId: '000000000000' },
      },
    });
    expect(definition!.prefix.partitionKeys).toEqual(['dt', 'hour']);
  });

  it('uses Firehose’s defaults where the template sets none: 3 retries, 1 MB and 60 s per invocation', () => {
    // Prepare
    const config = analyticsConfig();
    const processor = (destinationOf(config).ProcessingConfiguration as { Processors: { Parameters: unknown[] }[] }).Processors[0]!;
    processor.Parameters = processor.Parameters.slice(0, 1);

    // Act
    const [definition] = deliveryStreams(config);

    // Assess
    expect(definition!.processor).toMatchObject({ bufferBytes: 1024 * 1024, intervalMs: 60_000, retries: 3 });
  });

  const refusals: [string, (destination: Record<string, unknown>, props: Record<string, unknown>) => void, RegExp][] = [
    ['a Direct PUT stream (no source to read)', (_, props) => (props.DeliveryStreamType = 'DirectPut'), /KinesisStreamAsSource/],
    ['a source that is not a stream of the template', (_, props) => ((props.KinesisStreamSourceConfiguration as Record<string, unknown>).KinesisStreamARN = 'arn:aws:kinesis:us-east-1:1:stream/x'), /AWS::Kinesis::Stream/],
    ['a bucket given as a literal ARN', (d) => (d.BucketARN = 'arn:aws:s3:::elsewhere'), /AWS::S3::Bucket/],
    ['compressed objects', (d) => (d.CompressionFormat = 'GZIP'), /UNCOMPRESSED/],
    ['a source record backup', (d) => (d.S3BackupMode = 'Enabled'), /S3BackupMode/],
    ['a time zone other than UTC', (d) => (d.CustomTimeZone = 'Asia/Tokyo'), /UTC/],
    ['a property it does not know', (d) => (d.S3BackupConfiguration = {}), /does not follow S3BackupConfiguration/],
    ['dynamic partitioning without an error prefix', (d) => delete d.ErrorOutputPrefix, /ErrorOutputPrefix/],
    ['dynamic partitioning under 64 MB', (d) => (d.BufferingHints = { IntervalInSeconds: 60, SizeInMBs: 32 }), /SizeInMBs must be 64 to 128/],
    ['an interval over 900 s', (d) => (d.BufferingHints = { IntervalInSeconds: 901, SizeInMBs: 64 }), /IntervalInSeconds must be 0 to 900/],
    ['jq partition keys', (d) => (d.Prefix = 'events/!{partitionKeyFromQuery:dt}/'), /partitionKeyFromQuery/],
    [
      'a second processor (jq metadata extraction)',
      (d) => (d.ProcessingConfiguration as { Processors: unknown[] }).Processors.push({ Type: 'MetadataExtraction', Parameters: [] }),
      /exactly one processor/,
    ],
    [
      'a processor parameter it does not know',
      (d) => (d.ProcessingConfiguration as { Processors: { Parameters: unknown[] }[] }).Processors[0]!.Parameters.push({ ParameterName: 'Delimiter', ParameterValue: '\n' }),
      /Delimiter/,
    ],
    [
      'a processor that is not a function of serverless.yml',
      (d) => ((d.ProcessingConfiguration as { Processors: { Parameters: { ParameterValue: unknown }[] }[] }).Processors[0]!.Parameters[0]!.ParameterValue = 'arn:aws:lambda:us-east-1:1:function:x'),
      /LambdaArn/,
    ],
    [
      'retries beyond Firehose’s range',
      (d) => ((d.ProcessingConfiguration as { Processors: { Parameters: { ParameterValue: unknown }[] }[] }).Processors[0]!.Parameters[3]!.ParameterValue = '301'),
      /NumberOfRetries must be 0 to 300/,
    ],
    [
      'the OpenX JSON deserializer',
      (d) => ((d.DataFormatConversionConfiguration as Record<string, unknown>).InputFormatConfiguration = { Deserializer: { OpenXJsonSerDe: {} } }),
      /HiveJsonSerDe/,
    ],
    [
      'a timestamp format other than millis',
      (d) => ((d.DataFormatConversionConfiguration as Record<string, unknown>).InputFormatConfiguration = { Deserializer: { HiveJsonSerDe: { TimestampFormats: ["yyyy-MM-dd'T'HH:mm:ss"] } } }),
      /millis/,
    ],
    ['ORC output', (d) => ((d.DataFormatConversionConfiguration as Record<string, unknown>).OutputFormatConfiguration = { Serializer: { OrcSerDe: {} } }), /Parquet/],
    [
      'a table that is not a Glue table of the template',
      (d) => ((d.DataFormatConversionConfiguration as { SchemaConfiguration: Record<string, unknown> }).SchemaConfiguration.TableName = 'events'),
      /Glue database and a table/,
    ],
    [
      'a table version other than LATEST',
      (d) => ((d.DataFormatConversionConfiguration as { SchemaConfiguration: Record<string, unknown> }).SchemaConfiguration.VersionId = '3'),
      /LATEST/,
    ],
  ];

  it.each(refusals)('refuses %s, naming it', (_, change, message) => {
    // Prepare
    const config = analyticsConfig();
    change(destinationOf(config), config.resources.Resources.AnalyticsDeliveryStream!.Properties!);

    // Act, Assess
    expect(() => deliveryStreams(config)).toThrow(message);
  });

  it('refuses a Glue column type it cannot write rather than guess one', () => {
    // Prepare
    const config = analyticsConfig();
    const table = config.resources.Resources.AnalyticsEventsTable!.Properties as { TableInput: { StorageDescriptor: { Columns: { Name: string; Type: string }[] } } };
    table.TableInput.StorageDescriptor.Columns.push({ Name: 'tags', Type: 'map<string,string>' });

    // Act, Assess
    expect(() => deliveryStreams(config)).toThrow(/Glue type "map<string,string>"/);
  });
});
