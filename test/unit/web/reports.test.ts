/**
 * The dashboard's data (web/src/reports.ts): each report as GET /reports/{name} serves it — here the rows the report
 * SQL returns over the analytics fixture, which test/unit/functions/reports/sql.test.ts checks on DuckDB — shaped
 * into the series the charts draw; malformed rows refused; times in the viewer's time zone.
 */
import { execFileSync } from 'node:child_process';
import { ROOT } from '../../../scripts/local/service-config';
import { ADMINS_GROUP as FUNCTION_ADMINS_GROUP } from '../../../functions/get-report/get-report';
import { REPORT_NAMES as FUNCTION_REPORT_NAMES } from '../../../functions/lib/reports';
import { ADMINS_GROUP, isAdmin } from '../../../web/src/admins';
import {
  daysFrom,
  formatTime,
  MAX_SERIES,
  REPORT_NAMES,
  REPORT_VIEWS,
  ReportFormatError,
  shapeReport,
  summarize,
  type ReportName,
} from '../../../web/src/reports';
import { EXPECTED_REPORTS } from '../../support/analytics-events';

const PHOTO = 'premium/samples/northern-lights.jpg';
const VIDEO = 'premium/samples/aurora.mp4';

/** As the browser gets it: the function serves the stored JSON text. */
const served = (name: ReportName): unknown => JSON.parse(JSON.stringify(EXPECTED_REPORTS[name]));

describe('the report list', () => {
  it('is the functions\' list, and every report has a view whose columns are what its SQL returns', () => {
    expect(REPORT_NAMES).toBe(FUNCTION_REPORT_NAMES);
    for (const name of REPORT_NAMES) {
      const sqlColumns = Object.keys(EXPECTED_REPORTS[name][0]).sort();
      expect(Object.keys(REPORT_VIEWS[name].columns).sort()).toEqual(sqlColumns);
    }
  });

  it('admins are the group GET /reports/{name} admits', () => {
    expect(ADMINS_GROUP).toBe(FUNCTION_ADMINS_GROUP);
    expect(isAdmin({ email: 'a@example.com', userId: 'u1', groups: ['editors', 'admins'] })).toBe(true);
    expect(isAdmin({ email: 'r@example.com', userId: 'u2', groups: ['editors'] })).toBe(false);
    expect(isAdmin(undefined)).toBe(false);
  });
});

describe('shapeReport: the fixture\'s reports as the charts draw them', () => {
  it('views per post: one series per post, the most viewed first', () => {
    expect(shapeReport('views-per-post', served('views-per-post'))).toEqual({
      kind: 'daily',
      days: ['2024-05-01', '2024-05-02'],
      series: [
        { label: '/posts/a.html', values: [3, 1] },
        { label: '/posts/b.html', values: [1, 1] },
      ],
    });
  });

  it('unique visitors: one series', () => {
    expect(shapeReport('unique-visitors', served('unique-visitors'))).toEqual({
      kind: 'daily',
      days: ['2024-05-01', '2024-05-02'],
      series: [{ label: 'Visitors', values: [3, 2] }],
    });
  });

  it('top referrers: a ranking of the days\' views per site, ties by name', () => {
    expect(shapeReport('top-referrers', served('top-referrers'))).toEqual({
      kind: 'ranking',
      from: '2024-05-01',
      to: '2024-05-02',
      rows: [
        { label: 'news.example.com', value: 3, days: 2 },
        { label: 'search.example.org', value: 2, days: 1 },
      ],
    });
  });

  it('premium plays: one series per item; a day an item was not opened is a 0', () => {
    expect(shapeReport('premium-plays', served('premium-plays'))).toEqual({
      kind: 'daily',
      days: ['2024-05-01', '2024-05-02'],
      series: [
        { label: PHOTO, values: [1, 2] },
        { label: VIDEO, values: [1, 0] },
      ],
    });
  });

  it('uploads: uploads and uploaders, in the report\'s order', () => {
    expect(shapeReport('uploads', served('uploads'))).toEqual({
      kind: 'daily',
      days: ['2024-05-01', '2024-05-02'],
      series: [
        { label: 'Uploads', values: [1, 2] },
        { label: 'Uploaders', values: [1, 2] },
      ],
    });
  });

  it('a report with no rows is empty (undefined), for every report', () => {
    for (const name of REPORT_NAMES) expect(shapeReport(name, [])).toBeUndefined();
  });
});

describe('shapeReport: days', () => {
  it('fills the days without a row with 0 (the SQL has no row for a day nothing was counted)', () => {
    const rows = [
      { dt: '2024-02-27', visitors: 4 },
      { dt: '2024-03-01', visitors: 1 },
    ];
    expect(shapeReport('unique-visitors', rows)).toEqual({
      kind: 'daily',
      days: ['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01'],
      series: [{ label: 'Visitors', values: [4, 0, 0, 1] }],
    });
  });

  it('runs to the UTC day the report was built: the quiet days since the last row counted none', () => {
    // Built at 23:30 in New York on 3 May, which is already 4 May in UTC.
    const chart = shapeReport('uploads', served('uploads'), new Date('2024-05-04T03:30:00Z'));
    expect(chart).toMatchObject({ days: ['2024-05-01', '2024-05-02', '2024-05-03', '2024-05-04'] });
    expect(chart?.kind === 'daily' && chart.series[0]?.values).toEqual([1, 2, 0, 0]);
  });

  it('the rows\' order does not matter', () => {
    const shuffled = [...EXPECTED_REPORTS['views-per-post']].reverse();
    expect(shapeReport('views-per-post', shuffled)).toEqual(shapeReport('views-per-post', served('views-per-post')));
  });

  it('daysFrom crosses months and leap days in UTC', () => {
    expect(daysFrom('2024-12-30', '2025-01-02')).toEqual(['2024-12-30', '2024-12-31', '2025-01-01', '2025-01-02']);
    expect(daysFrom('2023-02-28', '2023-03-01')).toEqual(['2023-02-28', '2023-03-01']);
  });
});

describe('shapeReport: many posts', () => {
  it(`keeps the ${MAX_SERIES - 1} most viewed and sums the rest into one series`, () => {
    // Prepare: eight posts, post-1 with 8 views … post-8 with 1, on one day; post-3 also on the next.
    const rows = Array.from({ length: 8 }, (_, i) => ({ dt: '2024-05-01', path: `/posts/post-${i + 1}.html`, views: 8 - i }));
    rows.push({ dt: '2024-05-02', path: '/posts/post-3.html', views: 1 });

    // Act
    const chart = shapeReport('views-per-post', rows);

    // Assess
    expect(chart).toEqual({
      kind: 'daily',
      days: ['2024-05-01', '2024-05-02'],
      series: [
        { label: '/posts/post-1.html', values: [8, 0] },
        { label: '/posts/post-2.html', values: [7, 0] },
        { label: '/posts/post-3.html', values: [6, 1] },
        { label: '/posts/post-4.html', values: [5, 0] },
        { label: '/posts/post-5.html', values: [4, 0] },
        { label: '3 other posts', values: [3 + 2 + 1, 0] },
      ],
    });
  });
});

describe('shapeReport refuses rows that are not the report\'s', () => {
  it.each([
    ['not a list', { rows: [] }, 'unique-visitors: the report is not a list of rows'],
    ['a row that is not an object', [['2024-05-01', 3]], 'unique-visitors: row 1 is not an object'],
    ['a day that does not exist', [{ dt: '2024-02-30', visitors: 1 }], 'unique-visitors: row 1: dt must be a day (yyyy-MM-dd), got "2024-02-30"'],
    ['a timestamp for a day', [{ dt: '2024-05-01T00:00:00Z', visitors: 1 }], 'row 1: dt must be a day'],
    ['a count as text (a bigint past 2^53 stays text)', [{ dt: '2024-05-01', visitors: '9007199254740993' }], 'row 1: visitors must be a count, got "9007199254740993"'],
    ['a negative count', [{ dt: '2024-05-01', visitors: -1 }], 'visitors must be a count, got -1'],
    ['a fraction', [{ dt: '2024-05-01', visitors: 1.5 }], 'visitors must be a count, got 1.5'],
    ['a missing column', [{ dt: '2024-05-01', visitors: 2 }, { dt: '2024-05-02' }], 'row 2: visitors must be a count, got nothing'],
  ])('%s', (_case, rows, message) => {
    expect(() => shapeReport('unique-visitors', rows)).toThrow(ReportFormatError);
    expect(() => shapeReport('unique-visitors', rows)).toThrow(message);
  });

  it('a post without a path', () => {
    expect(() => shapeReport('views-per-post', [{ dt: '2024-05-01', path: null, views: 1 }])).toThrow('row 1: path must be a text, got null');
  });
});

describe('summarize: the charts\' text alternative', () => {
  it('says the days, and per series the total and the busiest day', () => {
    expect(summarize('premium-plays', shapeReport('premium-plays', served('premium-plays'))!)).toBe(
      'Premium plays per UTC day, 2024-05-01 to 2024-05-02. ' +
        `${PHOTO}: 3 in all, most on 2024-05-02 (2). ` +
        `${VIDEO}: 1 in all, most on 2024-05-01 (1).`,
    );
  });

  it('names the top sites of the referrers', () => {
    expect(summarize('top-referrers', shapeReport('top-referrers', served('top-referrers'))!)).toBe(
      'Top referrers, UTC days 2024-05-01 to 2024-05-02: 2 sites; most views from news.example.com 3, search.example.org 2.',
    );
  });
});

describe('formatTime: when a report was built, in the viewer\'s time zone', () => {
  const builtAt = new Date('2026-12-02T06:04:00Z');

  it.each([
    ['Asia/Seoul', '2 Dec 2026, 15:04 GMT+9'],
    ['America/Los_Angeles', '1 Dec 2026, 22:04 GMT-8'],
    ['UTC', '2 Dec 2026, 06:04 UTC'],
  ])('%s: %s', (timeZone, expected) => {
    expect(formatTime(builtAt, { locale: 'en-GB', timeZone })).toBe(expected);
  });

  it('without a zone, the one the viewer\'s system has', () => {
    // Jest's process.env is a copy, so the zone is set where it takes effect: a Node process of its own.
    const script = `const { formatTime } = require('./web/src/reports.ts');
      process.stdout.write(formatTime(new Date('${builtAt.toISOString()}'), { locale: 'en-GB' }));`;
    const output = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, TZ: 'Asia/Kolkata' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(output).toBe('2 Dec 2026, 11:34 GMT+5:30');
  });
});
