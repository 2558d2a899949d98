/** Real Embedded Metric Format lines, as Powertools Metrics (the library the functions use) prints them. */
import { Metrics } from '@aws-lambda-powertools/metrics';

/** The lines `emit` makes Powertools print: a Metrics of the service and stage local, as the functions configure it. */
export function powertoolsLines(emit: (metrics: Metrics) => void, options: { functionName?: string } = {}): string[] {
  const printed: string[] = [];
  const initialization = process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
  const disabled = process.env.POWERTOOLS_METRICS_DISABLED;
  // Powertools counts a cold start only in an environment Lambda started on demand (commons Utility).
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
  // test/setup-env.ts turns metrics off for every other test; these lines are the point here.
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  // Powertools writes with a Console of its own on process.stdout, made in its constructor: catch it there.
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(...String(chunk).split('\n').filter((line) => line.length > 0));
    return true;
  });
  try {
    const metrics = new Metrics({
      namespace: 'serverless-blog',
      serviceName: 'serverless-blog',
      defaultDimensions: { stage: 'local' },
      functionName: options.functionName,
    });
    emit(metrics);
    metrics.publishStoredMetrics();
  } finally {
    write.mockRestore();
    if (initialization === undefined) delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    else process.env.AWS_LAMBDA_INITIALIZATION_TYPE = initialization;
    if (disabled === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = disabled;
  }
  return printed;
}
