import { setTimeout as sleep } from 'node:timers/promises';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { kinesis } from '../lib/clients/kinesis';
import { errorResponse, HttpError, json, parseJsonObject, refusalCode } from '../lib/http';
import { logger } from '../lib/logger';
import { count, instrumented } from '../lib/observability';
import { config } from './config';
import { ingest, parseEventBatch, type IngestDeps } from './events';
import { KinesisEventStream } from './stream';

/** The stream did not take every event: the request is to be sent again (a 503, so not a refusal code). */
const EVENTS_UNAVAILABLE = 'events_unavailable';
/** 25 events of a few hundred bytes each; a bigger body is not the beacon's. */
const MAX_BODY_BYTES = 8 * 1024;

const deps: IngestDeps = {
  stream: new KinesisEventStream(kinesis(), config.streamName),
  retry: config.retry,
  sleep: (ms) => sleep(ms),
  random: Math.random,
};

/**
 * POST /events `{ events: [...] }` (public, throttled per stage): 202, or 503 with Retry-After if the stream refused some.
 * EventsIngested counts the events the stream took; EventsRefused counts refused requests, by error code.
 */
export const handler = instrumented('events', async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    const { http, timeEpoch } = event.requestContext;
    // The time API Gateway received the request (also what a sample event replays with its client times).
    const arrival = { receivedAt: new Date(timeEpoch), sourceIp: http.sourceIp, userAgent: http.userAgent ?? '' };
    const body = parseJsonObject(event, MAX_BODY_BYTES, { textPlain: true });
    const events = parseEventBatch(body, arrival.receivedAt, config.clock);
    const result = await ingest(events, arrival, deps);
    count('EventsIngested', result.written);
    if (result.unwritten.length > 0) {
      count('EventsRefused', EVENTS_UNAVAILABLE);
      logger.error('events not stored', { written: result.written, unwritten: result.unwritten.length, attempts: result.attempts, errorCodes: result.errorCodes });
      throw new HttpError(503, EVENTS_UNAVAILABLE, 'Some events could not be stored; send them again later', {
        'retry-after': String(config.retryAfterSeconds),
      });
    }
    logger.info('events stored', { count: result.written, attempts: result.attempts });
    return json(202, { status: 'accepted', count: result.written });
  } catch (error) {
    const refused = refusalCode(error);
    if (refused !== undefined) count('EventsRefused', refused);
    return errorResponse(error);
  }
});
