/**
 * My photos in Chromium against the e2e stack (global-setup.ts): a signed-in reader uploads two files on the Photos
 * page — a real JPEG, and a file named .jpg whose bytes are no picture (the page's own check passes on the declared
 * type; the thumbnails function refuses it) — and sees each with its status, learned from GET /photos/{id} (never by
 * asking the distribution): the thumbnail, and the reason in words. After a reload the gallery (GET /photos) shows
 * both, newest first. The reader deletes one: the dialog asks first (Cancel keeps it), Delete removes it, and after
 * another reload it is gone. Screenshots go to test-results/e2e/photos-*.png.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, Page, Request } from 'playwright-core';
import { ROOT } from '../../scripts/local/service-config';
import { createUser, type TestUser } from '../integration/cognito';
import { apiUrl, siteUrl } from '../integration/local';
import { launchChromium } from './browser';
import { watchConsole, type ExpectedFailure } from './console';

const ARTIFACTS = path.join(ROOT, 'test-results', 'e2e');

/** None: every answer the page gets in this walk is a 2xx. */
const EXPECTED_FAILURES: ExpectedFailure[] = [];

/** The reason the thumbnails function gives for bytes that are no image format (unsupported_format), in words. */
const NOT_A_PICTURE = 'This file is not a picture we can read.';

const log: string[] = [];

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `photos-${name}.png`), fullPage: true });
}

/** A photo-like JPEG (a gradient and a circle), 1600×1200: thumbnails of every configured width. */
function photo(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1200">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#40a0f0"/><stop offset="1" stop-color="#a02050"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/><circle cx="800" cy="600" r="300" fill="#ffffff" fill-opacity="0.5"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

describe('my photos in a real browser', () => {
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let reader: TestUser;
  const requests: { method: string; url: string }[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    problems = watchConsole(page, EXPECTED_FAILURES, log);
    page.on('request', (request: Request) => requests.push({ method: request.method(), url: request.url() }));
    reader = await createUser();
  }, 60_000); // Chromium's first start on a busy 2-core machine takes longer than jest's 5 s default

  afterAll(async () => {
    await browser?.close();
  });

  it('uploads a photo and a non-image, shows each with its status, and deletes one after asking', async () => {
    const started = Date.now();
    try {
      await walk();
    } catch (error) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'photos-failure.png'), fullPage: true }).catch(() => undefined);
      console.error(`the page's console before the failure:\n${log.join('\n')}`);
      throw error;
    }
    console.log(`e2e photos test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(problems).toEqual([]);
  }, 240_000);

  async function walk(): Promise<void> {
    const cards = page.locator('#gallery > li');
    const status = page.locator('#upload-status');

    // Sign in (a confirmed user made through the Cognito API: the walkthrough covers sign-up)
    await page.goto(`${siteUrl}/account.html`);
    const signIn = page.locator('#sign-in-form');
    await signIn.getByLabel('Email').fill(reader.email);
    await signIn.getByLabel('Password').fill(reader.password);
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#signed-in-email').getByText(reader.email).waitFor();

    // A new reader has no photos
    await page.getByRole('link', { name: 'Photos', exact: true }).click();
    await page.getByText('You have no photos yet. Upload one above.').waitFor();

    // A real JPEG: processing, then its thumbnail
    const file = page.locator('#photo');
    const upload = page.getByRole('button', { name: 'Upload' });
    await file.setInputFiles({ name: 'lake.jpg', mimeType: 'image/jpeg', buffer: await photo() });
    await upload.click();
    const thumbnail = page.getByRole('img', { name: 'Thumbnail of lake.jpg' });
    await thumbnail.waitFor({ timeout: 60_000 });
    await status.getByText('The thumbnail of lake.jpg is ready.').waitFor();
    // Loaded, from the distribution, in one of the configured widths the browser chose from the srcset.
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#gallery img');
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    expect(await thumbnail.evaluate((img: HTMLImageElement) => img.currentSrc)).toMatch(
      new RegExp(`^${siteUrl}/thumbnails/[0-9a-f-]+/[0-9a-f-]+/w\\d+\\.webp$`),
    );

    // A file named .jpg that is no picture: the page sends it (its declared type is JPEG), the function refuses it
    await file.setInputFiles({ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('Shopping list: milk, eggs, bread.\n') });
    await upload.click();
    await page.getByRole('alert').getByText(`We couldn't make thumbnails of notes.jpg. ${NOT_A_PICTURE}`).waitFor({ timeout: 60_000 });
    expect(await cards.evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.status))).toEqual(['failed', 'ready']);
    await cards.first().getByText(NOT_A_PICTURE).waitFor();
    await screenshot(page, 'uploaded');

    // The status came from the photos API, never from asking the distribution for a thumbnail that may not exist
    const photoIds = await cards.evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.photoId ?? ''));
    for (const id of photoIds) {
      expect(requests.some((r) => r.method === 'GET' && r.url === `${apiUrl}/photos/${id}`)).toBe(true);
    }
    expect(requests.filter((r) => r.method === 'HEAD')).toEqual([]);

    // After a reload the gallery (GET /photos) lists both, newest first, each with its status
    await page.reload();
    await cards.nth(1).locator('img').waitFor();
    expect(await cards.evaluateAll((items) => items.map((item) => [(item as HTMLElement).dataset.photoId, (item as HTMLElement).dataset.status]))).toEqual([
      [photoIds[0], 'failed'],
      [photoIds[1], 'ready'],
    ]);
    await cards.first().getByText(NOT_A_PICTURE).waitFor();
    // Two photos are one page: nothing more to load
    expect(await page.getByRole('button', { name: 'Load more' }).isVisible()).toBe(false);

    // Delete the photo: the dialog asks first, and Cancel keeps it
    const photoCard = cards.nth(1);
    const dialog = page.getByRole('dialog', { name: 'Delete this photo?' });
    await photoCard.getByRole('button', { name: /^Delete the photo uploaded / }).click();
    await dialog.waitFor();
    await screenshot(page, 'delete-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await cards.count()).toBe(2);
    // Escape is no too
    await photoCard.getByRole('button', { name: /^Delete the photo uploaded / }).click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await cards.count()).toBe(2);

    // Delete: DELETE /photos/{id} answers 204 and the card goes
    await photoCard.getByRole('button', { name: /^Delete the photo uploaded / }).click();
    const deleted = page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url() === `${apiUrl}/photos/${photoIds[1]}`);
    await dialog.getByRole('button', { name: 'Delete' }).click();
    expect((await deleted).status()).toBe(204);
    await page.locator('#gallery-status').getByText(/^Deleted the photo uploaded /).waitFor();
    expect(await cards.count()).toBe(1);

    // …and it is gone for good: after a reload only the other one is listed
    await page.reload();
    await cards.first().getByText(NOT_A_PICTURE).waitFor();
    expect(await cards.evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.photoId))).toEqual([photoIds[0]]);
    await screenshot(page, 'after-delete');
  }
});
