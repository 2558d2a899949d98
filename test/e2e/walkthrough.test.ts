/**
 * Every flow of the blog in a real browser (Debian's Chromium), against the local stack, as a reader goes through
 * them: sign up → confirm → sign in → subscribe → welcome mail → upload → thumbnail → not premium → made premium by
 * the operator → premium photo and video → sign out → the API answers 401. Screenshots of each step go to
 * test-results/e2e/. The test fails on any console error but the HTTP answers it expects and names below.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from '../../scripts/local/service-config';
import { TEST_PORT_OFFSET } from '../integration/global-setup';
import { ports, sesUrl, siteUrl } from '../integration/local';
import { launchChromium } from './browser';
import { watchConsole, type ExpectedFailure } from './console';

const ARTIFACTS = path.join(ROOT, 'test-results', 'e2e');
const COGNITO_LOG = path.join(ROOT, '.local', `test-${TEST_PORT_OFFSET}`, 'logs', 'cognito.log');
const COGNITO_URL = `http://127.0.0.1:${ports.cognito}/`;
const API_URL = `http://127.0.0.1:${ports.api}`;
const PASSWORD = 'Correct-Horse-42';

const EXPECTED_FAILURES: ExpectedFailure[] = [
  { url: (url) => url === COGNITO_URL, status: 400, why: 'the wrong password (NotAuthorizedException)' },
  { url: (url) => url === `${API_URL}/premium/url`, status: 403, why: 'a free account asks for premium content' },
  { url: (url) => url === `${API_URL}/premium/url`, status: 401, why: 'a signed-out visitor asks for premium content' },
];

/** Everything the page logged, printed when a step fails. */
const log: string[] = [];

let shot = 0;
async function screenshot(page: Page, name: string): Promise<void> {
  shot += 1;
  await page.screenshot({ path: path.join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}

/** cognito-local sends no mail: it logs a box with the destination and the code. */
async function confirmationCode(email: string): Promise<string> {
  const until = Date.now() + 10_000;
  for (;;) {
    const log = stripVTControlCharacters(readFileSync(COGNITO_LOG, 'utf8'));
    const boxes = log.split('Confirmation Code Delivery').slice(1);
    const box = boxes.reverse().find((b) => b.includes(`Destination: ${email}`));
    const code = box === undefined ? undefined : /Code:\s+(\d+)/.exec(box)?.[1];
    if (code !== undefined) return code;
    if (Date.now() > until) throw new Error(`no confirmation code for ${email} in ${COGNITO_LOG}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function welcomeMail(email: string): Promise<{ subject: string; body: { text?: string } }> {
  const until = Date.now() + 30_000;
  for (;;) {
    const { emails } = (await (await fetch(`${sesUrl}/store`)).json()) as {
      emails: { subject: string; destination: { to: string[] }; body: { text?: string } }[];
    };
    const mail = emails.find((m) => m.destination.to.includes(email));
    if (mail !== undefined) return mail;
    if (Date.now() > until) throw new Error(`no welcome mail for ${email} in the SES emulator`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A photo-like JPEG: a gradient with noise, so it is neither tiny nor trivially compressible. */
async function photo(): Promise<Buffer> {
  const width = 1600;
  const height = 1200;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#f0a040"/><stop offset="1" stop-color="#2050a0"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/><circle cx="800" cy="600" r="300" fill="#ffffff" fill-opacity="0.5"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

describe('the blog in a real browser', () => {
  let browser: Browser;
  let page: Page;
  let problems: string[];
  const email = `e2e-${Date.now()}@example.com`;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    problems = watchConsole(page, EXPECTED_FAILURES, log);
  }, 60_000); // Chromium's first start on a busy 2-core machine takes longer than jest's 5 s default

  afterAll(async () => {
    await browser?.close();
  });

  it('walks through every flow: account, welcome mail, thumbnails, premium, sign-out', async () => {
    const started = Date.now();
    try {
      await walkthrough();
    } catch (error) {
      // The page as it was when the step failed, and what the console said until then.
      await page.screenshot({ path: path.join(ARTIFACTS, 'failure.png'), fullPage: true }).catch(() => undefined);
      console.error(`the page's console before the failure:\n${log.join('\n')}`);
      throw error;
    }
    console.log(`e2e walkthrough took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(problems).toEqual([]);
  }, 240_000);

  async function walkthrough(): Promise<void> {

    // The blog's home page with its posts
    await page.goto(`${siteUrl}/`);
    expect(await page.locator('.post-card').count()).toBe(3);
    await page.getByRole('link', { name: 'Photos in, thumbnails out' }).waitFor();
    await screenshot(page, 'home');

    // Sign up → confirm with the code cognito-local "sent"
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Create an account' }).click();
    const signUp = page.locator('#sign-up-form');
    await signUp.getByLabel('Email').fill(email);
    await signUp.getByLabel('Password').fill(PASSWORD);
    await signUp.getByRole('button', { name: 'Create account' }).click();
    await page.getByText(`We sent a code to ${email}`).waitFor();
    await screenshot(page, 'confirm');
    await page.locator('#confirm-form').getByLabel('Code').fill(await confirmationCode(email));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Your account is confirmed').waitFor();

    // Sign in: a wrong password first, shown as a person would want it
    const signIn = page.locator('#sign-in-form');
    await signIn.getByLabel('Password').fill('Wrong-Password-1');
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Incorrect email or password.').waitFor();
    await screenshot(page, 'wrong-password');
    await signIn.getByLabel('Password').fill(PASSWORD);
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#signed-in-email').getByText(email).waitFor();
    await screenshot(page, 'signed-in');

    // Subscribe → the welcome mail is in the SES emulator
    await page.goto(`${siteUrl}/`);
    const subscribe = page.locator('#subscribe-form');
    await subscribe.getByLabel('Email').fill(email);
    await subscribe.getByLabel('Name').fill('Ada');
    await subscribe.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByText(`A welcome email is on its way to ${email}`).waitFor();
    await screenshot(page, 'subscribed');
    const mail = await welcomeMail(email);
    expect(mail.subject).toBe('Welcome to the blog');
    expect(mail.body.text).toContain('Ada');
    const inbox = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    await inbox.goto(sesUrl);
    await inbox.getByText('Welcome to the blog').first().waitFor();
    await screenshot(inbox, 'ses-inbox');
    await inbox.close();

    // Photos: refused files are explained before any upload; a JPEG comes back as a thumbnail
    await page.goto(`${siteUrl}/photos.html`);
    const file = page.locator('#photo');
    const upload = page.getByRole('button', { name: 'Upload' });
    await file.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo') });
    await upload.click();
    await page.getByRole('alert').getByText("notes.txt isn't a supported image").waitFor();
    // A path, not a buffer: Chromium reads a local file itself, where 21 MB of buffer goes through the DevTools
    // protocol and took over 30 s on a loaded machine. Sparse: only its size matters, the page refuses it before reading.
    const huge = path.join(mkdtempSync(path.join(os.tmpdir(), 'e2e-')), 'huge.jpg');
    writeFileSync(huge, '');
    truncateSync(huge, 21 * 1024 * 1024);
    await file.setInputFiles(huge);
    await upload.click();
    await page.getByRole('alert').getByText('huge.jpg is 21 MB; photos can be up to 20 MB.').waitFor();
    await screenshot(page, 'file-too-large');
    await file.setInputFiles({ name: 'sunset.jpg', mimeType: 'image/jpeg', buffer: await photo() });
    await upload.click();
    // The page learns from GET /photos/{id} that the thumbnails are made (test/e2e/photos.test.ts follows that flow).
    const thumbnail = page.getByRole('img', { name: 'Thumbnail of sunset.jpg' });
    await thumbnail.waitFor({ timeout: 60_000 });
    await page.getByText('The thumbnail of sunset.jpg is ready.').waitFor();
    // src is the 480 px thumbnail (the widest gallery column); the browser may pick another width from the srcset.
    const src = (await thumbnail.getAttribute('src')) ?? '';
    expect(src.startsWith(`${siteUrl}/thumbnails/`)).toBe(true);
    expect(src).toMatch(/\/thumbnails\/[0-9a-f-]+\/[0-9a-f-]+\/w480\.webp$/);
    await thumbnail.evaluate((img: HTMLImageElement) => img.decode());
    expect(await thumbnail.evaluate((img: HTMLImageElement) => img.currentSrc)).toMatch(/\/w(160|480|1200)\.webp$/);
    await screenshot(page, 'thumbnail');

    // Premium: a free account is told so
    const answer = page.waitForResponse((r) => r.url() === `${API_URL}/premium/url`);
    await page.getByRole('link', { name: 'Premium', exact: true }).click();
    expect((await answer).status()).toBe(403);
    await page.getByRole('alert').getByText('your account is on the free plan').waitFor();
    expect(await page.locator('.premium-item:visible').count()).toBe(0);
    await screenshot(page, 'not-premium');

    // The operator's one-liner (printed by npm start) makes the user premium
    await promisify(execFile)('npm', ['run', 'plan', '--', '--stage', 'local', '--email', email, '--plan', 'premium'], {
      cwd: ROOT,
      env: process.env,
      timeout: 60_000,
    });

    // The premium photo renders and the video plays, through signed URLs on the local edge
    await page.getByRole('button', { name: 'Check again' }).click();
    await page.getByText('Welcome, premium member').waitFor();
    const image = page.getByRole('img', { name: 'Northern lights over dark hills' });
    await image.waitFor({ state: 'visible' });
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('.premium-item img');
      return img !== null && img.complete && img.naturalWidth === 1200;
    });
    expect(await image.getAttribute('src')).toMatch(/\/premium\/samples\/northern-lights\.jpg\?.*Signature=/);
    const playedSeconds = await page.locator('.premium-item video').evaluate(async (video: HTMLVideoElement) => {
      await video.play();
      await new Promise<void>((resolve) => {
        const check = () => (video.currentTime >= 1 ? resolve() : setTimeout(check, 100));
        check();
      });
      return video.currentTime;
    });
    expect(playedSeconds).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'premium');

    // Sign out: the tokens are gone, and the API answers the page 401
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    const tokens = await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('CognitoIdentityServiceProvider')));
    expect(tokens.filter((key) => /(access|id|refresh)Token$/.test(key))).toEqual([]);
    const afterSignOut = page.waitForResponse((r) => r.url() === `${API_URL}/premium/url`);
    await page.getByRole('link', { name: 'Premium', exact: true }).click();
    expect((await afterSignOut).status()).toBe(401);
    await page.getByRole('alert').getByText('Sign in to see premium content.').waitFor();
    await screenshot(page, 'signed-out');
  }
});
