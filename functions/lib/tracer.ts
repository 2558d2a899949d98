import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The one Tracer (README "Operations", Traces), apart from lib/observability.ts so that a module that only builds a
 * client (clients/*, also imported by scripts) needs none of the functions' configuration. Service name from
 * POWERTOOLS_SERVICE_NAME. Powertools turns it off where AWS_EXECUTION_ENV is unset (Tracer, "Auto-disable when not
 * running in AWS Lambda environment") or POWERTOOLS_TRACE_ENABLED is false, as the local stack sets it (no X-Ray
 * daemon there); off, its calls are no-ops and captureAWSv3Client returns the client as it is.
 */
export const tracer = new Tracer();

/**
 * Records an error on the current subsegment (the handler's, lib/observability.ts): the trace is marked faulty and
 * holds the exception. Also for an error the handler answers itself (a 500 from lib/http.ts), not only a thrown one.
 */
export function traceError(error: unknown): void {
  tracer.addErrorAsMetadata(error instanceof Error ? error : new Error(String(error)));
}
