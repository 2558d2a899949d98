/**
 * The Downloads page in Chromium against the e2e stack (global-setup.ts): a version put in the ReleasesBucket, signed
 * with the local release key whose public half the published config.json carries, is listed with its size, SHA-256
 * and the latest mark, and its link downloads exactly its bytes through the edge's `/releases/*` behaviour.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { localPhysicalName } from '../../scripts/local/common/intrinsics';
import { loadServiceConfig, ROOT } from '../../scripts/local/service-config';
import { formatBytes } from '../../web/src/messages';
import { s3, siteUrl } from '../integration/local';
import { ensureLocalReleaseKey, LOCAL_RELEASE_KEY_ID } from '../support/release-keys';
import { TestPublisher } from '../support/releases';
import { launchChromium } from './browser';
import { watchConsole } from './console';

const ARTIFACTS = path.join(ROOT, 'test-results', 'e2e');
const CHANNEL = `e2e-${Date.now().toString(36)}`;
const log: string[] = [];
// A page load, its verification and a download take seconds on a loaded machine; the waits inside set the real limits.
jest.setTimeout(60_000);

describe('the Downloads page in a real browser', () => {
  let browser: Browser;
  let page: Page;
  let problems: string[];
  const older = { channel: CHANNEL, version: '0.9.0', file: 'blog-tools-0.9.0.zip', body: randomBytes(200 * 1024) };
  const latest = { channel: CHANNEL, version: '1.0.0', file: 'blog-tools-1.0.0.zip', body: randomBytes(1536 * 1024 + 7) };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // The key global-setup made (or `npm start` had made) before the site was published with its public half.
    const publisher = await TestPublisher.create(s3, localPhysicalName(await loadServiceConfig('local'), 'ReleasesBucket'), ensureLocalReleaseKey(), LOCAL_RELEASE_KEY_ID);
    await publisher.release(older);
    await publisher.release(latest);
    browser = await launchChromium();
    page = await (await browser.newContext({ acceptDownloads: true })).newPage();
    problems = watchConsole(page, [], log);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(() => {
    if (expect.getState().assertionCalls === 0 || problems.length > 0) console.log(log.join('\n'));
  });

  it('lists the published versions of the channel, verified, the latest marked', async () => {
    // Act
    await page.goto(`${siteUrl}/downloads.html`);
    await page.locator('#downloads[data-state="ready"]').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'downloads.png'), fullPage: true });

    // Assess
    const section = page.locator(`#channel-${CHANNEL}`);
    expect(await section.getAttribute('data-state')).toBe('ready');
    const rows = await section.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.children].map((cell) => (cell.textContent ?? '').replace(/\s+/g, ' ').trim())));
    const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    expect(rows.map(([version, , size, hash, file]) => [version, size, hash, file])).toEqual([
      ['1.0.0 latest', formatBytes(latest.body.length), sha(latest.body), latest.file],
      ['0.9.0', formatBytes(older.body.length), sha(older.body), older.file],
    ]);
    expect(problems).toEqual([]);
  });

  it('downloads exactly the file\'s bytes from its link', async () => {
    // Act
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator(`#channel-${CHANNEL} tr[data-version="1.0.0"] a`).click(),
    ]);

    // Assess
    expect(download.suggestedFilename()).toBe(latest.file);
    expect(download.url()).toBe(`${siteUrl}/releases/${CHANNEL}/1.0.0/${latest.file}`);
    const saved = await download.path();
    expect(readFileSync(saved).equals(latest.body)).toBe(true);
    expect(problems).toEqual([]);
  });
});
