// What API Gateway makes of a Lambda integration's result on an HTTP API route, payload format 2.0 ("Create AWS Lambda
// proxy integrations for HTTP APIs", API Gateway Developer Guide; "Troubleshooting issues with HTTP API Lambda
// integrations"): the response it accepts, and its 500 for a function error or a response it does not accept.
// lambda-worker.cjs decides with these, where the function's result is still a value.
'use strict';

const INTERNAL_SERVER_ERROR = Object.freeze({
  statusCode: 500,
  headers: { 'content-type': 'application/json' },
  body: '{"message":"Internal Server Error"}',
  isBase64Encoded: false,
});

/** An event API Gateway sends an HTTP API route's integration with payload format 2.0. */
function isHttpApiEvent(event) {
  return (
    event !== null &&
    typeof event === 'object' &&
    event.version === '2.0' &&
    typeof event.routeKey === 'string' &&
    typeof event.requestContext?.http === 'object'
  );
}

const isPlainObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Why API Gateway would not accept `result` as a payload-2.0 response, or undefined when it would. A result without
 * `statusCode` is a body: API Gateway answers it as 200 application/json ("Create AWS Lambda proxy integrations for
 * HTTP APIs"); one with `statusCode` must have the fields of a response, each of its type.
 */
function responseProblem(result) {
  if (!isPlainObject(result) || result.statusCode === undefined) {
    try {
      JSON.stringify(result);
      return undefined;
    } catch (error) {
      return `the result is not JSON (${error.message})`;
    }
  }
  const { statusCode, headers, body, cookies, isBase64Encoded } = result;
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return 'statusCode is not an HTTP status';
  if (body !== undefined && body !== null && typeof body !== 'string') return 'body is not a string';
  if (isBase64Encoded !== undefined && typeof isBase64Encoded !== 'boolean') return 'isBase64Encoded is not a boolean';
  if (headers !== undefined && headers !== null) {
    if (!isPlainObject(headers)) return 'headers is not an object';
    const bad = Object.entries(headers).find(([, value]) => !['string', 'number', 'boolean'].includes(typeof value));
    if (bad) return `header ${bad[0]} is not a string`;
  }
  if (cookies !== undefined && cookies !== null) {
    if (!Array.isArray(cookies) || cookies.some((cookie) => typeof cookie !== 'string')) return 'cookies is not a list of strings';
  }
  return undefined;
}

/** What serverless-offline gets for an HTTP API event: the response API Gateway would send. */
function httpApiResponse(result) {
  // Lambda returns `null` for a handler that returns nothing; serverless-offline would throw on it.
  if (result === undefined || result === null) {
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: 'null', isBase64Encoded: false };
  }
  return result;
}

module.exports = { INTERNAL_SERVER_ERROR, httpApiResponse, isHttpApiEvent, responseProblem };
