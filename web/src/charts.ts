/**
 * Daily charts with uPlot (a small, maintained canvas chart library for time series; README "Front end" says why
 * this one). Its stylesheet is a file of the build and it styles through the CSSOM only, so the site's CSP
 * (`style-src 'self'`) holds; labels are set as text, never as HTML (paths and hosts come from readers' events).
 * The x axis is in UTC: the reports' days are UTC days, and uPlot would otherwise place them in the viewer's zone.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartDrawer } from './dashboard-view';

const HEIGHT = 260;
const MIN_WIDTH = 280;
const DAY_SECONDS = 86_400;
/** Counts are whole numbers: no tick at 0.5. */
const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 1_000_000];

/** The palette and axis colours of style.css (`--chart-1` …), so the charts follow the light and dark schemes. */
function colours(): { series: string[]; text: string; grid: string } {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const series = [1, 2, 3, 4, 5, 6].map((i) => read(`--chart-${i}`, '#0b5cad'));
  return { series, text: read('--muted', '#565f6b'), grid: read('--border', '#dcdfe4') };
}

const widthOf = (container: HTMLElement): number => Math.max(MIN_WIDTH, Math.floor(container.clientWidth));

/**
 * The x scale: the chart's days (epoch seconds), or half a day either side of a lone day. Taken from the days, not
 * from the range uPlot proposes: for a lone time value uPlot proposes the value to value + 86400 / ms of its units,
 * which with seconds is 1000 days — a report's first day drew as one dot at the edge of a 2.7-year axis.
 */
function dayRange(days: readonly number[]): [number, number] {
  const first = days[0]!;
  const last = days[days.length - 1]!;
  return first === last ? [first - DAY_SECONDS / 2, last + DAY_SECONDS / 2] : [first, last];
}

export const drawDailyChart: ChartDrawer = (container, chart) => {
  const { series, text, grid } = colours();
  const days = chart.days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
  const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const options: uPlot.Options = {
    width: widthOf(container),
    height: HEIGHT,
    // Room on the right for the last day's label.
    padding: [12, 24, 0, 0],
    tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
    scales: {
      x: { time: true, range: () => dayRange(days) },
      y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] },
    },
    axes: [axis, { ...axis, incrs: INTEGER_STEPS, values: (_u, splits) => splits.map((value) => String(value)) }],
    series: [
      { label: 'Day (UTC)', value: '{YYYY}-{MM}-{DD}' },
      ...chart.series.map((s, i) => ({
        label: s.label,
        stroke: series[i % series.length]!,
        width: 2,
        points: { show: true, size: 6 },
      })),
    ],
    cursor: { drag: { x: false, y: false } },
  };
  const plot = new uPlot(options, [days, ...chart.series.map((s) => s.values)], container);
  const resize = new ResizeObserver(() => plot.setSize({ width: widthOf(container), height: HEIGHT }));
  resize.observe(container);
  return () => {
    resize.disconnect();
    plot.destroy();
  };
};
