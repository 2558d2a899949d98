/**
 * The dashboard's report sections: one per report, each in one of the states loading → ready (a chart or a table, or
 * "no data yet") | not built yet | error. The chart library is behind `ChartDrawer` (charts.ts draws with uPlot), so
 * this module renders in any DOM: the unit tests use jsdom.
 */
import type { FetchedReport } from './api';
import { ApiError, describeApiError } from './messages';
import { formatTime, REPORT_VIEWS, ReportFormatError, shapeReport, summarize, type DailyChart, type Ranking, type ReportData, type ReportName } from './reports';
import { element } from './element';

export type ReportState =
  | { status: 'loading' }
  | { status: 'not-built' }
  | { status: 'error'; message: string }
  /** `data` undefined: the report was built and has no rows. */
  | { status: 'ready'; data: ReportData | undefined; builtAt?: Date };

/** What stops the whole page rather than one section: the API's own answer on who may read reports. */
export type Refusal = 'signed-out' | 'not-admin';

/** Draws a daily chart into the container; returns what removes it again (listeners, observers). */
export type ChartDrawer = (container: HTMLElement, chart: DailyChart, name: ReportName) => () => void;

export interface ViewOptions {
  drawChart: ChartDrawer;
  /** The viewer's, unless given (tests fix them). */
  locale?: string;
  timeZone?: string;
}

/** A ranking longer than this shows its top rows and says how many more there are. */
export const MAX_RANKED_ROWS = 20;

/** The answer for one report → its section's state, or the refusal that stops the page. */
export function reportState(name: ReportName, outcome: PromiseSettledResult<FetchedReport>): ReportState | Refusal {
  if (outcome.status === 'fulfilled') {
    try {
      return { status: 'ready', data: shapeReport(name, outcome.value.rows, outcome.value.builtAt), ...(outcome.value.builtAt ? { builtAt: outcome.value.builtAt } : {}) };
    } catch (error) {
      if (error instanceof ReportFormatError) return { status: 'error', message: `This report could not be read. ${error.message}` };
      throw error;
    }
  }
  const error: unknown = outcome.reason;
  if (!(error instanceof ApiError)) return { status: 'error', message: String(error) };
  if (error.status === 401) return 'signed-out';
  if (error.status === 403 && error.code === 'not_admin') return 'not-admin';
  if (error.status === 404 && error.code === 'report_not_built') return { status: 'not-built' };
  return { status: 'error', message: describeApiError(error, 'dashboard') };
}

const disposers = new WeakMap<HTMLElement, () => void>();

/** The static part of a report's section: its heading and what it counts. Ids are stable: `report-<name>`. */
export function reportSection(doc: Document, name: ReportName): HTMLElement {
  const view = REPORT_VIEWS[name];
  const headingId = `report-${name}-heading`;
  return element(doc, 'section', { className: 'panel report', attrs: { id: `report-${name}`, 'aria-labelledby': headingId, 'data-report': name } }, [
    element(doc, 'h2', { text: view.title, attrs: { id: headingId } }),
    element(doc, 'p', { className: 'meta', text: view.description }),
    element(doc, 'div', { className: 'report-body' }),
  ]);
}

function notice(doc: Document, text: string, kind: 'info' | 'error'): HTMLElement {
  return element(doc, 'p', { className: `notice notice-${kind}`, text, attrs: { role: kind === 'error' ? 'alert' : 'status' } });
}

function builtLine(doc: Document, builtAt: Date, options: ViewOptions): HTMLElement {
  const iso = builtAt.toISOString();
  const time = element(doc, 'time', { text: formatTime(builtAt, options), attrs: { datetime: iso, title: `${iso.replace(/\.\d{3}Z$/, 'Z')} (UTC)` } });
  return element(doc, 'p', { className: 'meta report-built' }, ['Built ', time]);
}

function dataTable(doc: Document, name: ReportName, chart: DailyChart): HTMLTableElement {
  const view = REPORT_VIEWS[name];
  const head = element(doc, 'tr', {}, [
    element(doc, 'th', { text: 'Day (UTC)', attrs: { scope: 'col' } }),
    ...chart.series.map((series) => element(doc, 'th', { text: series.label, attrs: { scope: 'col' } })),
  ]);
  const rows = chart.days.map((day, i) =>
    element(doc, 'tr', {}, [
      element(doc, 'th', { text: day, attrs: { scope: 'row' } }),
      ...chart.series.map((series) => element(doc, 'td', { text: String(series.values[i]) })),
    ]),
  );
  return element(doc, 'table', { className: 'visually-hidden' }, [
    element(doc, 'caption', { text: `${view.title} per UTC day` }),
    element(doc, 'thead', {}, [head]),
    element(doc, 'tbody', {}, rows),
  ]);
}

function dailyFigure(doc: Document, name: ReportName, chart: DailyChart): { figure: HTMLElement; canvas: HTMLElement } {
  // role=img: the canvas inside says nothing to a screen reader; the label sums it up and the table has the numbers.
  const canvas = element(doc, 'div', { className: 'chart', attrs: { role: 'img', 'aria-label': summarize(name, chart) } });
  const figure = element(doc, 'figure', { className: 'report-figure' }, [
    canvas,
    element(doc, 'figcaption', { text: 'Days are UTC days (midnight to midnight UTC).' }),
    dataTable(doc, name, chart),
  ]);
  return { figure, canvas };
}

function rankingTable(doc: Document, name: ReportName, ranking: Ranking): HTMLElement {
  const view = REPORT_VIEWS[name];
  const shown = ranking.rows.slice(0, MAX_RANKED_ROWS);
  const top = shown[0]?.value ?? 0;
  const more = ranking.rows.length - shown.length;
  const caption = `${view.title}, UTC days ${ranking.from} to ${ranking.to}${more > 0 ? ` (the ${shown.length} with the most ${view.unit}; ${more} more)` : ''}`;
  const rows = shown.map((row) => {
    // The bar repeats the number beside it, for the eye only.
    const bar = element(doc, 'meter', { attrs: { min: '0', max: String(top), value: String(row.value), 'aria-hidden': 'true' } });
    return element(doc, 'tr', {}, [
      element(doc, 'th', { text: row.label, attrs: { scope: 'row' } }),
      element(doc, 'td', { className: 'number' }, [String(row.value), ' ', bar]),
      element(doc, 'td', { className: 'number', text: String(row.days) }),
    ]);
  });
  return element(doc, 'div', { className: 'table-scroll' }, [
    element(doc, 'table', { className: 'ranking' }, [
      element(doc, 'caption', { text: caption }),
      element(doc, 'thead', {}, [
        element(doc, 'tr', {}, [
          element(doc, 'th', { text: 'Site', attrs: { scope: 'col' } }),
          element(doc, 'th', { text: 'Views', attrs: { scope: 'col' } }),
          element(doc, 'th', { text: 'Days in the top ten', attrs: { scope: 'col' } }),
        ]),
      ]),
      element(doc, 'tbody', {}, rows),
    ]),
  ]);
}

/** Shows a state in a section made by reportSection; `data-state` on the section says which, for tests and styles. */
export function renderReport(section: HTMLElement, name: ReportName, state: ReportState, options: ViewOptions): void {
  const doc = section.ownerDocument;
  const body = section.querySelector<HTMLElement>('.report-body');
  if (body === null) throw new Error(`#report-${name} has no .report-body`);
  disposers.get(section)?.();
  disposers.delete(section);

  const parts: HTMLElement[] = [];
  let draw: (() => () => void) | undefined;
  let dataState: string = state.status;
  switch (state.status) {
    case 'loading':
      parts.push(notice(doc, 'Loading…', 'info'));
      break;
    case 'not-built':
      parts.push(notice(doc, describeApiError(new ApiError(404, 'report_not_built', ''), 'dashboard'), 'info'));
      break;
    case 'error':
      parts.push(notice(doc, state.message, 'error'));
      break;
    case 'ready': {
      if (state.builtAt !== undefined) parts.push(builtLine(doc, state.builtAt, options));
      if (state.data === undefined) {
        dataState = 'empty';
        parts.push(notice(doc, 'No data yet: nothing was counted in the days this report covers.', 'info'));
      } else if (state.data.kind === 'ranking') {
        parts.push(rankingTable(doc, name, state.data));
      } else {
        const chart = state.data;
        const { figure, canvas } = dailyFigure(doc, name, chart);
        parts.push(figure);
        draw = () => options.drawChart(canvas, chart, name);
      }
      break;
    }
  }
  section.dataset.state = dataState;
  section.setAttribute('aria-busy', String(state.status === 'loading'));
  body.replaceChildren(...parts);
  // Drawn once in the page, where the container has its width.
  if (draw !== undefined) disposers.set(section, draw());
}
