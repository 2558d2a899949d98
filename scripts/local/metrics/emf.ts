/**
 * Reads one log line as CloudWatch Logs reads an Embedded Metric Format document ("Specification: Embedded metric
 * format", CloudWatch user guide): a JSON object whose `_aws` member holds a `Timestamp` (a number) and
 * `CloudWatchMetrics`, an array of metric directives — each a `Namespace`, `Dimensions` (an array of dimension sets,
 * each an array of member names) and `Metrics` (an array of `{Name, Unit?}`). Every metric named there must be a
 * member of the root whose value is a number or an array of numbers; every dimension named must be a member too (its
 * value a string). A line that breaks any of this is not a metric document: CloudWatch extracts nothing from it, and
 * neither does the local stack — the caller passes it on as an ordinary log line.
 *
 * One metric named by several directives (another namespace, other dimension sets) is one event here: the local
 * totals count what the function did, not the series CloudWatch files it under.
 */

/** "The embedded metric format is subject to the same limits as a CloudWatch Logs event": 1 MB per event. */
export const MAX_EMF_BYTES = 1_048_576;

/** One metric of a document: its values summed, and the dimensions it is filed under (name → value). */
export interface EmfMetric {
  name: string;
  unit?: string;
  /** The values, in order (one number is an array of one). */
  values: number[];
  dimensions: Record<string, string>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function metricValues(value: unknown): number[] | undefined {
  if (isFiniteNumber(value)) return [value];
  if (Array.isArray(value) && value.length > 0 && value.every(isFiniteNumber)) return value;
  return undefined;
}

/** The metrics of an EMF line, or undefined when the line is not an EMF document (then it is an ordinary line). */
export function parseEmf(line: string): EmfMetric[] | undefined {
  const text = line.trim();
  // Cheap refusals first: most log lines are not JSON objects, and a line over the limit is never parsed.
  if (!text.startsWith('{') || !text.includes('"_aws"') || Buffer.byteLength(text, 'utf8') > MAX_EMF_BYTES) return undefined;
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(root) || !isObject(root._aws)) return undefined;
  const { Timestamp, CloudWatchMetrics } = root._aws;
  if (!isFiniteNumber(Timestamp) || !Array.isArray(CloudWatchMetrics) || CloudWatchMetrics.length === 0) return undefined;

  const metrics = new Map<string, EmfMetric>();
  for (const directive of CloudWatchMetrics) {
    if (!isObject(directive) || typeof directive.Namespace !== 'string' || !Array.isArray(directive.Metrics)) return undefined;
    const sets = directive.Dimensions;
    if (!Array.isArray(sets) || !sets.every(isStringArray)) return undefined;
    const names = [...new Set(sets.flat())];
    const dimensions: Record<string, string> = {};
    for (const name of names) {
      const value = root[name];
      if (typeof value !== 'string') return undefined;
      dimensions[name] = value;
    }
    for (const definition of directive.Metrics) {
      if (!isObject(definition) || typeof definition.Name !== 'string' || definition.Name === '') return undefined;
      if (definition.Unit !== undefined && typeof definition.Unit !== 'string') return undefined;
      const values = metricValues(root[definition.Name]);
      if (!values) return undefined;
      const known = metrics.get(definition.Name);
      if (known) Object.assign(known.dimensions, dimensions);
      else metrics.set(definition.Name, { name: definition.Name, unit: definition.Unit, values, dimensions: { ...dimensions } });
    }
  }
  return metrics.size > 0 ? [...metrics.values()] : undefined;
}
