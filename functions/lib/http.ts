import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { parse as parseContentType } from 'content-type';
import type { Claims } from './claims';
import { DomainError, QuotaExceededError, type DomainErrorName } from './errors';
import { logger } from './logger';
import { traceError } from './tracer';

/** The body of every error answer: `{ "error": { "code": "...", "message": "..." } }`. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/**
 * An answer decided by the HTTP layer itself, status included: the body guard's refusals below, or a handler's own
 * (with headers such as Retry-After). Use cases throw the DomainErrors of ./errors.ts instead.
 */
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

const badRequest = (message: string, code: string): HttpError => new HttpError(400, code, message);
const payloadTooLarge = (message: string): HttpError => new HttpError(413, 'payload_too_large', message);

/** The one place a domain error becomes a status code. */
const STATUS: Readonly<Record<DomainErrorName, number>> = {
  ValidationError: 400,
  UnauthorizedError: 401,
  ForbiddenError: 403,
  NotFoundError: 404,
  TooLargeError: 413,
  UnsupportedTypeError: 415,
  QuotaExceededError: 429,
};

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

/**
 * Maps any thrown value to a response: a domain error to its status, an HttpError as it says, and anything else to
 * a 500 with a fixed message, the details in the log only.
 */
export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof DomainError) {
    const statusCode = STATUS[error.name];
    logger.info('request refused', { statusCode, code: error.code });
    // RFC 9110 §10.2.3: the seconds after which the request may succeed.
    const headers: Record<string, string> =
      error instanceof QuotaExceededError ? { 'retry-after': String(error.retryAfterSeconds) } : {};
    return json(statusCode, errorBody(error.code, error.message), headers);
  }
  if (error instanceof HttpError) {
    if (error.statusCode >= 500) {
      logger.error('request failed', { error });
      traceError(error);
    } else {
      logger.info('request refused', { statusCode: error.statusCode, code: error.code });
    }
    return json(error.statusCode, errorBody(error.code, error.message), error.headers);
  }
  logger.error('unhandled error', { error: error as Error });
  traceError(error);
  return json(500, errorBody('internal_error', 'Internal server error'));
}

/**
 * The code of a refusal, an error errorResponse answers in the 4xx range (the caller's request broke a rule), for the
 * flows' `…Refused` metrics: a code from this code base, never the caller's input. Undefined for a fault (5xx).
 */
export function refusalCode(error: unknown): string | undefined {
  if (error instanceof DomainError) return error.code;
  if (error instanceof HttpError && error.statusCode < 500) return error.code;
  return undefined;
}

/** The claims the route's JWT authorizer verified (none on a route without one); lib/claims.ts reads them. */
export function jwtClaims(event: APIGatewayProxyEventV2WithJWTAuthorizer): Claims {
  return event.requestContext.authorizer?.jwt?.claims ?? {};
}

/** What the body guard reads of an HTTP API (payload format 2.0) event. */
export interface JsonRequest {
  headers?: Record<string, string | undefined> | null;
  /** API Gateway leaves the key out when there is no body; serverless-offline passes `null`. */
  body?: string | null;
  isBase64Encoded?: boolean;
}

/**
 * Standard, padded base64, which is what API Gateway sends. Buffer.from(…, 'base64') skips characters it does not
 * know instead of failing, so anything else is refused here rather than parsed as whatever bytes are left.
 */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** RFC 8259 §8.1: JSON between systems is UTF-8; a body that is not valid UTF-8 is not JSON. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The media types a route's body may be declared as; every route takes application/json. */
export interface BodyOptions {
  /**
   * Also take `text/plain` (still UTF-8 JSON inside): POST /events, whose caller is navigator.sendBeacon. A beacon
   * whose body is a string goes out as `text/plain;charset=UTF-8`, a CORS-safelisted type, so without a preflight. A
   * Blob typed application/json needs one, and beacons carry credentials, which a preflight answered with the API's
   * wildcard origin refuses: that beacon would never leave the browser (W3C Beacon, "sendBeacon() method"; Fetch,
   * "CORS protocol and credentials").
   */
  textPlain?: boolean;
}

/**
 * The one guard of every JSON body route: the request's body as a JSON object, or an HttpError (400, or 413 when it
 * is too large) that says which rule it broke. Rules in order: a body is there; its media type is application/json
 * (any case, parameters allowed, charset UTF-8 only; text/plain too where the route says so); it fits in maxBytes;
 * its base64 (if any) and UTF-8 are valid; it parses; and it is an object (not null, an array, a string, a number or
 * a boolean).
 *
 * Header names are lower-case in payload format 2.0, and repeated headers arrive joined with commas ("Create AWS
 * Lambda proxy integrations for HTTP APIs in API Gateway", API Gateway developer guide): a doubled Content-Type is
 * therefore no media type and is refused. A request without any Content-Type is read as JSON: the bytes must still
 * be a JSON object, and serverless-offline fills in application/json for such a request, so refusing it on AWS
 * would make the local stack answer differently. No route uses ambient credentials (cookies), so a content type
 * that a cross-site form could send is refused for clarity, not as the only CSRF defence.
 */
export function parseJsonObject(
  request: JsonRequest,
  maxBytes = 16 * 1024,
  options: BodyOptions = {},
): Record<string, unknown> {
  const { body, isBase64Encoded } = request;
  if (typeof body !== 'string' || body === '') throw badRequest('Request body is required', 'body_required');
  const contentType = request.headers?.['content-type'];
  const types = options.textPlain ? ['application/json', 'text/plain'] : ['application/json'];
  if (contentType !== undefined && !isJsonMediaType(contentType, types)) {
    throw badRequest(`Content-Type must be ${types.join(' or ')} (UTF-8)`, 'unsupported_content_type');
  }
  if (isBase64Encoded && !BASE64.test(body)) {
    throw badRequest('Request body is not valid base64', 'invalid_body_encoding');
  }
  const bytes = isBase64Encoded ? Buffer.byteLength(body, 'base64') : Buffer.byteLength(body, 'utf8');
  if (bytes > maxBytes) throw payloadTooLarge(`Request body exceeds ${maxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(isBase64Encoded ? UTF8.decode(Buffer.from(body, 'base64')) : body);
  } catch {
    throw badRequest('Request body is not valid JSON', 'invalid_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('Request body must be a JSON object', 'body_not_object');
  }
  return value as Record<string, unknown>;
}

function isJsonMediaType(header: string, types: readonly string[]): boolean {
  let parsed: ReturnType<typeof parseContentType>;
  try {
    parsed = parseContentType(header);
  } catch {
    return false; // content-type 1.x threw on a malformed header; a header it cannot read is not JSON's
  }
  const { type, parameters } = parsed;
  const charset = parameters.charset?.toLowerCase();
  return types.includes(type) && (charset === undefined || charset === 'utf-8' || charset === 'utf8');
}
