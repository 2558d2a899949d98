/**
 * The local stack's metric totals: each EMF line a function prints is counted per flow → metric (→ reason), with the
 * flows of functions/lib/flows.ts (the contract the dashboard draws too), and shown as one readable line in the log.
 * On AWS CloudWatch extracts these series from the same lines; locally there is nobody to do that, so the stack does
 * the counting it needs to answer "did the welcome mail go out?" without AWS.
 *
 * A metric of the contract counts under its own flow (a `reason` metric also per reason); Powertools' `ColdStart`
 * under the flow of the function that printed it, per function; anything else under `other`, per function — shown,
 * never dropped.
 */
import { FLOWS, type Flow, type FlowName } from '../../../functions/lib/flows';
import { parseEmf, type EmfMetric } from './emf';

/** Powertools Metrics' cold-start metric (captureColdStartMetric), one per new execution environment. */
export const COLD_START = 'ColdStart';
export const OTHER = 'other';

export interface MetricTotal {
  /** The sum of the values (a count, unless `unit` says otherwise). */
  total: number;
  /** How many values were summed. */
  samples: number;
  unit?: string;
  /** The total per reason (contract metrics with `reason`) or per function (ColdStart, `other`). */
  by: Record<string, number>;
}

export interface FlowTotals {
  title: string;
  metrics: Record<string, MetricTotal>;
}

/** What `npm start` prints on Ctrl-C and `npm run metrics` reads: the totals since the stack started. */
export interface MetricsSnapshot {
  stage: 'local';
  /** When the counting began (the stack's start), ISO 8601. */
  since: string;
  /** EMF lines counted. */
  documents: number;
  /** Flows with a count, in the order of flows.ts, then `other`. */
  flows: Record<string, FlowTotals>;
}

const FLOW_NAMES = Object.keys(FLOWS) as FlowName[];
const flow = (name: FlowName): Flow => FLOWS[name];

/** metric name → its flow and whether it carries a reason, from the contract. */
const CONTRACT = new Map(
  FLOW_NAMES.flatMap((name) => flow(name).metrics.map((metric) => [metric.name, { flow: name, reason: metric.reason === true }] as const)),
);

function flowOfFunction(functionKey: string | undefined): FlowName | undefined {
  return functionKey === undefined ? undefined : FLOW_NAMES.find((name) => flow(name).functions.includes(functionKey));
}

/** Where one metric of a line counts: its flow, and the key of its breakdown (reason or function), if any. */
function placeOf(metric: EmfMetric, functionKey: string | undefined): { flow: string; by?: string; reason?: true } {
  const contract = CONTRACT.get(metric.name);
  if (contract?.reason) return { flow: contract.flow, by: metric.dimensions.reason ?? '(no reason)', reason: true };
  if (contract) return { flow: contract.flow };
  // Powertools names the Lambda function (function_name); the local environment names the function key.
  const who = functionKey ?? metric.dimensions.function_name;
  if (metric.name === COLD_START) return { flow: flowOfFunction(functionKey) ?? OTHER, by: who };
  return { flow: OTHER, by: who };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const isCount = (unit: string | undefined) => unit === undefined || unit === 'Count' || unit === 'None';

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/\.?0+$/, '');
}

/** One metric of a line as the log shows it: `WelcomeSent 1`, `SubscriptionsRefused 1 (invalid-email)`, `Latency 12 Milliseconds`. */
function describe(metric: EmfMetric, reason: string | undefined): string {
  const value = isCount(metric.unit)
    ? formatNumber(sum(metric.values))
    : `${metric.values.map(formatNumber).join(', ')} ${metric.unit}`;
  return `${metric.name} ${value}${reason === undefined ? '' : ` (${reason})`}`;
}

export class MetricTotals {
  readonly #since: Date;
  #documents = 0;
  readonly #flows = new Map<string, Map<string, MetricTotal>>();

  constructor(since = new Date()) {
    this.#since = since;
  }

  /**
   * Counts one log line if it is an EMF document and returns the line the log should show instead (undefined: not
   * EMF, print it as it is). `functionKey` names the function that printed it, when known.
   */
  record(line: string, functionKey?: string): string | undefined {
    const metrics = parseEmf(line);
    if (!metrics) return undefined;
    this.#documents += 1;
    const parts: string[] = [];
    const flows = new Set<string>();
    for (const metric of metrics) {
      const place = placeOf(metric, functionKey);
      flows.add(place.flow);
      this.#add(place.flow, metric, place.by);
      // The log line names the function at its front: of the breakdowns only the reason is news.
      parts.push(describe(metric, place.reason ? place.by : undefined));
    }
    const owner = flowOfFunction(functionKey) ?? (flows.size === 1 ? [...flows][0] : undefined) ?? OTHER;
    const source = functionKey ?? metrics.find((metric) => metric.dimensions.function_name)?.dimensions.function_name;
    return `metrics  ${source ? `${owner}/${source}` : owner}  ${parts.join(' · ')}`;
  }

  #add(flowName: string, metric: EmfMetric, by: string | undefined): void {
    let metrics = this.#flows.get(flowName);
    if (!metrics) this.#flows.set(flowName, (metrics = new Map<string, MetricTotal>()));
    let total = metrics.get(metric.name);
    if (!total) metrics.set(metric.name, (total = { total: 0, samples: 0, unit: metric.unit, by: {} }));
    const value = sum(metric.values);
    total.total += value;
    total.samples += metric.values.length;
    if (by !== undefined) total.by[by] = (total.by[by] ?? 0) + value;
  }

  snapshot(): MetricsSnapshot {
    const flows: Record<string, FlowTotals> = {};
    for (const name of [...FLOW_NAMES, OTHER]) {
      const metrics = this.#flows.get(name);
      if (!metrics) continue;
      const order = name === OTHER ? [] : flow(name as FlowName).metrics.map((metric) => metric.name);
      const rank = (metric: string) => (order.includes(metric) ? order.indexOf(metric) : metric === COLD_START ? order.length : order.length + 1);
      const names = [...metrics.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
      flows[name] = {
        title: name === OTHER ? 'Metrics that no flow of functions/lib/flows.ts names' : flow(name as FlowName).title,
        metrics: Object.fromEntries(names.map((metric) => [metric, structuredClone(metrics.get(metric)!)])),
      };
    }
    return { stage: 'local', since: this.#since.toISOString(), documents: this.#documents, flows };
  }
}

/** The summary `npm start` prints on Ctrl-C and `npm run metrics` prints: per flow, each metric's total. */
export function renderSummary(snapshot: MetricsSnapshot, now = new Date()): string {
  const minutes = Math.max(0, Math.round((now.getTime() - Date.parse(snapshot.since)) / 60_000));
  const head = `Metrics of stage local since ${snapshot.since.slice(11, 19)} UTC (${minutes} min, ${snapshot.documents} EMF line${snapshot.documents === 1 ? '' : 's'})`;
  const flows = Object.entries(snapshot.flows);
  if (flows.length === 0) return `${head}: none yet.`;
  const width = Math.max(...flows.flatMap(([, totals]) => Object.keys(totals.metrics).map((name) => name.length)));
  const lines = [`${head}:`];
  for (const [name, totals] of flows) {
    lines.push(`  ${name} — ${totals.title}`);
    for (const [metric, total] of Object.entries(totals.metrics)) {
      const value = isCount(total.unit)
        ? formatNumber(total.total)
        : `${formatNumber(total.total / total.samples)} ${total.unit} on average of ${total.samples}`;
      const by = Object.entries(total.by)
        .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
        // A sum of milliseconds per function says little: name them only.
        .map(([key, count]) => (isCount(total.unit) ? `${key} ${formatNumber(count)}` : key));
      lines.push(`    ${metric.padEnd(width)}  ${value}${by.length > 0 ? `  (${by.join(', ')})` : ''}`);
    }
  }
  return lines.join('\n');
}
