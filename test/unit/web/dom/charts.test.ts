/**
 * @jest-environment jsdom
 *
 * The dashboard's daily charts (web/src/charts.ts) drawn by the real uPlot in jsdom: what the x axis spans. jsdom has
 * no canvas, so the 2D context, Path2D, matchMedia and ResizeObserver are inert stand-ins: nothing is painted, but
 * uPlot computes its scales as in a browser, and each chart made is recorded to read them.
 */
import type uPlotType from 'uplot';
import { drawDailyChart } from '../../../../web/src/charts';
import type { DailyChart } from '../../../../web/src/reports';

const plots: uPlotType[] = [];

/** Any property is a no-op function (measureText answers a width), so every drawing call of uPlot goes nowhere. */
function inert<T extends object>(base: T): T {
  return new Proxy(base, {
    get: (target, key) => (key in target ? (target as Record<PropertyKey, unknown>)[key] : () => ({ width: 10 })),
    set: (target, key, value) => Reflect.set(target, key, value),
  });
}

jest.mock('uplot/dist/uPlot.min.css', () => ({}));
jest.mock('uplot', () => {
  // uPlot reads matchMedia and Path2D when it loads and draws.
  window.matchMedia = (() => inert({ matches: false })) as unknown as typeof window.matchMedia;
  (globalThis as Record<string, unknown>).Path2D = class {
    constructor() {
      return inert(this);
    }
  };
  HTMLCanvasElement.prototype.getContext = (() => inert({})) as unknown as typeof HTMLCanvasElement.prototype.getContext;
  (globalThis as Record<string, unknown>).ResizeObserver = class {
    observe(): void {}
    disconnect(): void {}
  };
  const Real = jest.requireActual<typeof uPlotType>('uplot');
  class Recorded extends Real {
    constructor(...args: ConstructorParameters<typeof uPlotType>) {
      super(...args);
      plots.push(this);
    }
  }
  return { __esModule: true, default: Recorded };
});

const DAY = 86_400;
const epoch = (day: string): number => Date.parse(`${day}T00:00:00Z`) / 1000;

/** Draws the chart and waits for uPlot's first layout (it commits on a microtask). */
async function draw(chart: DailyChart): Promise<uPlotType> {
  const container = document.createElement('div');
  document.body.append(container);
  drawDailyChart(container, chart, 'views-per-post');
  await new Promise((resolve) => setTimeout(resolve, 0));
  return plots[plots.length - 1]!;
}

describe('the daily chart’s x axis', () => {
  it('spans one day, half a day either side, when the report has one day (its first day)', async () => {
    // Act
    const plot = await draw({ kind: 'daily', days: ['2026-12-02'], series: [{ label: '/posts/a.html', values: [2] }] });

    // Assess: uPlot by itself proposes 1000 days for a lone time value
    expect([plot.scales.x!.min, plot.scales.x!.max]).toEqual([epoch('2026-12-02') - DAY / 2, epoch('2026-12-02') + DAY / 2]);
  });

  it('spans the first day to the last when there are several', async () => {
    // Act
    const plot = await draw({ kind: 'daily', days: ['2026-12-01', '2026-12-02', '2026-12-03'], series: [{ label: 'Visitors', values: [1, 0, 3] }] });

    // Assess
    expect([plot.scales.x!.min, plot.scales.x!.max]).toEqual([epoch('2026-12-01'), epoch('2026-12-03')]);
  });
});
