/**
 * The analytics benchmark's data set: a fixed, seeded set of synthetic events as readers' browsers would send them —
 * requests of 1 to 25 events from a few thousand readers, some of them bots, some events sent twice, some requests the
 * API refuses, and some stream records no ingest would write (put on the stream directly, as a faulty producer
 * would). Made by a seeded generator, so every run has the same events; the answers each report must give are counted
 * here, from what was generated, with no SQL: the benchmark compares them with what the pipeline built.
 */
import { createHash } from 'node:crypto';
import type { ReportName, ReportRow } from '../../functions/lib/reports';

/** mulberry32: small, fast, and the same sequence on every machine for a seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A UUID v4 from the generator (the schema checks the form, not where it came from). */
function uuid(random: () => number, label: string): string {
  const hex = createHash('sha256').update(`${label}:${random()}`).digest('hex');
  const variant = '89ab'[Math.floor(random() * 4)];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** One event as the browser sends it, without clientTime: the runner stamps it when it sends the request. */
export interface DatasetEvent {
  eventId: string;
  type: 'page_view' | 'premium_open' | 'photo_upload';
  path: string;
  referrer?: string;
  sessionId: string;
  target?: string;
}

/** One POST /events as a reader's browser makes it. */
export interface DatasetRequest {
  sourceIp: string;
  userAgent: string;
  events: DatasetEvent[];
  /** The API answers 400: one of its events breaks the schema, so none of them is stored. */
  refused: boolean;
  /** A repeat of an earlier request's events (a beacon the browser sent again). */
  repeat: boolean;
}

export interface Dataset {
  requests: DatasetRequest[];
  /** Stream records that are not the stream schema (put with PutRecords directly): each ends as ProcessingFailed. */
  malformedRecords: string[];
  /** Events in all: those of every request (refused and repeated ones too) and the malformed records. */
  total: number;
  counts: { bots: number; repeated: number; refused: number; malformed: number; kept: number };
  /** What each report must hold when every event arrived on `day` (UTC, yyyy-MM-dd). */
  expected(day: string): Record<ReportName, ReportRow[]>;
}

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
];
const BOTS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'python-requests/2.32.3',
  'curl/8.5.0',
];
const POSTS = Array.from({ length: 40 }, (_, i) => `/posts/post-${String(i + 1).padStart(2, '0')}.html`);
const PAGES = ['/', '/index.html', '/premium.html', '/photos.html', '/account.html'];
const REFERRERS = Array.from({ length: 25 }, (_, i) => `news-${String(i + 1).padStart(2, '0')}.example.org`);
const PREMIUM = Array.from({ length: 12 }, (_, i) => `premium/items/item-${String(i + 1).padStart(2, '0')}.jpg`);

const READERS = 4000;
const BOT_SHARE = 0.03;
const REPEAT_SHARE = 0.02;
const REFUSED_SHARE = 0.01;
const MALFORMED_SHARE = 0.005;

/** Skewed toward the first items, as real traffic is (a few posts and referrers get most of it). */
const skewed = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(items.length * random() ** 2)] as T;

function address(random: () => number, index: number): string {
  if (index % 10 === 9) {
    const group = () => Math.floor(random() * 0x10000).toString(16);
    return `2001:db8:${group()}:${group()}::${(index + 1).toString(16)}`;
  }
  // Distinct by construction: readers are numbered, so two never share an address.
  return `198.${18 + (index >> 16)}.${(index >> 8) & 0xff}.${index & 0xff}`;
}

/** `total` events from `seed`; the same arguments give the same data set. */
export function makeDataset(total = 100_000, seed = 13): Dataset {
  const random = seededRandom(seed);
  const readers = Array.from({ length: READERS }, (_, index) => {
    const bot = random() < BOT_SHARE;
    return { ip: address(random, index), userAgent: bot ? skewed(random, BOTS) : skewed(random, BROWSERS), bot, session: uuid(random, `s${index}`) };
  });

  const malformedTarget = Math.round(total * MALFORMED_SHARE);
  const requests: DatasetRequest[] = [];
  let produced = 0;
  let serial = 0;
  while (produced < total - malformedTarget) {
    const reader = readers[Math.floor(random() * readers.length)]!;
    const previous = requests.length > 0 ? requests[Math.floor(random() * requests.length)]! : undefined;
    if (previous && !previous.refused && random() < REPEAT_SHARE && produced + previous.events.length <= total - malformedTarget) {
      requests.push({ ...previous, repeat: true });
      produced += previous.events.length;
      continue;
    }
    const size = Math.min(1 + Math.floor(random() * 25), total - malformedTarget - produced);
    const events = Array.from({ length: size }, (): DatasetEvent => {
      serial += 1;
      const roll = random();
      const eventId = uuid(random, `e${serial}`);
      if (roll < 0.8) {
        const path = random() < 0.7 ? skewed(random, POSTS) : skewed(random, PAGES);
        const referrer = random() < 0.35 ? `https://${skewed(random, REFERRERS)}/${Math.floor(random() * 100)}` : undefined;
        return { eventId, type: 'page_view', path, sessionId: reader.session, ...(referrer ? { referrer } : {}) };
      }
      if (roll < 0.92) return { eventId, type: 'premium_open', path: '/premium.html', sessionId: reader.session, target: skewed(random, PREMIUM) };
      return { eventId, type: 'photo_upload', path: '/photos.html', sessionId: reader.session };
    });
    const refused = random() < REFUSED_SHARE;
    if (refused) {
      // One event breaks the schema (a type not in the closed list): the API refuses the whole request.
      const broken = Math.floor(random() * events.length);
      events[broken] = { ...events[broken]!, type: 'click' as DatasetEvent['type'] };
    }
    requests.push({ sourceIp: reader.ip, userAgent: reader.userAgent, events, refused, repeat: false });
    produced += events.length;
  }

  const malformedRecords = Array.from({ length: malformedTarget }, (_, i) => {
    switch (i % 4) {
      case 0:
        return '{"eventId":'; // cut short
      case 1:
        return JSON.stringify({ eventId: uuid(random, `m${i}`), type: 'page_view', path: '/posts/post-01.html' }); // fields missing
      case 2:
        return JSON.stringify({ eventId: 'not-a-uuid', type: 'page_view', path: '/', clientTime: new Date(0).toISOString(), receivedAt: new Date(0).toISOString(), sourceIp: '198.51.100.7', userAgent: BROWSERS[0] });
      default:
        return '\u0000\u0001 binary';
    }
  });

  const botIps = new Set(readers.filter((r) => r.bot).map((r) => r.ip));
  const kept = requests.filter((request) => !request.refused && !request.repeat && !botIps.has(request.sourceIp));
  const counted = (list: DatasetRequest[]) => list.reduce((sum, request) => sum + request.events.length, 0);
  return {
    requests,
    malformedRecords,
    total: produced + malformedRecords.length,
    counts: {
      bots: counted(requests.filter((r) => !r.refused && botIps.has(r.sourceIp))),
      repeated: counted(requests.filter((r) => r.repeat && !botIps.has(r.sourceIp))),
      refused: counted(requests.filter((r) => r.refused)),
      malformed: malformedRecords.length,
      kept: counted(kept),
    },
    expected: (day) => expectedReports(kept, day),
  };
}

/** Each report as its SQL (functions/reports/sql/) defines it, counted from the events that must be kept. */
function expectedReports(kept: readonly DatasetRequest[], dt: string): Record<ReportName, ReportRow[]> {
  const events = kept.flatMap((request) => request.events.map((event) => ({ ...event, ip: request.sourceIp })));
  const tally = (keys: string[]) => {
    const counts = new Map<string, number>();
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
    return [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  };
  const views = events.filter((e) => e.type === 'page_view');
  const hostOf = (url: string) => new URL(url).hostname.toLowerCase();
  const uploads = events.filter((e) => e.type === 'photo_upload');
  return {
    'views-per-post': tally(views.filter((e) => e.path.startsWith('/posts/')).map((e) => e.path)).map(([path, n]) => ({ dt, path, views: n })),
    'unique-visitors': events.length === 0 ? [] : [{ dt, visitors: new Set(events.map((e) => e.ip)).size }],
    'top-referrers': tally(views.flatMap((e) => (e.referrer ? [hostOf(e.referrer)] : [])))
      .slice(0, 10)
      .map(([referrer_host, n]) => ({ dt, referrer_host, views: n })),
    'premium-plays': tally(events.filter((e) => e.type === 'premium_open').map((e) => e.target!)).map(([target, n]) => ({ dt, target, plays: n })),
    uploads: uploads.length === 0 ? [] : [{ dt, uploads: uploads.length, uploaders: new Set(uploads.map((e) => e.ip)).size }],
  };
}
