/**
 * @jest-environment jsdom
 *
 * The Downloads page in a DOM (jsdom), on its own markup (web/downloads.html, the header partial): each state of
 * downloads.ts as a reader sees it — the versions of each channel with size, SHA-256, release date and a link that
 * downloads the file; the latest marked; a channel that failed verification as an error with no versions; loading,
 * nothing released and downloads unavailable. (Verification itself is test/unit/web/downloads.test.ts: jsdom has no
 * Web Crypto.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DownloadsState, VersionView } from '../../../../web/src/downloads';
import { renderDownloads } from '../../../../web/src/downloads-view';

const WEB = path.join(__dirname, '../../../../web');
const VIEW = { locale: 'en-GB', timeZone: 'Asia/Seoul' };

function loadPage(file: string): void {
  const html = readFileSync(path.join(WEB, file), 'utf8').replace(/<!-- include: ([a-z-]+) -->/g, (_, name: string) =>
    readFileSync(path.join(WEB, 'partials', `${name}.html`), 'utf8'),
  );
  document.documentElement.innerHTML = new DOMParser().parseFromString(html, 'text/html').documentElement.innerHTML;
}

const version = (v: string, over: Partial<VersionView> = {}): VersionView => ({
  version: v, file: `app-${v}.tar.gz`, size: 5 * 1024 * 1024 + 300 * 1024, sha256: 'ab'.repeat(32),
  releasedAt: '2026-11-30T20:00:00Z', url: `https://d.example/releases/stable/${v}/app-${v}.tar.gz`, latest: false, ...over,
});
const text = (element: Element) => element.textContent.replace(/\s+/g, ' ').trim();
const container = () => document.getElementById('downloads')!;
const render = (state: DownloadsState) => renderDownloads(container(), state, VIEW);

beforeEach(() => loadPage('downloads.html'));

describe('Downloads page', () => {
  it('is linked from every page\'s header', () => {
    expect(document.querySelector<HTMLAnchorElement>('.site-nav a[href="/downloads.html"]')?.textContent).toBe('Downloads');
  });

  it('lists each channel\'s versions with size, SHA-256, release date and a download link, the latest marked', () => {
    // Act
    render({
      status: 'ready',
      channels: [{ channel: 'stable', status: 'ready', versions: [version('1.2.0'), version('1.1.0', { latest: true, size: 900 })] }],
    });

    // Assess
    const section = document.getElementById('channel-stable')!;
    expect(section.dataset.state).toBe('ready');
    expect(text(section.querySelector('h2')!)).toBe('stable');
    const rows = [...section.querySelectorAll('tbody tr')].map((row) => [...row.children].map(text));
    expect(rows).toEqual([
      ['1.2.0', '1 Dec 2026', '5.3 MB', 'ab'.repeat(32), 'app-1.2.0.tar.gz'],
      ['1.1.0 latest', '1 Dec 2026', '900 bytes', 'ab'.repeat(32), 'app-1.1.0.tar.gz'],
    ]);
    const link = section.querySelector<HTMLAnchorElement>('tr[data-version="1.1.0"] a')!;
    expect(link.getAttribute('href')).toBe('https://d.example/releases/stable/1.1.0/app-1.1.0.tar.gz');
    expect(link.getAttribute('download')).toBe('app-1.1.0.tar.gz');
    expect(section.querySelector('tr[data-version="1.1.0"]')!.classList.contains('latest')).toBe(true);
    expect(section.querySelector('time')!.getAttribute('datetime')).toBe('2026-11-30T20:00:00Z');
    expect(container().getAttribute('aria-busy')).toBe('false');
  });

  it('shows a channel whose list failed verification as an error, with no version from it, beside the others', () => {
    render({
      status: 'ready',
      channels: [
        { channel: 'stable', status: 'error', message: 'The list of stable versions failed its signature check.' },
        { channel: 'beta', status: 'ready', versions: [version('2.0.0', { latest: true })] },
      ],
    });

    const stable = document.getElementById('channel-stable')!;
    expect(stable.dataset.state).toBe('error');
    expect(stable.querySelector('[role="alert"]')?.textContent).toBe('The list of stable versions failed its signature check.');
    expect(stable.querySelector('table')).toBeNull();
    expect(document.querySelectorAll('#channel-beta tbody tr')).toHaveLength(1);
  });

  it.each([
    [{ status: 'loading' } as const, 'Loading the releases…', 'status', 'true'],
    [{ status: 'empty' } as const, 'Nothing has been released yet.', 'status', 'false'],
    [{ status: 'unavailable' } as const, 'Downloads are not available on this site: it publishes no release keys to check them with.', 'status', 'false'],
    [{ status: 'error', message: 'The list of channels could not be read, so nothing from it is shown.' } as const, 'The list of channels could not be read, so nothing from it is shown.', 'alert', 'false'],
  ])('in state %p says %p', (state, message, role, busy) => {
    render(state);

    expect(container().dataset.state).toBe(state.status);
    expect(container().getAttribute('aria-busy')).toBe(busy);
    expect(text(container())).toBe(message);
    expect(container().querySelector(`[role="${role}"]`)).not.toBeNull();
    expect(container().querySelector('a')).toBeNull();
  });

  it('says a channel has no versions yet, and puts text in as text', () => {
    render({ status: 'ready', channels: [{ channel: 'stable', status: 'error', message: '<img src=x onerror=alert(1)>' }] });
    expect(container().querySelector('img')).toBeNull();
    expect(text(container())).toContain('<img src=x onerror=alert(1)>');

    render({ status: 'ready', channels: [{ channel: 'nightly', status: 'ready', versions: [] }] });
    expect(document.getElementById('channel-nightly')!.dataset.state).toBe('empty');
    expect(document.querySelector('#channel-nightly [role="status"]')?.textContent).toBe('No versions in this channel yet.');
  });
});
