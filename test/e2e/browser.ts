/**
 * Debian's Chromium driven by playwright-core: no browser download. The flags are the ones this kind of machine
 * needs (no sandbox as root, no GPU, no background calls to Google's hosts, which the closed network refuses).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Fails with what to do, never skips: the e2e is part of `npm test`. */
export function assertChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The end-to-end test needs Chromium at ${CHROMIUM_PATH} and it is not there. ` +
        'Install it with `sudo apt-get install -y chromium` (Debian/Ubuntu), or point CHROMIUM_PATH at a Chromium or Chrome binary.',
    );
  }
}

/**
 * Playwright gives every launch a fresh, empty profile (user data dir) of its own. `userAgent` replaces the browser's
 * own for every request, as a flag: Playwright's per-context `userAgent` is an override of the page's target, and a
 * beacon sent on `pagehide`, which leaves after the page is gone, went out with the browser's own user agent.
 */
export function launchChromium(options: { userAgent?: string } = {}): Promise<Browser> {
  assertChromium();
  const args = options.userAgent === undefined ? FLAGS : [...FLAGS, `--user-agent=${options.userAgent}`];
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args });
}

/**
 * The user agent of a reader's desktop Chrome of the installed Chromium's version, in the reduced form Chrome sends
 * (only the major version). Headless Chromium's own says "HeadlessChrome", which bot detectors such as isbot catch.
 */
export function desktopChromeUserAgent(): string {
  assertChromium();
  const version = execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8', stdio: 'pipe', timeout: 30_000 });
  const major = /\b(\d+)\.\d+\.\d+\.\d+\b/.exec(version)?.[1];
  if (major === undefined) throw new Error(`no version in \`${CHROMIUM_PATH} --version\`: ${version.trim()}`);
  return `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`;
}
