/**
 * `npm run metrics` (scripts/metrics.ts): the local stack's totals read from its metrics endpoint (index.ts), printed
 * as `npm start` prints them on Ctrl-C; any other stage is answered with the name of its dashboard.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { localPorts, localUrl } from '../ports';
import { isStageName, loadServiceConfig } from '../service-config';
import { METRICS_PATH } from './index';
import { renderSummary, type MetricsSnapshot } from './totals';

const USAGE = 'Usage: npm run metrics -- --stage local [--json]';

export class MetricsUnavailable extends Error {
  override readonly name = 'MetricsUnavailable';
}

const isSnapshot = (value: unknown): value is MetricsSnapshot =>
  typeof value === 'object' && value !== null && (value as MetricsSnapshot).stage === 'local' &&
  typeof (value as MetricsSnapshot).since === 'string' && typeof (value as MetricsSnapshot).flows === 'object';

/** The totals of the local stack whose metrics endpoint listens on `port`; MetricsUnavailable when none answers. */
export function readLocalMetrics(port: number, timeoutMs = 5_000): Promise<MetricsSnapshot> {
  const url = `${localUrl(port)}${METRICS_PATH}`;
  const offset = port - localPorts(0).metrics;
  const notRunning = `The local stack is not running (nothing answers at ${url}${offset === 0 ? '' : `, LOCAL_PORT_OFFSET=${offset}`}): start it with \`npm start\`; totals count from its start.`;
  // node:http, not fetch: fetch refuses some ports an offset can give (processes.ts httpOk).
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = undefined;
        }
        if (res.statusCode === 200 && isSnapshot(body)) resolve(body);
        else reject(new MetricsUnavailable(`${url} answered, but not with the local stack's metric totals (HTTP ${res.statusCode}): is another program on port ${port}?`));
      });
      res.on('error', () => reject(new MetricsUnavailable(notRunning)));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(new MetricsUnavailable(error.code === 'ECONNREFUSED' ? notRunning : `${url} did not answer (${error.code ?? error.message})`)),
    );
  });
}

export interface CommandDeps {
  /** The metrics port of the stack to read (LOCAL_PORT_OFFSET). */
  port: () => number;
  /** The service name of serverless.yml, which names another stage's dashboard. */
  serviceOf: (stage: string) => Promise<string>;
}

const defaults: CommandDeps = {
  port: () => localPorts().metrics,
  serviceOf: async (stage) => (await loadServiceConfig(stage)).service,
};

/** What `npm run metrics` prints for `args`; MetricsUnavailable (exit 1) when there is nothing to show. */
export async function metricsCommand(args: string[], deps: CommandDeps = defaults): Promise<string> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { stage: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    throw new MetricsUnavailable(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  if (values.help) return USAGE;
  if (!values.stage || !isStageName(values.stage)) throw new MetricsUnavailable(USAGE);
  if (values.stage !== 'local') {
    const service = await deps.serviceOf(values.stage);
    throw new MetricsUnavailable(
      `Stage ${values.stage} is not local: its metrics are in CloudWatch (namespace ${service}); open the dashboard ${service}-${values.stage} in the CloudWatch console.`,
    );
  }
  const snapshot = await readLocalMetrics(deps.port());
  return values.json ? JSON.stringify(snapshot, null, 2) : renderSummary(snapshot);
}

