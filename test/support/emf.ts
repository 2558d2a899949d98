/**
 * The Embedded Metric Format lines Powertools Metrics prints on stdout, captured and read as CloudWatch would
 * ("Specification: Embedded metric format", CloudWatch user guide): each line's `_aws.CloudWatchMetrics` names the
 * namespace, the dimension set and the metrics, whose values (a number, or a list of numbers) sit at the top level.
 *
 * test/setup-env.ts turns metrics off (POWERTOOLS_METRICS_DISABLED) so that no other test prints them: call
 * `enableMetrics()` before the module that makes the Metrics instance is imported (after jest.resetModules()).
 */
export interface EmfMetric {
  namespace: string;
  name: string;
  unit: string;
  /** The sum of the line's values for this metric. */
  value: number;
  /** Each dimension of the line's dimension set, with its value. */
  dimensions: Record<string, string>;
}

interface EmfLine {
  _aws?: { CloudWatchMetrics?: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

export function enableMetrics(): void {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
}

/** Each metric of each EMF line in `output`; other lines are left out. */
export function parseEmf(output: string): EmfMetric[] {
  const metrics: EmfMetric[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    let parsed: EmfLine;
    try {
      parsed = JSON.parse(line) as EmfLine;
    } catch {
      continue;
    }
    for (const directive of parsed._aws?.CloudWatchMetrics ?? []) {
      const dimensionNames = directive.Dimensions.flat();
      const dimensions = Object.fromEntries(dimensionNames.map((name) => [name, String(parsed[name])]));
      for (const { Name, Unit } of directive.Metrics) {
        const raw = parsed[Name];
        const value = Array.isArray(raw) ? (raw as number[]).reduce((sum, v) => sum + v, 0) : Number(raw);
        metrics.push({ namespace: directive.Namespace, name: Name, unit: Unit, value, dimensions });
      }
    }
  }
  return metrics;
}

/** Captures stdout (where Powertools Metrics writes) while `act` runs; the EMF metrics it printed, also if it threw. */
export async function captureEmf<T>(act: () => Promise<T>): Promise<{ metrics: EmfMetric[]; result?: T; error?: unknown }> {
  let output = '';
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  try {
    const result = await act();
    return { metrics: parseEmf(output), result };
  } catch (error) {
    return { metrics: parseEmf(output), error };
  } finally {
    write.mockRestore();
  }
}

/** The metrics a test asserts on, without the ColdStart metric of whichever call came first. */
export const businessMetrics = (metrics: EmfMetric[]): EmfMetric[] => metrics.filter((metric) => metric.name !== 'ColdStart');
