/**
 * Metrics, locally: on AWS CloudWatch Logs extracts the metrics of each Embedded Metric Format line a function prints
 * ("Specification: Embedded metric format", CloudWatch user guide) and the stage's dashboard shows them. Here the
 * functions' output reaches the stack through serverless-offline's standard output (lambda/): each EMF line is
 * counted per flow (totals.ts) and shown in logs/offline.log as one readable line instead of the JSON. `npm start`
 * prints the totals on Ctrl-C; `GET <url>/metrics` answers them as JSON at any time, which `npm run metrics -- --stage
 * local` (scripts/metrics.ts) prints.
 */
import http from 'node:http';
import { listen } from '../common/http-server';
import { localPorts } from '../ports';
import type { StandIn } from '../stand-in';
import { MAX_EMF_BYTES } from './emf';
import { MetricTotals } from './totals';

/**
 * lambda/lambda-worker.cjs puts `(λ: <function key>) ` before each line of a function's output that may be EMF: on
 * AWS the log group names the function, here every function shares serverless-offline's output.
 */
const FROM_FUNCTION = /^\(λ: ([A-Za-z0-9_-]+)\) (.*)$/s;

/** The log's line for one line of serverless-offline's output: an EMF line rendered (and counted), any other as it is. */
export function offlineLine(totals: MetricTotals, line: string): string {
  const tagged = FROM_FUNCTION.exec(line);
  return (tagged ? totals.record(tagged[2]!, tagged[1]) : totals.record(line)) ?? line;
}

export const METRICS_PATH = '/metrics';

export function metricsEndpoint(totals: MetricTotals): http.RequestListener {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    const [status, body] =
      path !== METRICS_PATH
        ? [404, { error: { code: 'not_found', message: `GET ${METRICS_PATH}` } }]
        : req.method !== 'GET'
          ? [405, { error: { code: 'method_not_allowed', message: `GET ${METRICS_PATH}` } }]
          : [200, totals.snapshot()];
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

export const metrics: StandIn<{ totals: MetricTotals; mapOfflineLines: { map: (line: string) => string; maxLineBytes: number } }> = {
  name: 'metrics',
  row: { label: 'Metrics', rank: 11 },
  async start(ctx) {
    const totals = new MetricTotals();
    const endpoint = await listen(http.createServer(metricsEndpoint(totals)), ctx.host, ctx.ports.metrics);
    const offset = ctx.ports.metrics - localPorts(0).metrics;
    return {
      url: endpoint.url,
      note: `(totals per flow: ${offset === 0 ? '' : `LOCAL_PORT_OFFSET=${offset} `}npm run metrics -- --stage local)`,
      // One byte over the EMF limit is still read whole, so that a line of exactly the limit is parsed (emf.ts).
      provides: { totals, mapOfflineLines: { map: (line) => offlineLine(totals, line), maxLineBytes: MAX_EMF_BYTES + 1 } },
      stop: () => endpoint.close(),
    };
  },
};
