import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from './logger';

/** The body of every error answer: `{ "error": { "code": "...", "message": "..." } }`. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** A failure the caller can act on. Anything else becomes a 500 with a fixed message. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = 'bad_request'): HttpError => new HttpError(400, code, message);
export const unauthorized = (message = 'Authentication required'): HttpError =>
  new HttpError(401, 'unauthorized', message);
export const forbidden = (message: string, code = 'forbidden'): HttpError => new HttpError(403, code, message);
export const notFound = (message: string, code = 'not_found'): HttpError => new HttpError(404, code, message);
export const payloadTooLarge = (message: string): HttpError => new HttpError(413, 'payload_too_large', message);
export const unsupportedMediaType = (message: string): HttpError =>
  new HttpError(415, 'unsupported_media_type', message);

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Maps any thrown value to a response. Known errors keep their status; the rest are logged and hidden. */
export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof HttpError) {
    if (error.statusCode >= 500) logger.error('request failed', { error });
    else logger.info('request refused', { statusCode: error.statusCode, code: error.code });
    return json(error.statusCode, errorBody(error.code, error.message), error.headers);
  }
  logger.error('unhandled error', { error: error as Error });
  return json(500, errorBody('internal_error', 'Internal server error'));
}

/** Parses a JSON request body; malformed or oversized bodies are the caller's error, not ours. */
export function parseJsonBody(
  body: string | undefined,
  isBase64Encoded: boolean | undefined,
  maxBytes = 16 * 1024,
): unknown {
  if (body === undefined || body === '') throw badRequest('Request body is required', 'body_required');
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  if (Buffer.byteLength(text, 'utf8') > maxBytes) throw payloadTooLarge(`Request body exceeds ${maxBytes} bytes`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('Request body is not valid JSON', 'invalid_json');
  }
}
