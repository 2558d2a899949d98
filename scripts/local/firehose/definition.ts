/**
 * A delivery stream as the template defines it ("AWS::KinesisFirehose::DeliveryStream", CloudFormation User Guide), in
 * the terms the local delivery follows: a Kinesis data stream of the template as source, an S3 bucket of the template
 * as destination with its prefixes and buffering hints ("Configure buffering hints"), a Lambda processor, dynamic
 * partitioning with keys from that function, and record format conversion to Parquet with a Glue table of the template.
 *
 * Fails closed: a property the stand-in does not follow (another source or destination, a second processor, jq keys,
 * ORC, a backup copy, compression of the objects, a time zone) stops the stack with its name, rather than deliver
 * something else than AWS would. Settings that change nothing the stack can observe (roles, CloudWatch logging,
 * encryption with S3's keys, the retry window for S3 writes) are read past.
 */
import { withConditions } from '../cloudformation/conditions';
import { functionKeyOf, functionName, getAttOf, lambdaArn, refOf } from '../common/intrinsics';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../ports';
import { resourcesOfType, type ServiceConfig } from '../service-config';
import { columnType, type Schema } from './conversion';
import { defaultErrorPrefix, defaultPrefix, parsePrefix, type Prefix } from './prefix';

const MB = 1024 * 1024;

export interface Processor {
  functionKey: string;
  functionName: string;
  functionArn: string;
  /** The processing buffer: source data gathered for one invocation. */
  bufferBytes: number;
  intervalMs: number;
  retries: number;
}

export interface Conversion {
  schema: Schema;
  compression: 'snappy' | 'gzip' | 'uncompressed';
  /** dataCatalogTable of a format-conversion error document. */
  table: { catalogId: string; databaseName: string; tableName: string; region: string; versionId: string; catalogArn: string };
}

export interface DeliveryStreamDefinition {
  logicalId: string;
  name: string;
  arn: string;
  /** The source stream and the destination bucket, by logical id. */
  sourceStream: string;
  bucket: string;
  prefix: Prefix;
  errorPrefix: Prefix;
  buffering: { sizeBytes: number; intervalMs: number };
  dynamicPartitioning: boolean;
  processor?: Processor;
  conversion?: Conversion;
  /** Appended to every delivered object's name; error objects get none. */
  fileExtension: string;
}

type Props = Record<string, unknown>;

const isObject = (value: unknown): value is Props => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Refuses properties outside `allowed` (read and followed) and `ignored` (read past: no effect locally). */
function only(props: Props, where: string, allowed: readonly string[], ignored: readonly string[] = []): void {
  const unknown = Object.keys(props).filter((key) => !allowed.includes(key) && !ignored.includes(key));
  if (unknown.length > 0) throw new Error(`${where}: the local Firehose does not follow ${unknown.join(', ')}`);
}

function numberIn(value: unknown, where: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number < min || number > max) throw new Error(`${where} must be ${min} to ${max}, is ${JSON.stringify(value)}`);
  return number;
}

/** The logical id of the resource of `type` that `!GetAtt <Id>.Arn` names. */
function arnTarget(config: ServiceConfig, value: unknown, type: string, where: string): string {
  const target = getAttOf(value);
  const resource = target ? config.resources.Resources[target.logicalId] : undefined;
  if (target?.attribute !== 'Arn' || resource?.Type !== type) throw new Error(`${where}: only !GetAtt <${type} of the template>.Arn is followed locally`);
  return target.logicalId;
}

function readProcessor(config: ServiceConfig, processing: unknown, where: string): Processor | undefined {
  if (processing === undefined) return undefined;
  if (!isObject(processing)) throw new Error(`${where}: malformed ProcessingConfiguration`);
  only(processing, where, ['Enabled', 'Processors']);
  if (processing.Enabled !== true && processing.Enabled !== 'true') return undefined;
  const processors = Array.isArray(processing.Processors) ? (processing.Processors as unknown[]) : [];
  if (processors.length !== 1 || !isObject(processors[0]) || processors[0].Type !== 'Lambda') {
    throw new Error(`${where}: the local Firehose follows exactly one processor, of Type Lambda`);
  }
  const parameters = new Map<string, unknown>();
  for (const parameter of (processors[0].Parameters as unknown[] | undefined) ?? []) {
    const { ParameterName, ParameterValue } = (parameter ?? {}) as Props;
    parameters.set(String(ParameterName), ParameterValue);
  }
  const unknown = [...parameters.keys()].filter((name) => !['LambdaArn', 'BufferSizeInMBs', 'BufferIntervalInSeconds', 'NumberOfRetries', 'RoleArn'].includes(name));
  if (unknown.length > 0) throw new Error(`${where}: the local Firehose does not follow the processor parameter(s) ${unknown.join(', ')}`);
  const functionKey = functionKeyOf(config, parameters.get('LambdaArn'));
  if (!functionKey) throw new Error(`${where}: LambdaArn must be !GetAtt <a function of serverless.yml>.Arn`);
  const name = functionName(config, functionKey);
  // Defaults and ranges of "Transform source data in Amazon Data Firehose": 1 MB (0.2–3), 60 s (0–900), 3 retries (0–300).
  return {
    functionKey,
    functionName: name,
    functionArn: lambdaArn(name),
    bufferBytes: Math.round(numberIn(parameters.get('BufferSizeInMBs'), `${where} BufferSizeInMBs`, 0.2, 3, 1) * MB),
    intervalMs: numberIn(parameters.get('BufferIntervalInSeconds'), `${where} BufferIntervalInSeconds`, 0, 900, 60) * 1000,
    retries: Math.floor(numberIn(parameters.get('NumberOfRetries'), `${where} NumberOfRetries`, 0, 300, 3)),
  };
}

/** The Glue table of SchemaConfiguration (Refs to a database and a table of the template) and its columns. */
function readConversion(config: ServiceConfig, conversion: unknown, where: string): Conversion | undefined {
  if (conversion === undefined) return undefined;
  if (!isObject(conversion)) throw new Error(`${where}: malformed DataFormatConversionConfiguration`);
  only(conversion, where, ['Enabled', 'InputFormatConfiguration', 'OutputFormatConfiguration', 'SchemaConfiguration']);
  if (conversion.Enabled === false || conversion.Enabled === 'false') return undefined;
  const deserializer = (conversion.InputFormatConfiguration as Props | undefined)?.Deserializer as Props | undefined;
  const hive = deserializer?.HiveJsonSerDe;
  if (!isObject(deserializer) || Object.keys(deserializer).join() !== 'HiveJsonSerDe' || !isObject(hive)) {
    throw new Error(`${where}: the local Firehose follows the HiveJsonSerDe deserializer only`);
  }
  only(hive, `${where} HiveJsonSerDe`, ['TimestampFormats']);
  const formats = (hive.TimestampFormats as unknown[] | undefined) ?? [];
  if (formats.some((format) => format !== 'millis')) throw new Error(`${where}: of TimestampFormats the local Firehose follows "millis" only`);
  const serializer = (conversion.OutputFormatConfiguration as Props | undefined)?.Serializer as Props | undefined;
  const parquet = serializer?.ParquetSerDe;
  if (!isObject(serializer) || Object.keys(serializer).join() !== 'ParquetSerDe' || !isObject(parquet)) {
    throw new Error(`${where}: the local Firehose writes Parquet (ParquetSerDe) only`);
  }
  // Block and page sizes, padding, the writer version shape the file, not what it holds.
  only(parquet, `${where} ParquetSerDe`, ['Compression'], ['BlockSizeBytes', 'PageSizeBytes', 'EnableDictionaryCompression', 'MaxPaddingBytes', 'WriterVersion']);
  const compression = (typeof parquet.Compression === 'string' ? parquet.Compression : 'SNAPPY').toLowerCase();
  if (compression !== 'snappy' && compression !== 'gzip' && compression !== 'uncompressed') throw new Error(`${where}: unknown Parquet compression ${compression}`);

  const schemaConfig = conversion.SchemaConfiguration;
  if (!isObject(schemaConfig)) throw new Error(`${where}: SchemaConfiguration is required`);
  only(schemaConfig, `${where} SchemaConfiguration`, ['DatabaseName', 'TableName', 'VersionId'], ['CatalogId', 'Region', 'RoleARN']);
  const databaseId = refOf(schemaConfig.DatabaseName);
  const tableId = refOf(schemaConfig.TableName);
  const database = databaseId ? config.resources.Resources[databaseId] : undefined;
  const table = tableId ? config.resources.Resources[tableId] : undefined;
  if (database?.Type !== 'AWS::Glue::Database' || table?.Type !== 'AWS::Glue::Table' || refOf(table.Properties?.DatabaseName) !== databaseId) {
    throw new Error(`${where}: SchemaConfiguration must name (Ref) a Glue database and a table of it in the template`);
  }
  if ((schemaConfig.VersionId ?? 'LATEST') !== 'LATEST') throw new Error(`${where}: the local Firehose reads the LATEST table version only`);
  const declaredName = (database.Properties?.DatabaseInput as Props | undefined)?.Name;
  const databaseName = typeof declaredName === 'string' ? declaredName : '';
  const tableInput = (table.Properties?.TableInput ?? {}) as Props;
  const columns = ((tableInput.StorageDescriptor as Props | undefined)?.Columns ?? []) as { Name?: unknown; Type?: unknown }[];
  if (databaseName === '' || typeof tableInput.Name !== 'string' || columns.length === 0) {
    throw new Error(`${where}: the Glue table needs a database name, a table name and columns`);
  }
  return {
    schema: {
      columns: columns.map((column) => ({ name: String(column.Name), type: columnType(String(column.Type), `${where} column ${String(column.Name)}`) })),
      epochMillis: formats.includes('millis'),
    },
    compression,
    table: {
      catalogId: LOCAL_ACCOUNT_ID,
      databaseName,
      tableName: tableInput.Name,
      region: LOCAL_REGION,
      versionId: 'LATEST',
      catalogArn: `arn:aws:glue:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:catalog`,
    },
  };
}

/** Every delivery stream of the template, or an error naming what the local stack cannot follow. */
export function deliveryStreams(config: ServiceConfig): DeliveryStreamDefinition[] {
  return resourcesOfType(config, 'AWS::KinesisFirehose::DeliveryStream').map(([logicalId, resource]) => {
    const where = logicalId;
    if ((resource as { Condition?: unknown }).Condition !== undefined) throw new Error(`${where}: a conditional delivery stream is not followed locally`);
    const props = withConditions(config, resource.Properties ?? {}, where) as Props;
    only(props, where, ['DeliveryStreamName', 'DeliveryStreamType', 'KinesisStreamSourceConfiguration', 'ExtendedS3DestinationConfiguration'], ['Tags']);
    if (props.DeliveryStreamType !== 'KinesisStreamAsSource') throw new Error(`${where}: the local Firehose reads a Kinesis data stream (KinesisStreamAsSource) only`);
    if (typeof props.DeliveryStreamName !== 'string') throw new Error(`${where}: DeliveryStreamName is required locally`);
    const name = props.DeliveryStreamName;
    const source = props.KinesisStreamSourceConfiguration;
    if (!isObject(source)) throw new Error(`${where}: KinesisStreamSourceConfiguration is required`);
    only(source, `${where} KinesisStreamSourceConfiguration`, ['KinesisStreamARN'], ['RoleARN']);
    const sourceStream = arnTarget(config, source.KinesisStreamARN, 'AWS::Kinesis::Stream', `${where} KinesisStreamARN`);

    const s3 = props.ExtendedS3DestinationConfiguration;
    if (!isObject(s3)) throw new Error(`${where}: the local Firehose delivers to S3 (ExtendedS3DestinationConfiguration) only`);
    only(
      s3,
      `${where} ExtendedS3DestinationConfiguration`,
      ['BucketARN', 'Prefix', 'ErrorOutputPrefix', 'BufferingHints', 'CompressionFormat', 'DynamicPartitioningConfiguration', 'ProcessingConfiguration', 'DataFormatConversionConfiguration', 'S3BackupMode', 'FileExtension', 'CustomTimeZone'],
      ['RoleARN', 'CloudWatchLoggingOptions', 'EncryptionConfiguration'],
    );
    const bucket = arnTarget(config, s3.BucketARN, 'AWS::S3::Bucket', `${where} BucketARN`);
    if ((s3.CompressionFormat ?? 'UNCOMPRESSED') !== 'UNCOMPRESSED') throw new Error(`${where}: the local Firehose writes UNCOMPRESSED objects only`);
    if ((s3.S3BackupMode ?? 'Disabled') !== 'Disabled') throw new Error(`${where}: the local Firehose keeps no source record backup (S3BackupMode)`);
    if ((s3.CustomTimeZone ?? 'UTC') !== 'UTC') throw new Error(`${where}: the local Firehose evaluates prefixes in UTC only`);
    const conversion = readConversion(config, s3.DataFormatConversionConfiguration, `${where} DataFormatConversionConfiguration`);
    // "Configure S3 object file extension format": without one, Firehose names Parquet objects `.parquet`.
    const fileExtension = s3.FileExtension ?? (conversion ? '.parquet' : '');
    if (typeof fileExtension !== 'string' || (fileExtension !== '' && !/^\.[A-Za-z0-9._-]+$/.test(fileExtension))) {
      throw new Error(`${where}: malformed FileExtension`);
    }

    const partitioning = s3.DynamicPartitioningConfiguration as Props | undefined;
    if (partitioning !== undefined) only(partitioning, `${where} DynamicPartitioningConfiguration`, ['Enabled'], ['RetryOptions']);
    const dynamicPartitioning = partitioning?.Enabled === true || partitioning?.Enabled === 'true';
    const processor = readProcessor(config, s3.ProcessingConfiguration, `${where} ProcessingConfiguration`);
    if (dynamicPartitioning && !processor) throw new Error(`${where}: dynamic partitioning locally takes its keys from a Lambda processor`);
    if (dynamicPartitioning && typeof s3.ErrorOutputPrefix !== 'string') throw new Error(`${where}: dynamic partitioning needs an ErrorOutputPrefix`);
    const prefix =
      typeof s3.Prefix === 'string' ? parsePrefix(s3.Prefix, 'prefix', { dynamicPartitioning, where }) : defaultPrefix(where);
    if (dynamicPartitioning && typeof s3.Prefix !== 'string') throw new Error(`${where}: dynamic partitioning needs a Prefix`);
    const errorPrefix =
      typeof s3.ErrorOutputPrefix === 'string'
        ? parsePrefix(s3.ErrorOutputPrefix, 'error-prefix', { dynamicPartitioning, where })
        : defaultErrorPrefix(where);

    // "Configure buffering hints": 1–128 MB (5 by default), 0–900 s (300 by default); dynamic partitioning 64 MB at least.
    const hints = (s3.BufferingHints ?? {}) as Props;
    only(hints, `${where} BufferingHints`, ['IntervalInSeconds', 'SizeInMBs']);
    const sizeMb = numberIn(hints.SizeInMBs, `${where} SizeInMBs`, dynamicPartitioning ? 64 : 1, 128, dynamicPartitioning ? 64 : 5);
    const intervalSeconds = numberIn(hints.IntervalInSeconds, `${where} IntervalInSeconds`, 0, 900, 300);

    return {
      logicalId,
      name,
      arn: `arn:aws:firehose:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:deliverystream/${name}`,
      sourceStream,
      bucket,
      prefix,
      errorPrefix,
      buffering: { sizeBytes: sizeMb * MB, intervalMs: intervalSeconds * 1000 },
      dynamicPartitioning,
      ...(processor ? { processor } : {}),
      ...(conversion ? { conversion } : {}),
      fileExtension,
    };
  });
}
