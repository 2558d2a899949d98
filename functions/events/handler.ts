import { setTimeout as sleep } from 'node:timers/promises';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { kinesis } from '../lib/clients/kinesis';
import { errorResponse, HttpError, json, parseJsonObject } from '../lib/http';
import { logger } from '../lib/logger';
import { config } from './config';
import { ingest, parseEventBatch, type IngestDeps } from './events';
import { KinesisEventStream } from './stream';

/** 25 events of a few hundred bytes each; a bigger body is not the beacon's. */
const MAX_BODY_BYTES = 8 * 1024;

const deps: IngestDeps = {
  stream: new KinesisEventStream(kinesis(), config.streamName),
  retry: config.retry,
  sleep: (ms) => sleep(ms),
  random: Math.random,
};

/** POST /events `{ events: [...] }` (public, throttled per stage): 202, or 503 with Retry-After if the stream refused some. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    const { http, timeEpoch } = event.requestContext;
    // The time API Gateway received the request (also what a sample event replays with its client times).
    const arrival = { receivedAt: new Date(timeEpoch), sourceIp: http.sourceIp, userAgent: http.userAgent ?? '' };
    const body = parseJsonObject(event, MAX_BODY_BYTES, { textPlain: true });
    const events = parseEventBatch(body, arrival.receivedAt, config.clock);
    const result = await ingest(events, arrival, deps);
    if (result.unwritten.length > 0) {
      logger.error('events not stored', { written: result.written, unwritten: result.unwritten.length, attempts: result.attempts, errorCodes: result.errorCodes });
      throw new HttpError(503, 'events_unavailable', 'Some events could not be stored; send them again later', {
        'retry-after': String(config.retryAfterSeconds),
      });
    }
    logger.info('events stored', { count: result.written, attempts: result.attempts });
    return json(202, { status: 'accepted', count: result.written });
  } catch (error) {
    return errorResponse(error);
  }
};
