/**
 * Debian's Chromium driven by playwright-core: no browser download. The flags are the ones this kind of machine
 * needs (no sandbox as root, no GPU, no background calls to Google's hosts, which the closed network refuses).
 */
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

/** Playwright gives every launch a fresh, empty profile (user data dir) of its own. */
export function launchChromium(): Promise<Browser> {
  assertChromium();
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
}
