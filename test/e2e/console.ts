/**
 * The e2e tests fail on any console error or uncaught exception of their pages, but the HTTP answers each test
 * provokes on purpose and names (Chromium logs every 4xx/5xx a page fetches as a console error).
 */
import type { ConsoleMessage, Page } from 'playwright-core';

/** An HTTP error a test provokes on purpose. */
export interface ExpectedFailure {
  url: (url: string) => boolean;
  status: number;
  why: string;
}

/**
 * Collects the page's console errors and uncaught exceptions, less the expected failures, into the returned list;
 * every console line also goes to `log`, to print when a step fails.
 */
export function watchConsole(page: Page, expected: readonly ExpectedFailure[], log: string[]): string[] {
  const problems: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    const { url } = message.location();
    log.push(`${message.type()}: ${message.text()}${message.type() === 'error' ? ` (${url})` : ''}`);
    if (message.type() !== 'error') return;
    const status = /^Failed to load resource: the server responded with a status of (\d+)/.exec(message.text())?.[1];
    if (status !== undefined && expected.some((f) => f.status === Number(status) && f.url(url))) return;
    problems.push(`console error: ${message.text()} (${url})`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.message}`));
  return problems;
}
