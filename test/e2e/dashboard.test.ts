/**
 * The analytics pipeline seen from both ends, in Chromium against the e2e stack (global-setup.ts): a signed-in reader
 * walks through a few pages of the blog, whose beacons go POST /events → Kinesis → Firehose and its transform → S3 →
 * the reports queue → Athena → the reporting bucket; the reader, not an admin, sees no Dashboard link and is told
 * "Admins only" on the Dashboard; the operator adds them to `admins` (`npm run admins`); after a reload the Dashboard
 * shows exactly the views of the posts they opened.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ROOT } from '../../scripts/local/service-config';
import type { ReportName } from '../../web/src/reports';
import { createUser, type TestUser } from '../integration/cognito';
import { apiUrl, siteUrl } from '../integration/local';
import { desktopChromeUserAgent, launchChromium } from './browser';
import { watchConsole, type ExpectedFailure } from './console';

const ARTIFACTS = path.join(ROOT, 'test-results', 'e2e');

const EXPECTED_FAILURES: ExpectedFailure[] = [
  // Until the reports function has run once there is no reports/<name>.json: the page shows "Not built yet".
  { url: (url) => url.startsWith(`${apiUrl}/reports/`), status: 404, why: 'report_not_built, before the first rebuild' },
];

/**
 * What the walk below counts, exactly, although the e2e stack is shared by every file of the run: no other e2e test
 * opens a post (the walkthrough stays on the home, account, photos and premium pages), and its browser keeps
 * Chromium's headless user agent, which the transform drops as a bot. So the report's posts are these and no other,
 * with these counts; the third post, never opened, must be absent. Different counts per post, so a view counted on
 * the wrong post fails too. The one referring site is the page the reader came from; the blog's own pages, from which
 * they went on, are no referrer.
 */
const HELLO = '/posts/hello-serverless.html';
const CACHING = '/posts/caching-on-cloudfront.html';
const REFERRER = 'http://news.example.org/thread/42';
const EXPECTED = {
  'views-per-post': { [HELLO]: 2, [CACHING]: 1 },
  'top-referrers': { 'news.example.org': 1 },
} satisfies Partial<Record<ReportName, Record<string, number>>>;
type Counted = keyof typeof EXPECTED;

/** The whole pipeline locally: ~8 s to the bucket, the queue's 10 s batch window, the rebuild's queries; with room. */
const DASHBOARD_WAIT_MS = 120_000;

const log: string[] = [];

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
}

/** The hidden data table under a daily chart: its series (columns) by label, each with one value per day (row). */
function dailyTable(page: Page, caption: string): Promise<Record<string, number[]>> {
  return page.getByRole('table', { name: caption }).evaluate((table: HTMLTableElement) => {
    const labels = [...(table.tHead?.rows[0]?.cells ?? [])].slice(1).map((cell) => cell.textContent ?? '');
    const rows = [...(table.tBodies[0]?.rows ?? [])].map((row) => [...row.cells].slice(1).map((cell) => Number(cell.textContent)));
    return Object.fromEntries(labels.map((label, i) => [label, rows.map((values) => values[i]!)]));
  });
}

/** A ranking table (Top referrers): each row's label and its number. */
function rankingTable(page: Page, caption: RegExp): Promise<Record<string, number>> {
  return page.getByRole('table', { name: caption }).evaluate((table: HTMLTableElement) =>
    Object.fromEntries([...(table.tBodies[0]?.rows ?? [])].map((row) => [row.cells[0]?.textContent ?? '', Number(row.cells[1]?.textContent?.trim())])),
  );
}

const total = (values: number[]): number => values.reduce((sum, value) => sum + value, 0);

/** What a report's section shows, summed over its days; a string when it shows no numbers yet. */
async function counted(page: Page, name: Counted): Promise<Record<string, number> | string> {
  const section = page.locator(`#report-${name}`);
  const state = await section.getAttribute('data-state');
  if (state === 'error') throw new Error(`${name}: ${await section.locator('.report-body').innerText()}`);
  if (state === 'empty') return {};
  if (state !== 'ready') return `data-state ${state}`;
  if (name === 'top-referrers') return rankingTable(page, /^Top referrers, UTC days /);
  const table = await dailyTable(page, 'Views per post per UTC day');
  return Object.fromEntries(Object.entries(table).map(([post, days]) => [post, total(days)]));
}

describe('analytics in a real browser: a walk through the blog, then the admin’s dashboard', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let reader: TestUser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // Headless Chromium says "HeadlessChrome" in its user agent, which isbot (the transform's bot filter) catches:
    // with it every beacon of the walk would be Dropped as a bot and the dashboard would stay empty. So this reader
    // uses a desktop Chrome's user agent (the walkthrough keeps the headless one).
    browser = await launchChromium({ userAgent: desktopChromeUserAgent() });
    context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    page = await context.newPage();
    expect(await page.evaluate(() => navigator.userAgent)).not.toMatch(/headless/i);
    problems = watchConsole(page, EXPECTED_FAILURES, log);
    reader = await createUser();
  }, 60_000); // Chromium's first start on a busy 2-core machine takes longer than jest's 5 s default

  afterAll(async () => {
    await browser?.close();
  });

  it('counts exactly the posts the reader opened, and shows them to the reader once made an admin', async () => {
    const started = Date.now();
    try {
      await walkThenDashboard();
    } catch (error) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-failure.png'), fullPage: true }).catch(() => undefined);
      console.error(`the page's console before the failure:\n${log.join('\n')}`);
      throw error;
    }
    console.log(`e2e dashboard test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(problems).toEqual([]);
  }, 240_000);

  async function walkThenDashboard(): Promise<void> {
    const dashboardLink = page.getByRole('link', { name: 'Dashboard' });
    const accountLink = page.locator('#account-nav').getByRole('link', { name: 'Account' });

    // Sign in (a confirmed user made through the Cognito API: the walkthrough covers sign-up)
    await page.goto(`${siteUrl}/account.html`);
    const signIn = page.locator('#sign-in-form');
    await signIn.getByLabel('Email').fill(reader.email);
    await signIn.getByLabel('Password').fill(reader.password);
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#signed-in-email').getByText(reader.email).waitFor();

    // The walk: from another site's link to the home page → Hello → (its "Next up" link) Caching → all posts →
    // Hello. Each page's view goes in a beacon when the page is left (pagehide).
    await page.goto(`${siteUrl}/`, { referer: REFERRER });
    expect(await page.evaluate(() => document.referrer)).toMatch(/^http:\/\/news\.example\.org\//);
    await page.getByRole('link', { name: 'Hello, serverless: how this blog is built' }).click();
    await page.getByRole('heading', { level: 1, name: 'Hello, serverless: how this blog is built' }).waitFor();
    // The header knows who is signed in (the account link says so) and shows no Dashboard link to a reader.
    await accountLink.waitFor();
    expect(await dashboardLink.isVisible()).toBe(false);
    await page.getByRole('link', { name: 'the cache headers that keep all of this fast and fresh' }).click();
    await page.getByRole('heading', { level: 1, name: 'Cache headers that keep CloudFront honest' }).waitFor();
    await page.getByRole('link', { name: '← All posts' }).click();
    await page.getByRole('link', { name: 'Hello, serverless: how this blog is built' }).click();
    await page.getByRole('heading', { level: 1, name: 'Hello, serverless: how this blog is built' }).waitFor();
    await screenshot(page, 'reader-on-a-post');

    // A reader who opens the Dashboard anyway is told it is for admins, and asks for no report.
    const reportRequests: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (request.url().startsWith(`${apiUrl}/reports/`)) reportRequests.push(request.url());
    };
    page.on('request', onRequest);
    await page.goto(`${siteUrl}/dashboard.html`);
    await page.getByRole('heading', { name: 'Admins only' }).waitFor();
    await page.locator('#dashboard-not-admin').getByText(reader.email).waitFor();
    await accountLink.waitFor();
    expect(await dashboardLink.isVisible()).toBe(false);
    expect(await page.locator('#dashboard-reports').isVisible()).toBe(false);
    page.off('request', onRequest);
    expect(reportRequests).toEqual([]);
    await screenshot(page, 'admins-only');

    // The operator's one-liner (printed by npm start) makes the reader an admin; a reload is all they need.
    await promisify(execFile)('npm', ['run', 'admins', '--', '--stage', 'local', '--email', reader.email], {
      cwd: ROOT,
      env: process.env,
      timeout: 60_000,
    });
    await page.reload();
    await dashboardLink.waitFor();
    await page.getByRole('button', { name: 'Refresh' }).waitFor();

    // Poll with the page's own Refresh until both reports have the walk's numbers. A count above the expected one
    // can only grow: fail at once rather than wait.
    const until = Date.now() + DASHBOARD_WAIT_MS;
    for (;;) {
      await page.locator('#dashboard-refresh:enabled').waitFor(); // every report answered
      const seen = { 'views-per-post': await counted(page, 'views-per-post'), 'top-referrers': await counted(page, 'top-referrers') };
      const matches = Object.entries(EXPECTED).every(([name, expected]) => {
        const shown = seen[name as Counted];
        if (typeof shown === 'string') return false;
        const over = Object.entries(shown).filter(([label, count]) => count > ((expected as Record<string, number>)[label] ?? 0));
        if (over.length > 0) throw new Error(`${name} counts more than the walk's ${JSON.stringify(expected)}: ${JSON.stringify(shown)}`);
        return Object.entries(expected).every(([label, count]) => shown[label] === count);
      });
      if (matches) {
        expect(seen).toEqual(EXPECTED);
        break;
      }
      if (Date.now() > until) {
        throw new Error(`the dashboard did not show ${JSON.stringify(EXPECTED)} within ${DASHBOARD_WAIT_MS / 1000} s; last: ${JSON.stringify(seen)}`);
      }
      await page.waitForTimeout(2_000);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    const section = page.locator('#report-views-per-post');
    await section.locator('[role=img]').waitFor(); // the chart, drawn beside its table
    await screenshot(page, 'admin-dashboard');

    // One reader from one address is one visitor on each UTC day of the walk (the address hash is salted per day).
    expect(await page.locator('#report-unique-visitors').getAttribute('data-state')).toBe('ready');
    const { Visitors: visitors, ...others } = await dailyTable(page, 'Unique visitors per UTC day');
    expect(others).toEqual({});
    expect(Math.max(...(visitors ?? []))).toBe(1);
  }
});
