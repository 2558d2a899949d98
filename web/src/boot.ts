/** What every page does first: read /config.json, set up sign-in, and show who is signed in in the header. */
import { Beacon, flushOnPageHide } from './analytics';
import { Api } from './api';
import { isAdmin } from './admins';
import { configureAuth, currentUser, type SignedInUser } from './auth';
import { parseConfig, type SiteConfig } from './config';

export interface Page {
  config: SiteConfig;
  api: Api;
  user: SignedInUser | undefined;
  /** The page's analytics events; none where the stack takes none (config.json `analytics`). */
  analytics: Beacon | undefined;
}

const SESSION_KEY = 'blog-analytics-session';

/** A random id per tab, kept in sessionStorage; none when storage is off (private modes may throw). */
function tabSessionId(): string | undefined {
  try {
    let id = sessionStorage.getItem(SESSION_KEY);
    if (id === null) {
      id = crypto.randomUUID();
      sessionStorage.setItem(SESSION_KEY, id);
    }
    return id;
  } catch {
    return undefined;
  }
}

/** The page's analytics, wired to the browser: sendBeacon to `<apiUrl>/events`, flushed when the page is hidden. */
function startAnalytics(apiUrl: string): Beacon {
  const sessionId = tabSessionId();
  const beacon = new Beacon(`${apiUrl}/events`, {
    // A browser without sendBeacon takes nothing: the events go with the page.
    send: (url, body) => (typeof navigator.sendBeacon === 'function' ? navigator.sendBeacon(url, body) : true),
    uuid: () => crypto.randomUUID(),
    now: () => new Date(),
    origin: location.origin,
    ...(sessionId === undefined ? {} : { sessionId }),
  });
  flushOnPageHide(beacon, { document, window });
  return beacon;
}

async function loadConfig(): Promise<SiteConfig> {
  // no-cache: revalidate, so a publish to a new stack output is picked up at once.
  const response = await fetch('/config.json', { cache: 'no-cache' });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return parseConfig(await response.json());
}

/** Marks the current page in the navigation (the header is one partial shared by every page). */
function markCurrentPage(): void {
  const here = location.pathname === '/' ? '/' : location.pathname.replace(/\/index\.html$/, '/');
  for (const link of document.querySelectorAll<HTMLAnchorElement>('.site-nav a')) {
    if (new URL(link.href).pathname === here) link.setAttribute('aria-current', 'page');
  }
}

/** The header's account link, and the Dashboard link for admins (others would only be told it is not for them). */
export function showAccount(user: SignedInUser | undefined): void {
  const dashboard = document.getElementById('dashboard-nav');
  if (dashboard !== null) dashboard.hidden = !isAdmin(user);
  const link = document.querySelector<HTMLAnchorElement>('#account-nav a');
  if (link === null) return;
  link.textContent = user === undefined ? 'Sign in' : 'Account';
  link.title = user === undefined ? '' : `Signed in as ${user.email}`;
}

/** A page-wide notice for a site that cannot work at all (no or broken config.json). */
export function showFatal(message: string): void {
  const main = document.getElementById('main');
  const notice = document.createElement('p');
  notice.className = 'notice notice-error';
  notice.setAttribute('role', 'alert');
  notice.textContent = message;
  main?.prepend(notice);
}

export async function boot(): Promise<Page | undefined> {
  markCurrentPage();
  let config: SiteConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    console.warn('config.json could not be read', error);
    showFatal('This site is not set up yet: its configuration could not be loaded. Please try again later.');
    return undefined;
  }
  configureAuth(config);
  // Every page is a page view; the beacon goes when the page is hidden or left.
  const analytics = config.analytics ? startAnalytics(config.apiUrl) : undefined;
  analytics?.track('page_view', { path: location.pathname, referrer: document.referrer });
  const user = await currentUser();
  showAccount(user);
  return { config, api: new Api(config), user, analytics };
}

/** Shows a message in a status element: `role=status` for news, `role=alert` for problems. */
export function say(element: HTMLElement, message: string, kind: 'info' | 'success' | 'error' = 'info'): void {
  element.textContent = message;
  element.hidden = message === '';
  element.className = `notice notice-${kind}`;
  element.setAttribute('role', kind === 'error' ? 'alert' : 'status');
}

/** A text field of a form, trimmed unless told otherwise (passwords keep their spaces). */
export function formText(form: HTMLFormElement, name: string, trim = true): string {
  const value = new FormData(form).get(name);
  const text = typeof value === 'string' ? value : '';
  return trim ? text.trim() : text;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from the page`);
  return element as T;
}
