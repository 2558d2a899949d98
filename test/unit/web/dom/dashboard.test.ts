/**
 * @jest-environment jsdom
 *
 * The admins' Dashboard in a DOM (jsdom), on the page's own markup (web/dashboard.html, the header partial): who
 * sees what (signed out, not an admin, an admin, an admin the API refuses), and each report's section in each state —
 * loading, a chart with its text alternative, a ranking table, no data yet, not built yet, an error. The API is a fake
 * of Api.report answering as GET /reports/{name} does; the chart library is replaced by a recorder (uPlot needs a
 * canvas, which jsdom does not have).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FetchedReport } from '../../../../web/src/api';
import type { SignedInUser } from '../../../../web/src/auth';
import { startDashboard, type DashboardDeps } from '../../../../web/src/dashboard';
import type { ChartDrawer } from '../../../../web/src/dashboard-view';
import { ApiError } from '../../../../web/src/messages';
import { REPORT_NAMES, summarize, shapeReport, type DailyChart, type ReportName } from '../../../../web/src/reports';

// boot.ts (for the header) imports the Amplify wiring; none of it runs here.
jest.mock('../../../../web/src/auth', () => ({ accessToken: async () => undefined, currentUser: async () => undefined, configureAuth: () => undefined }));

const WEB = path.join(__dirname, '../../../../web');
const ADMIN: SignedInUser = { email: 'admin@example.com', userId: 'u-admin', groups: ['admins'] };
const READER: SignedInUser = { email: 'reader@example.com', userId: 'u-reader', groups: [] };
const BUILT_AT = new Date('2026-12-02T06:04:00Z');

/** A page's HTML with its partials in place, as the build's include plugin does. */
function loadPage(file: string): void {
  const html = readFileSync(path.join(WEB, file), 'utf8').replace(/<!-- include: ([a-z-]+) -->/g, (_, name: string) =>
    readFileSync(path.join(WEB, 'partials', `${name}.html`), 'utf8'),
  );
  document.documentElement.innerHTML = new DOMParser().parseFromString(html, 'text/html').documentElement.innerHTML;
}

type Answer = FetchedReport | ApiError | Promise<FetchedReport>;

/** `refreshed`: who fresh tokens say the user is (by default the same user). */
function setup(user: SignedInUser | undefined, answers: Partial<Record<ReportName, Answer>> = {}, refreshed: { user: SignedInUser | undefined } = { user }) {
  const drawn: { name: ReportName; chart: DailyChart; container: HTMLElement; connected: boolean }[] = [];
  const disposed: ReportName[] = [];
  const drawChart: ChartDrawer = (container, chart, name) => {
    drawn.push({ name, chart, container, connected: container.isConnected });
    return () => disposed.push(name);
  };
  const report = jest.fn(async (name: ReportName): Promise<FetchedReport> => {
    const answer = answers[name] ?? { rows: [], builtAt: BUILT_AT };
    if (answer instanceof ApiError) throw answer;
    return answer;
  });
  const refreshUser = jest.fn(async () => refreshed.user);
  const onUser = jest.fn();
  const deps: DashboardDeps = {
    document,
    api: { report },
    user,
    refreshUser,
    onUser,
    view: { drawChart, locale: 'en-GB', timeZone: 'Asia/Seoul' },
  };
  return { deps, drawn, disposed, report, refreshUser, onUser };
}

const section = (name: ReportName) => document.getElementById(`report-${name}`)!;
const visible = (id: string) => !document.getElementById(id)!.hidden;
const text = (element: Element) => element.textContent.replace(/\s+/g, ' ').trim();

const rows = {
  'views-per-post': [
    { dt: '2026-11-30', path: '/posts/hello-serverless.html', views: 4 },
    { dt: '2026-11-30', path: '/posts/caching-on-cloudfront.html', views: 1 },
    { dt: '2026-12-02', path: '/posts/hello-serverless.html', views: 2 },
  ],
  'top-referrers': [
    { dt: '2026-12-01', referrer_host: 'news.example.com', views: 5 },
    { dt: '2026-12-01', referrer_host: 'search.example.org', views: 2 },
    { dt: '2026-12-02', referrer_host: 'search.example.org', views: 4 },
  ],
};

beforeEach(() => loadPage('dashboard.html'));

describe('who sees the dashboard', () => {
  it('signed out: the sign-in prompt, and no report is asked for', async () => {
    // Prepare
    const { deps, report, refreshUser } = setup(undefined);

    // Act
    await startDashboard(deps);

    // Assess
    expect(visible('dashboard-signed-out')).toBe(true);
    expect(text(document.getElementById('dashboard-signed-out-heading')!)).toBe('Sign in to see the dashboard');
    expect(document.querySelector('#dashboard-signed-out a')!.getAttribute('href')).toBe('/account.html');
    expect(visible('dashboard-not-admin')).toBe(false);
    expect(visible('dashboard-reports')).toBe(false);
    expect(report).not.toHaveBeenCalled();
    expect(refreshUser).not.toHaveBeenCalled();
  });

  it('not an admin, even with fresh tokens: "Admins only", naming the account; no report is asked for', async () => {
    const { deps, report, refreshUser, onUser } = setup(READER);

    await startDashboard(deps);

    expect(refreshUser).toHaveBeenCalledTimes(1);
    expect(onUser).toHaveBeenCalledWith(READER);
    expect(visible('dashboard-not-admin')).toBe(true);
    expect(text(document.getElementById('dashboard-not-admin-heading')!)).toBe('Admins only');
    expect(text(document.getElementById('dashboard-not-admin')!)).toContain('reader@example.com is not one');
    expect(visible('dashboard-reports')).toBe(false);
    expect(report).not.toHaveBeenCalled();
  });

  it('just added to admins (the old token lacks the group): the fresh token opens the dashboard', async () => {
    const { deps, report, onUser } = setup(READER, {}, { user: { ...READER, groups: ['admins'] } });

    await startDashboard(deps);

    expect(onUser).toHaveBeenCalledWith({ ...READER, groups: ['admins'] });
    expect(visible('dashboard-reports')).toBe(true);
    expect(report.mock.calls.map(([name]) => name)).toEqual([...REPORT_NAMES]);
  });

  it('no fresh tokens to be had (offline, session ended elsewhere): the tokens at hand decide, "Admins only"', async () => {
    const { deps, report } = setup(READER, {}, { user: undefined });
    await startDashboard(deps);
    expect(visible('dashboard-not-admin')).toBe(true);
    expect(visible('dashboard-signed-out')).toBe(false);
    expect(report).not.toHaveBeenCalled();
  });

  it.each([
    ['403 not_admin', new ApiError(403, 'not_admin', 'Only members of admins may read reports'), 'dashboard-not-admin'],
    ['401', new ApiError(401, 'http_401', 'Unauthorized'), 'dashboard-signed-out'],
  ])('the token says admin but the API answers %s: the API decides', async (_answer, error, shown) => {
    const { deps } = setup(ADMIN, Object.fromEntries(REPORT_NAMES.map((name) => [name, error])));

    await startDashboard(deps);

    expect(visible(shown)).toBe(true);
    expect(visible('dashboard-reports')).toBe(false);
  });
});

describe('the reports of an admin', () => {
  it('every report has a section with a stable heading, in the order of the report list', async () => {
    const { deps } = setup(ADMIN);
    await startDashboard(deps);
    const headings = [...document.querySelectorAll('#reports section.report h2')].map(text);
    expect(headings).toEqual(['Views per post', 'Unique visitors', 'Top referrers', 'Premium plays', 'Uploads']);
    expect([...document.querySelectorAll<HTMLElement>('#reports section.report')].map((s) => s.id)).toEqual(REPORT_NAMES.map((n) => `report-${n}`));
  });

  it('loading: every section is busy and says so until its report arrives; each is drawn as it arrives', async () => {
    // Prepare: uploads answers at once, the others wait.
    let release!: () => void;
    const later = new Promise<FetchedReport>((resolve) => {
      release = () => resolve({ rows: [], builtAt: BUILT_AT });
    });
    const answers = Object.fromEntries(REPORT_NAMES.map((name) => [name, later])) as Record<ReportName, Answer>;
    answers.uploads = { rows: [{ dt: '2026-12-02', uploads: 1, uploaders: 1 }], builtAt: BUILT_AT };
    const { deps } = setup(ADMIN, answers);

    // Act
    const started = startDashboard(deps);
    await new Promise((resolve) => setTimeout(resolve, 0));

    // Assess
    expect(section('unique-visitors').dataset.state).toBe('loading');
    expect(section('unique-visitors').getAttribute('aria-busy')).toBe('true');
    expect(text(section('unique-visitors').querySelector('[role=status]')!)).toBe('Loading…');
    expect((document.getElementById('dashboard-refresh') as HTMLButtonElement).disabled).toBe(true);
    expect(section('uploads').dataset.state).toBe('ready');
    expect(section('uploads').getAttribute('aria-busy')).toBe('false');

    release();
    await started;
    expect(section('unique-visitors').dataset.state).toBe('empty');
    expect((document.getElementById('dashboard-refresh') as HTMLButtonElement).disabled).toBe(false);
  });

  it('a daily report: a chart drawn in the page, labelled with its summary, its numbers in a table; built time in the viewer\'s zone', async () => {
    const { deps, drawn } = setup(ADMIN, { 'views-per-post': { rows: rows['views-per-post'], builtAt: BUILT_AT } });

    await startDashboard(deps);

    const views = section('views-per-post');
    expect(views.dataset.state).toBe('ready');
    expect(text(views.querySelector('.report-built')!)).toBe('Built 2 Dec 2026, 15:04 GMT+9');
    expect(views.querySelector('time')!.getAttribute('datetime')).toBe('2026-12-02T06:04:00.000Z');
    // The chart: what was drawn, into the figure's role=img element, once attached (it needs its width).
    const chart = shapeReport('views-per-post', rows['views-per-post'], BUILT_AT) as DailyChart;
    expect(drawn.filter((d) => d.name === 'views-per-post')).toHaveLength(1);
    const [draw] = drawn.filter((d) => d.name === 'views-per-post');
    expect(draw!.chart).toEqual(chart);
    expect(draw!.connected).toBe(true);
    expect(draw!.container.getAttribute('role')).toBe('img');
    expect(draw!.container.getAttribute('aria-label')).toBe(
      'Views per post per UTC day, 2026-11-30 to 2026-12-02. ' +
        '/posts/hello-serverless.html: 6 in all, most on 2026-11-30 (4). ' +
        '/posts/caching-on-cloudfront.html: 1 in all, most on 2026-11-30 (1).',
    );
    expect(draw!.container.getAttribute('aria-label')).toBe(summarize('views-per-post', chart));
    expect(text(views.querySelector('figcaption')!)).toBe('Days are UTC days (midnight to midnight UTC).');
    // The text alternative's table: every UTC day, 0 where nothing was counted.
    const table = views.querySelector('table.visually-hidden')!;
    expect(text(table.querySelector('caption')!)).toBe('Views per post per UTC day');
    expect([...table.querySelectorAll('tr')].map((tr) => [...tr.children].map(text))).toEqual([
      ['Day (UTC)', '/posts/hello-serverless.html', '/posts/caching-on-cloudfront.html'],
      ['2026-11-30', '4', '1'],
      ['2026-12-01', '0', '0'],
      ['2026-12-02', '2', '0'],
    ]);
  });

  it('top referrers: a table of sites, the most views first', async () => {
    const { deps, drawn } = setup(ADMIN, { 'top-referrers': { rows: rows['top-referrers'], builtAt: BUILT_AT } });

    await startDashboard(deps);

    const referrers = section('top-referrers');
    expect(referrers.dataset.state).toBe('ready');
    expect(drawn.some((d) => d.name === 'top-referrers')).toBe(false);
    const table = referrers.querySelector('table')!;
    expect(text(table.querySelector('caption')!)).toBe('Top referrers, UTC days 2026-12-01 to 2026-12-02');
    expect([...table.querySelectorAll('tr')].map((tr) => [...tr.children].map(text))).toEqual([
      ['Site', 'Views', 'Days in the top ten'],
      ['search.example.org', '6', '2'],
      ['news.example.com', '5', '1'],
    ]);
    expect(table.querySelector('meter')!.getAttribute('aria-hidden')).toBe('true');
  });

  it('no rows: "No data yet", with the time it was built, and no chart', async () => {
    const { deps, drawn } = setup(ADMIN, { 'unique-visitors': { rows: [], builtAt: BUILT_AT } });

    await startDashboard(deps);

    const visitors = section('unique-visitors');
    expect(visitors.dataset.state).toBe('empty');
    expect(text(visitors.querySelector('[role=status]')!)).toBe('No data yet: nothing was counted in the days this report covers.');
    expect(text(visitors.querySelector('.report-built')!)).toBe('Built 2 Dec 2026, 15:04 GMT+9');
    expect(drawn.some((d) => d.name === 'unique-visitors')).toBe(false);
  });

  it('not built yet (404 report_not_built): says when reports are made, not an error', async () => {
    const { deps } = setup(ADMIN, { 'premium-plays': new ApiError(404, 'report_not_built', 'The report has not been built yet') });

    await startDashboard(deps);

    const plays = section('premium-plays');
    expect(plays.dataset.state).toBe('not-built');
    expect(plays.querySelector('[role=alert]')).toBeNull();
    expect(text(plays.querySelector('[role=status]')!)).toBe(
      'Not built yet: reports are made once the first events have arrived, a few minutes after the first page views.',
    );
  });

  it.each([
    ['500 internal_error', new ApiError(500, 'internal_error', 'Internal server error'), 'Something went wrong on our side. Please try again in a moment.'],
    ['no answer', new ApiError(0, 'network', 'Failed to fetch'), "We couldn't reach the blog's server. Check your connection and try again."],
    ['404 report_not_found', new ApiError(404, 'report_not_found', 'No such report'), 'The server has no such report (report_not_found): it may run another version of the blog than this page.'],
    ['a 200 without JSON', new ApiError(502, 'unreadable_response', '200 without a JSON body'), 'Something went wrong on our side. Please try again in a moment.'],
  ])('an error (%s): an alert in that section only', async (_answer, error, message) => {
    const { deps } = setup(ADMIN, { uploads: error });

    await startDashboard(deps);

    expect(section('uploads').dataset.state).toBe('error');
    expect(text(section('uploads').querySelector('[role=alert]')!)).toBe(message);
    expect(section('unique-visitors').dataset.state).toBe('empty');
    expect(visible('dashboard-reports')).toBe(true);
  });

  it('rows that are not the report\'s: an error naming what is wrong, never numbers', async () => {
    const { deps, drawn } = setup(ADMIN, { 'unique-visitors': { rows: [{ dt: '2026-12-02', visitors: '3' }], builtAt: BUILT_AT } });

    await startDashboard(deps);

    expect(section('unique-visitors').dataset.state).toBe('error');
    expect(text(section('unique-visitors').querySelector('[role=alert]')!)).toBe(
      'This report could not be read. unique-visitors: row 1: visitors must be a count, got "3"',
    );
    expect(drawn.some((d) => d.name === 'unique-visitors')).toBe(false);
  });

  it('Refresh asks again and replaces the charts (the old ones removed)', async () => {
    const { deps, drawn, disposed, report } = setup(ADMIN, { 'views-per-post': { rows: rows['views-per-post'], builtAt: BUILT_AT } });
    await startDashboard(deps);

    document.getElementById('dashboard-refresh')!.click();
    await new Promise((resolve) => setTimeout(resolve, 0));

    expect(report).toHaveBeenCalledTimes(REPORT_NAMES.length * 2);
    expect(disposed).toEqual(['views-per-post']);
    expect(drawn.filter((d) => d.name === 'views-per-post')).toHaveLength(2);
    expect(section('views-per-post').querySelectorAll('figure')).toHaveLength(1);
  });

  it('says which time zone times are in, and that days are UTC days', async () => {
    const { deps } = setup(ADMIN);
    await startDashboard(deps);
    expect(text(document.getElementById('dashboard-time-note')!)).toBe(
      'Times are in your time zone (Asia/Seoul). Days are UTC days: each report counts events by the UTC day the blog received them.',
    );
  });
});

describe('the Dashboard link in the header', () => {
  it('is shown to admins only, and hidden again on sign-out', async () => {
    // Prepare: a page of the site with the header partial.
    loadPage('index.html');
    const { showAccount } = await import('../../../../web/src/boot');
    const link = () => document.getElementById('dashboard-nav')!;
    expect(link().hidden).toBe(true);

    // Act / Assess
    showAccount(READER);
    expect(link().hidden).toBe(true);
    showAccount(ADMIN);
    expect(link().hidden).toBe(false);
    expect(link().querySelector('a')!.getAttribute('href')).toBe('/dashboard.html');
    showAccount(undefined);
    expect(link().hidden).toBe(true);
  });
});
