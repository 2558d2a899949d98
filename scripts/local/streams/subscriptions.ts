/**
 * A DynamoDB stream event source mapping as serverless.yml declares it (the framework's `stream` event), with AWS's
 * defaults where the event leaves a value out ("CreateEventSourceMapping", AWS Lambda API Reference).
 */
import type { ServiceConfig } from '../service-config';
import { getAttOf, onFailureQueueOf } from '../common/intrinsics';
import { assertSupportedPattern, type FilterPattern } from './filters';

export interface StreamSubscription {
  functionKey: string;
  tableLogicalId: string;
  batchSize: number;
  batchWindowMs: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  filterPatterns: FilterPattern[];
  reportBatchItemFailures: boolean;
  bisectBatchOnFunctionError: boolean;
  /** -1: until the record expires, as on AWS. */
  maximumRetryAttempts: number;
  /** -1: no limit. */
  maximumRecordAgeSeconds: number;
  /** Logical id of the on-failure queue. */
  onFailureQueue?: string;
}


/** Every `stream` event of type dynamodb in the config, with AWS's defaults where the event leaves a value out. */
export function streamSubscriptions(config: ServiceConfig): StreamSubscription[] {
  const found: StreamSubscription[] = [];
  for (const [functionKey, fn] of Object.entries(config.functions)) {
    for (const event of fn.events ?? []) {
      const stream = (event as { stream?: Record<string, unknown> }).stream;
      if (!stream || stream.type !== 'dynamodb' || stream.enabled === false) continue;
      const streamArn = getAttOf(stream.arn);
      if (streamArn?.attribute !== 'StreamArn') throw new Error(`${functionKey}: the stream arn must be !GetAtt <Table>.StreamArn to run locally`);
      const tableLogicalId = streamArn.logicalId;
      const destinations = stream.destinations as { onFailure?: unknown } | undefined;
      const onFailureQueue = onFailureQueueOf(destinations?.onFailure, `${functionKey}: stream destinations.onFailure`);
      const patterns = (stream.filterPatterns ?? []) as FilterPattern[];
      patterns.forEach(assertSupportedPattern);
      found.push({
        functionKey,
        tableLogicalId,
        batchSize: Number(stream.batchSize ?? 100),
        batchWindowMs: Number(stream.batchWindow ?? 0) * 1000,
        startingPosition: stream.startingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
        filterPatterns: patterns,
        reportBatchItemFailures: stream.functionResponseType === 'ReportBatchItemFailures',
        bisectBatchOnFunctionError: stream.bisectBatchOnFunctionError === true,
        maximumRetryAttempts: Number(stream.maximumRetryAttempts ?? -1),
        maximumRecordAgeSeconds: Number(stream.maximumRecordAgeInSeconds ?? -1),
        ...(onFailureQueue === undefined ? {} : { onFailureQueue }),
      });
    }
  }
  return found;
}
