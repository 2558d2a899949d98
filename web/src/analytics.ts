/**
 * The reader's events for the blog's analytics (POST /events; README "Analytics"): queued in the page and sent in
 * batches with navigator.sendBeacon, when the page is hidden or goes away, and whenever 25 are queued. A beacon
 * survives the page's unloading, which a fetch does not promise. The body is a string, so the browser sends it as
 * text/plain: no CORS preflight, which a beacon could not pass against the API's wildcard origin (it carries
 * credentials). What is sent: the event's type, the page's path (no query), the referrer on page views (another
 * site's: none when the reader came from the blog itself), the time, a random id per event and per tab. Nothing that
 * names the reader.
 *
 * No DOM here (the unit tests run in Node): boot.ts wires it to navigator.sendBeacon, document and window.
 */

export type EventType = 'page_view' | 'premium_open' | 'photo_upload';

/** As the API's schema takes it (functions/lib/analytics-events.ts). */
export interface AnalyticsEvent {
  eventId: string;
  type: EventType;
  path: string;
  referrer?: string;
  clientTime: string;
  sessionId?: string;
  target?: string;
}

/** The API takes at most this many events, and this many bytes, per request. */
export const MAX_EVENTS_PER_BEACON = 25;
export const MAX_BEACON_BYTES = 8 * 1024;
const MAX_PATH_LENGTH = 512;
const MAX_REFERRER_LENGTH = 1024;
const MAX_TARGET_LENGTH = 256;

export interface BeaconDeps {
  /** navigator.sendBeacon: false when the browser did not queue the data (over its quota). */
  send: (url: string, body: string) => boolean;
  uuid: () => string;
  now: () => Date;
  /** Random per tab, when the browser keeps sessionStorage. */
  sessionId?: string;
  /**
   * The site's own origin (location.origin): a referrer from it is a reader moving within the blog, not a site that
   * sent them, and is not sent — else the blog itself would top its own "Top referrers".
   */
  origin?: string;
}

/** Only what the API's schema accepts: a path of this site without query, an http(s) referrer of sane length. */
function cleanPath(path: string): string {
  const bare = path.split(/[?#]/)[0] ?? '/';
  return (bare.startsWith('/') ? bare : `/${bare}`).replace(/\s/g, '%20').slice(0, MAX_PATH_LENGTH);
}

function cleanReferrer(referrer: string | undefined, ownOrigin: string | undefined): string | undefined {
  if (referrer === undefined || referrer === '' || referrer.length > MAX_REFERRER_LENGTH) return undefined;
  if (!/^https?:\/\//i.test(referrer)) return undefined;
  return ownOrigin !== undefined && originOf(referrer) === ownOrigin ? undefined : referrer;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

export class Beacon {
  private queue: AnalyticsEvent[] = [];

  constructor(
    private readonly url: string,
    private readonly deps: BeaconDeps,
  ) {}

  /** Events waiting for the next beacon. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues one event; a full batch goes out at once. */
  track(type: EventType, details: { path: string; referrer?: string; target?: string }): void {
    const referrer = cleanReferrer(details.referrer, this.deps.origin);
    const target = details.target?.slice(0, MAX_TARGET_LENGTH);
    this.queue.push({
      eventId: this.deps.uuid(),
      type,
      path: cleanPath(details.path),
      ...(referrer === undefined ? {} : { referrer }),
      clientTime: this.deps.now().toISOString(),
      ...(this.deps.sessionId === undefined ? {} : { sessionId: this.deps.sessionId }),
      ...(target === undefined || target === '' ? {} : { target }),
    });
    if (this.queue.length >= MAX_EVENTS_PER_BEACON) this.flush();
  }

  /**
   * Sends everything queued, in beacons of at most 25 events and 8 KB. A beacon the browser refuses stays queued, with
   * what follows it, for the next flush (the next time the page is hidden).
   */
  flush(): void {
    while (this.queue.length > 0) {
      const count = this.batchSize();
      const body = JSON.stringify({ events: this.queue.slice(0, count) });
      if (!this.deps.send(this.url, body)) return;
      this.queue.splice(0, count);
    }
  }

  /** How many of the queued events fit one beacon. */
  private batchSize(): number {
    let count = Math.min(this.queue.length, MAX_EVENTS_PER_BEACON);
    while (count > 1 && byteLength(JSON.stringify({ events: this.queue.slice(0, count) })) > MAX_BEACON_BYTES) count -= 1;
    return count;
  }
}

const byteLength = (text: string): number => new TextEncoder().encode(text).length;

/** What the page-hide wiring needs of `document` and `window`. */
export interface PageLifecycle {
  document: { readonly visibilityState: string; addEventListener(type: 'visibilitychange', listener: () => void): void };
  window: { addEventListener(type: 'pagehide', listener: () => void): void };
}

/**
 * Flushes when the page is hidden (tab switch, app switch, navigation) and on pagehide: visibilitychange to hidden
 * is the last event a mobile browser reliably fires, and pagehide covers the navigations where it does not (MDN,
 * "Document: visibilitychange event"; W3C Page Lifecycle).
 */
export function flushOnPageHide(beacon: Beacon, lifecycle: PageLifecycle): void {
  lifecycle.document.addEventListener('visibilitychange', () => {
    if (lifecycle.document.visibilityState === 'hidden') beacon.flush();
  });
  lifecycle.window.addEventListener('pagehide', () => beacon.flush());
}
