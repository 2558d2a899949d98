/**
 * The dashboard's data: each analytics report as GET /reports/{name} serves it (a JSON array of rows whose columns
 * are those of functions/reports/sql/<name>.sql), checked, then shaped into what the page draws: daily series for a
 * line chart, or a ranking for a table. No DOM here (the unit tests run in Node).
 *
 * Days: every report groups by `dt`, the UTC day the API received the event (yyyy-MM-dd). A day cannot be moved into
 * the viewer's time zone without the hours inside it, which the reports do not keep, so days stay UTC days and the
 * page says so; times (when a report was built) are shown in the viewer's own time zone.
 */
import { REPORT_NAMES, type ReportName } from '../../functions/lib/report-names';

export { REPORT_NAMES, type ReportName };

/** One value per day of the chart's `days`. */
export interface DailySeries {
  label: string;
  values: number[];
}

/** Every UTC day from the first with data to the last the report covers, gaps filled: no row means none counted. */
export interface DailyChart {
  kind: 'daily';
  days: string[];
  series: DailySeries[];
}

export interface RankedRow {
  label: string;
  /** Summed over the days of the report. */
  value: number;
  /** On how many days the row counted. */
  days: number;
}

export interface Ranking {
  kind: 'ranking';
  from: string;
  to: string;
  rows: RankedRow[];
}

export type ReportData = DailyChart | Ranking;

type ColumnType = 'day' | 'text' | 'count';

interface DailyByKey {
  /** One series per value of `key` (a post, a premium item), counting `count`. */
  kind: 'daily-by-key';
  key: string;
  count: string;
  /** What a key is, plural: the name of the series that sums the smallest ones ("3 other posts"). */
  noun: string;
}

interface DailyColumns {
  /** One series per count column. */
  kind: 'daily-columns';
  counts: { column: string; label: string }[];
}

interface RankingOf {
  kind: 'ranking';
  key: string;
  count: string;
}

export interface ReportView {
  title: string;
  description: string;
  /** What is counted, plural ("views"): for the text alternative of the chart. */
  unit: string;
  /** The report's columns as the SQL names them, each with the type the page needs. */
  columns: Readonly<Record<string, ColumnType>>;
  shape: DailyByKey | DailyColumns | RankingOf;
}

/** Every report the functions build has a view: a name added to functions/lib/report-names.ts without one fails tsc. */
export const REPORT_VIEWS: Readonly<Record<ReportName, ReportView>> = {
  'views-per-post': {
    title: 'Views per post',
    description: 'Page views of each post, per day.',
    unit: 'views',
    columns: { dt: 'day', path: 'text', views: 'count' },
    shape: { kind: 'daily-by-key', key: 'path', count: 'views', noun: 'posts' },
  },
  'unique-visitors': {
    title: 'Unique visitors',
    description: 'Distinct readers per day. A reader is counted once a day and cannot be followed from one day to the next.',
    unit: 'visitors',
    columns: { dt: 'day', visitors: 'count' },
    shape: { kind: 'daily-columns', counts: [{ column: 'visitors', label: 'Visitors' }] },
  },
  'top-referrers': {
    title: 'Top referrers',
    description: 'The sites that sent readers here: views from each site on the days it was among that day’s ten top referrers.',
    unit: 'views',
    columns: { dt: 'day', referrer_host: 'text', views: 'count' },
    shape: { kind: 'ranking', key: 'referrer_host', count: 'views' },
  },
  'premium-plays': {
    title: 'Premium plays',
    description: 'Premium photos and videos opened by members, per item and day.',
    unit: 'plays',
    columns: { dt: 'day', target: 'text', plays: 'count' },
    shape: { kind: 'daily-by-key', key: 'target', count: 'plays', noun: 'items' },
  },
  uploads: {
    title: 'Uploads',
    description: 'Photos uploaded per day, and by how many readers.',
    unit: 'uploads',
    columns: { dt: 'day', uploads: 'count', uploaders: 'count' },
    shape: {
      kind: 'daily-columns',
      counts: [
        { column: 'uploads', label: 'Uploads' },
        { column: 'uploaders', label: 'Uploaders' },
      ],
    },
  },
};

/** More series than this and a chart is no longer readable: the smallest are summed into one "other" series. */
export const MAX_SERIES = 6;

/** A report whose rows are not what its SQL returns: the page shows it as an error, never as numbers. */
export class ReportFormatError extends Error {
  override readonly name = 'ReportFormatError';
}

type Row = Record<string, string | number>;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

function isDay(value: unknown): value is string {
  if (typeof value !== 'string' || !DAY.test(value)) return false;
  return new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
}

/** Checks the rows against the report's columns; throws ReportFormatError naming the first wrong value. */
export function parseRows(name: ReportName, raw: unknown): Row[] {
  const { columns } = REPORT_VIEWS[name];
  if (!Array.isArray(raw)) throw new ReportFormatError(`${name}: the report is not a list of rows`);
  return raw.map((item: unknown, index) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new ReportFormatError(`${name}: row ${index + 1} is not an object`);
    }
    const source = item as Record<string, unknown>;
    const row: Row = {};
    for (const [column, type] of Object.entries(columns)) {
      const value = source[column];
      const ok =
        type === 'day' ? isDay(value)
        : type === 'count' ? typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
        : typeof value === 'string' && value !== '';
      if (!ok) {
        const wanted = type === 'day' ? 'a day (yyyy-MM-dd)' : type === 'count' ? 'a count' : 'a text';
        throw new ReportFormatError(`${name}: row ${index + 1}: ${column} must be ${wanted}, got ${JSON.stringify(value) ?? 'nothing'}`);
      }
      row[column] = value as string | number;
    }
    return row;
  });
}

/** The UTC day of an instant, as the reports write days. */
export const utcDay = (date: Date): string => date.toISOString().slice(0, 10);

/** Every day from `first` to `last`, both included. */
export function daysFrom(first: string, last: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += DAY_MS) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

function dailySeries(rows: readonly Row[], days: readonly string[], series: { label: string; matches: (row: Row) => number | undefined }[]): DailySeries[] {
  const index = new Map(days.map((day, i) => [day, i]));
  return series.map(({ label, matches }) => {
    const values = days.map(() => 0);
    for (const row of rows) {
      const value = matches(row);
      // Each (day, key) is one row of the SQL's GROUP BY; summing keeps the total right if it were not.
      if (value !== undefined) values[index.get(row.dt as string)!]! += value;
    }
    return { label, values };
  });
}

/** Many keys: the largest MAX_SERIES - 1 by total, then the rest as one series. Ties by name, so the order is stable. */
function capSeries(series: DailySeries[], noun: string): DailySeries[] {
  const sorted = [...series].sort((a, b) => sum(b.values) - sum(a.values) || a.label.localeCompare(b.label));
  if (sorted.length <= MAX_SERIES) return sorted;
  const kept = sorted.slice(0, MAX_SERIES - 1);
  const rest = sorted.slice(MAX_SERIES - 1);
  const values = rest[0]!.values.map((_, day) => sum(rest.map((s) => s.values[day]!)));
  return [...kept, { label: `${rest.length} other ${noun}`, values }];
}

/**
 * The report's rows (as served, unchecked) → what the page draws; undefined when the report has no rows.
 * `builtAt`, when known, ends the days at the day the report was built: the days after the last row counted none.
 */
export function shapeReport(name: ReportName, raw: unknown, builtAt?: Date): ReportData | undefined {
  const rows = parseRows(name, raw);
  if (rows.length === 0) return undefined;
  const view = REPORT_VIEWS[name];
  const dts = rows.map((row) => row.dt as string).sort();
  const first = dts[0]!;
  const lastRow = dts[dts.length - 1]!;
  const built = builtAt === undefined ? undefined : utcDay(builtAt);
  const last = built !== undefined && built > lastRow ? built : lastRow;
  const { shape } = view;

  if (shape.kind === 'ranking') {
    const totals = new Map<string, RankedRow>();
    for (const row of rows) {
      const label = row[shape.key] as string;
      const entry = totals.get(label) ?? { label, value: 0, days: 0 };
      entry.value += row[shape.count] as number;
      entry.days += 1;
      totals.set(label, entry);
    }
    const ranked = [...totals.values()].sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
    return { kind: 'ranking', from: first, to: last, rows: ranked };
  }

  const days = daysFrom(first, last);
  if (shape.kind === 'daily-columns') {
    const series = dailySeries(rows, days, shape.counts.map(({ column, label }) => ({ label, matches: (row) => row[column] as number })));
    return { kind: 'daily', days, series };
  }
  const keys = [...new Set(rows.map((row) => row[shape.key] as string))];
  const series = dailySeries(
    rows,
    days,
    keys.map((key) => ({ label: key, matches: (row) => (row[shape.key] === key ? (row[shape.count] as number) : undefined) })),
  );
  return { kind: 'daily', days, series: capSeries(series, shape.noun) };
}

/**
 * The chart's text alternative, one sentence per series: what a sighted reader takes from the lines (the days shown,
 * the total, the busiest day). The full numbers are in the chart's table.
 */
export function summarize(name: ReportName, data: ReportData): string {
  const view = REPORT_VIEWS[name];
  if (data.kind === 'ranking') {
    const top = data.rows.slice(0, 3).map((row) => `${row.label} ${row.value}`);
    return `${view.title}, UTC days ${data.from} to ${data.to}: ${data.rows.length} ${data.rows.length === 1 ? 'site' : 'sites'}; most ${view.unit} from ${top.join(', ')}.`;
  }
  const range = `${view.title} per UTC day, ${data.days[0]} to ${data.days[data.days.length - 1]}.`;
  const lines = data.series.map((series) => {
    const total = sum(series.values);
    const peak = Math.max(...series.values);
    const peakDay = data.days[series.values.indexOf(peak)];
    return `${series.label}: ${total} in all, most on ${peakDay} (${peak}).`;
  });
  return [range, ...lines].join(' ');
}

/**
 * A moment in the viewer's time zone (or the one given: tests fix it), with the zone's name, e.g.
 * "2 Dec 2026, 15:04 GMT+9". Intl.DateTimeFormat with no timeZone uses the browser's own.
 */
export function formatTime(date: Date, options: { locale?: string; timeZone?: string } = {}): string {
  return new Intl.DateTimeFormat(options.locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
  }).format(date);
}
