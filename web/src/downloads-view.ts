/**
 * The Downloads page's content for each state of downloads.ts: loading → a table of versions per channel (or that
 * channel's error) | nothing released yet | downloads unavailable | an error. Text only goes in through textContent
 * and attributes, never as HTML; `data-state` on the container and on each channel says which, for tests and styles.
 */
import type { ChannelState, DownloadsState, VersionView } from './downloads';
import { formatBytes } from './messages';
import { element } from './element';

export interface ViewOptions {
  /** The viewer's, unless given (tests fix them). */
  locale?: string;
  timeZone?: string;
}

function notice(doc: Document, text: string, kind: 'info' | 'error'): HTMLElement {
  return element(doc, 'p', { className: `notice notice-${kind}`, text, attrs: { role: kind === 'error' ? 'alert' : 'status' } });
}

export function formatDate(iso: string, options: ViewOptions = {}): string {
  return new Intl.DateTimeFormat(options.locale, {
    dateStyle: 'medium',
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
  }).format(new Date(iso));
}

function versionRow(doc: Document, version: VersionView, options: ViewOptions): HTMLTableRowElement {
  const name = element(doc, 'th', { attrs: { scope: 'row' } }, [version.version]);
  if (version.latest) name.append(' ', element(doc, 'strong', { className: 'badge', text: 'latest' }));
  const released = element(doc, 'time', { text: formatDate(version.releasedAt, options), attrs: { datetime: version.releasedAt, title: version.releasedAt } });
  // `download`: save the file under its own name rather than navigate to it (same origin: the page is on the site).
  const link = element(doc, 'a', { text: version.file, attrs: { href: version.url, download: version.file } });
  return element(doc, 'tr', { className: version.latest ? 'latest' : '', attrs: { 'data-version': version.version } }, [
    name,
    element(doc, 'td', {}, [released]),
    element(doc, 'td', { className: 'number', text: formatBytes(version.size), attrs: { title: `${version.size} bytes` } }),
    element(doc, 'td', {}, [element(doc, 'code', { className: 'sha256', text: version.sha256 })]),
    element(doc, 'td', {}, [link]),
  ]);
}

function channelSection(doc: Document, channel: ChannelState, options: ViewOptions): HTMLElement {
  const headingId = `channel-${channel.channel}-heading`;
  const section = element(doc, 'section', {
    className: 'panel channel',
    attrs: { id: `channel-${channel.channel}`, 'aria-labelledby': headingId, 'data-state': channel.status },
  }, [element(doc, 'h2', { text: channel.channel, attrs: { id: headingId } })]);
  if (channel.status === 'error') {
    section.append(notice(doc, channel.message, 'error'));
    return section;
  }
  if (channel.versions.length === 0) {
    section.dataset.state = 'empty';
    section.append(notice(doc, 'No versions in this channel yet.', 'info'));
    return section;
  }
  const head = element(doc, 'tr', {}, ['Version', 'Released', 'Size', 'SHA-256', 'File'].map((label) =>
    element(doc, 'th', { text: label, attrs: { scope: 'col' } })));
  section.append(element(doc, 'div', { className: 'table-scroll' }, [
    element(doc, 'table', { className: 'versions' }, [
      element(doc, 'caption', { text: `Versions of ${channel.channel}, newest first` }),
      element(doc, 'thead', {}, [head]),
      element(doc, 'tbody', {}, channel.versions.map((version) => versionRow(doc, version, options))),
    ]),
  ]));
  return section;
}

export function renderDownloads(container: HTMLElement, state: DownloadsState, options: ViewOptions = {}): void {
  const doc = container.ownerDocument;
  let parts: HTMLElement[];
  switch (state.status) {
    case 'loading':
      parts = [notice(doc, 'Loading the releases…', 'info')];
      break;
    case 'unavailable':
      parts = [notice(doc, 'Downloads are not available on this site: it publishes no release keys to check them with.', 'info')];
      break;
    case 'empty':
      parts = [notice(doc, 'Nothing has been released yet.', 'info')];
      break;
    case 'error':
      parts = [notice(doc, state.message, 'error')];
      break;
    case 'ready':
      parts = state.channels.map((channel) => channelSection(doc, channel, options));
      break;
  }
  container.dataset.state = state.status;
  container.setAttribute('aria-busy', String(state.status === 'loading'));
  container.replaceChildren(...parts);
}
