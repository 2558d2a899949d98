import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../lib/logger';
import { MalformedEventError, recordThumbnailsEvent, type RecordDeps } from './photos';

/**
 * ThumbnailsEventsQueue → PhotosTable, with partial batch responses (Powertools batch, ReportBatchItemFailures on
 * the event source): a record that fails comes back alone after the queue's visibility timeout, and the others of
 * its batch are deleted.
 *
 * - Recorded, already recorded (redelivery, or a lower-precedence event after a higher one), no such photo, or an
 *   event that names no photo: the record succeeds. Nothing could change by retrying it.
 * - A DynamoDB error (throttling, an outage): the record fails and is retried by SQS.
 * - A malformed message: the record fails too, and after the queue's maxReceiveCount (5) SQS moves it, unchanged, to
 *   ThumbnailsEventsDeadLetterQueue, from where it can be redriven once the cause is fixed. The reason is logged at
 *   each receive, with the receive count.
 */
export function photosBatchHandler(deps: RecordDeps): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);

  const recordHandler = async (record: SQSRecord): Promise<string> => {
    const receives = Number(record.attributes.ApproximateReceiveCount);
    let result;
    try {
      result = await recordThumbnailsEvent(record.body, deps);
    } catch (error) {
      if (error instanceof MalformedEventError) {
        logger.error('malformed thumbnails event; the queue dead-letters it after its retries', { messageId: record.messageId, receives, reason: error.message });
      } else {
        logger.warn('photo not recorded, to be retried', { messageId: record.messageId, receives, error });
      }
      throw error;
    }
    const { event, outcome } = result;
    // Records run in parallel: the photo goes on the line itself, not as a logger-wide key.
    if (event.kind === 'no-photo') {
      logger.warn('event names no photo; acknowledged', { messageId: record.messageId, key: event.key, why: event.why });
      return 'no-photo';
    }
    const { owner, photoId } = event.photo;
    const status = event.result.status;
    if (outcome?.kind === 'unknown') {
      logger.warn('no such photo (deleted, expired, or not made by POST /uploads); acknowledged', { owner, photoId, status });
    } else if (outcome?.kind === 'kept') {
      logger.info('photo already has its result; event changes nothing', { owner, photoId, status, current: outcome.status });
    } else {
      logger.info('photo recorded', { owner, photoId, status, ...(event.result.status === 'failed' ? { reason: event.result.reason } : {}) });
    }
    return outcome?.kind ?? 'recorded';
  };

  return async (event, context) => {
    // A batch whose every record failed is answered record by record, not thrown, as the other consumers do.
    const response = await processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
    if (response.batchItemFailures.length > 0) {
      logger.warn('records failed, back after the visibility timeout', { failed: response.batchItemFailures.length, of: event.Records.length });
    }
    return response;
  };
}
