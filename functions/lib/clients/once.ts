/**
 * SDK clients, each made once per container on first use and reused by warm invocations. Endpoints are never set in
 * these modules: the SDK reads the standard AWS_ENDPOINT_URL_<SERVICE> variables, which only the local stack sets.
 *
 * One module per service, imported only by the functions that use it: `@aws-sdk/lib-dynamodb` declares no
 * `"sideEffects": false`, so a shared module importing it would put the DynamoDB client in every bundle. Each factory
 * is also marked `@__PURE__` (esbuild "Pure annotations"), so a function that imports one of two factories of a
 * module bundles one client.
 *
 * Each client is captured by the Tracer (lib/observability.ts): on AWS every call is a subsegment of the handler's
 * trace; where tracing is off (locally, in tests) captureAWSv3Client returns the client as it is.
 */
export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
