/**
 * The SQS event Lambda gives a function, and how Lambda reads its answer ("Using Lambda with Amazon SQS", example
 * standard queue message event; "Handling errors for an SQS event source in Lambda", Implementing partial batch
 * responses, Lambda developer guide).
 */
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { LOCAL_REGION } from '../ports';
import type { Invocation } from '../common/invoke';

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** SQS API attribute values (DataType, StringValue, BinaryValue…) as the event spells them (dataType, stringValue…). */
function eventAttributes(attributes: Record<string, MessageAttributeValue> | undefined): SQSMessageAttributes {
  const converted: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    converted[name] = {
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { binaryValue: base64(value.BinaryValue) }),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map(base64),
      dataType: value.DataType ?? 'String',
    };
  }
  return converted;
}

/** One received message as a record of the event. */
export function sqsRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? '',
      SenderId: attributes.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? '',
      ...(attributes.MessageGroupId === undefined ? {} : { MessageGroupId: attributes.MessageGroupId }),
      ...(attributes.MessageDeduplicationId === undefined ? {} : { MessageDeduplicationId: attributes.MessageDeduplicationId }),
      ...(attributes.SequenceNumber === undefined ? {} : { SequenceNumber: attributes.SequenceNumber }),
    },
    messageAttributes: eventAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes === undefined ? {} : { md5OfMessageAttributes: message.MD5OfMessageAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}

/** What became of a batch: the message ids that failed (to come back after the visibility timeout), and why. */
export interface BatchOutcome {
  failed: Set<string>;
  reason?: string;
}

/**
 * A function error fails the whole batch. With ReportBatchItemFailures, the listed messages fail and the rest
 * succeeded; "Lambda treats a batch as a complete success if your function returns an empty batchItemFailures list,
 * a null batchItemFailures list, an empty EventResponse, a null EventResponse", and "as a complete failure" for an
 * invalid JSON response, an empty or null itemIdentifier, an itemIdentifier with a bad key name, or one naming a
 * message that is not in the batch. Without ReportBatchItemFailures, whatever the function returns is success.
 */
export function batchOutcome(result: Invocation, messageIds: readonly string[], reportBatchItemFailures: boolean): BatchOutcome {
  const all = (reason: string): BatchOutcome => ({ failed: new Set(messageIds), reason });
  if ('functionError' in result) return all(`function error: ${result.functionError.slice(0, 500)}`);
  if (!reportBatchItemFailures || result.payload.trim() === '') return { failed: new Set() };
  let response: unknown;
  try {
    response = JSON.parse(result.payload);
  } catch {
    return all('the response is not JSON');
  }
  const failures = typeof response === 'object' && response !== null ? (response as { batchItemFailures?: unknown }).batchItemFailures : undefined;
  if (failures === undefined || failures === null) return { failed: new Set() };
  if (!Array.isArray(failures)) return all('batchItemFailures is not a list');
  const failed = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id = typeof failure === 'object' && failure !== null ? (failure as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '') return all(`invalid itemIdentifier in ${JSON.stringify(failure)}`);
    if (!messageIds.includes(id)) return all(`itemIdentifier ${id} is not a message of the batch`);
    failed.add(id);
  }
  return { failed };
}
