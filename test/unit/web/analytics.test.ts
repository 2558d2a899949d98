import { randomUUID } from 'node:crypto';
import { EventBatchSchema } from '../../../functions/lib/analytics-events';
import { Beacon, flushOnPageHide, MAX_BEACON_BYTES, type BeaconDeps } from '../../../web/src/analytics';

const URL = 'https://api.example/events';

/** A beacon whose sendBeacon records each body, and refuses while `refusing` is set. */
function setup(overrides: Partial<BeaconDeps> = {}) {
  const sent: { url: string; events: Record<string, unknown>[] }[] = [];
  let n = 0;
  const state = { refusing: false };
  const beacon = new Beacon(URL, {
    send: (url, body) => {
      if (state.refusing) return false;
      sent.push({ url, events: (JSON.parse(body) as { events: Record<string, unknown>[] }).events });
      return true;
    },
    uuid: () => `00000000-0000-4000-8000-${String((n += 1)).padStart(12, '0')}`,
    now: () => new Date('2026-05-04T10:20:00.000Z'),
    sessionId: 'b3f1c0de-1111-4222-8333-444455556666',
    ...overrides,
  });
  return { beacon, sent, state };
}

describe('Beacon', () => {
  it('queues events and sends nothing until flushed', () => {
    // Prepare
    const { beacon, sent } = setup();

    // Act
    beacon.track('page_view', { path: '/posts/hello-serverless.html', referrer: 'https://news.example.org/' });
    beacon.track('photo_upload', { path: '/photos.html' });

    // Assess
    expect(sent).toEqual([]);
    expect(beacon.pending).toBe(2);
  });

  it('sends the queue as one beacon in the API schema on flush, each event with its own id', () => {
    const { beacon, sent } = setup();
    beacon.track('page_view', { path: '/posts/hello-serverless.html', referrer: 'https://news.example.org/' });
    beacon.track('premium_open', { path: '/premium.html', target: 'premium/samples/northern-lights.jpg' });

    beacon.flush();

    expect(sent).toEqual([
      {
        url: URL,
        events: [
          {
            eventId: '00000000-0000-4000-8000-000000000001',
            type: 'page_view',
            path: '/posts/hello-serverless.html',
            referrer: 'https://news.example.org/',
            clientTime: '2026-05-04T10:20:00.000Z',
            sessionId: 'b3f1c0de-1111-4222-8333-444455556666',
          },
          {
            eventId: '00000000-0000-4000-8000-000000000002',
            type: 'premium_open',
            path: '/premium.html',
            clientTime: '2026-05-04T10:20:00.000Z',
            sessionId: 'b3f1c0de-1111-4222-8333-444455556666',
            target: 'premium/samples/northern-lights.jpg',
          },
        ],
      },
    ]);
    expect(beacon.pending).toBe(0);
  });

  it('sends a beacon by itself as soon as 25 events are queued', () => {
    const { beacon, sent } = setup();

    for (let i = 0; i < 24; i += 1) beacon.track('page_view', { path: `/p${i}` });
    expect(sent).toHaveLength(0);
    beacon.track('page_view', { path: '/p24' });

    expect(sent.map((beaconSent) => beaconSent.events.length)).toEqual([25]);
    expect(beacon.pending).toBe(0);
  });

  it('splits what would exceed 8 KB into several beacons, none over the limit', () => {
    // Prepare: long paths, so 25 events are ~13 KB
    const sizes: number[] = [];
    const { beacon, sent } = setup({
      send: (url, body) => {
        sizes.push(new TextEncoder().encode(body).length);
        sent.push({ url, events: (JSON.parse(body) as { events: Record<string, unknown>[] }).events });
        return true;
      },
    });
    for (let i = 0; i < 20; i += 1) beacon.track('page_view', { path: `/${'long-path/'.repeat(40)}${i}` });

    // Act
    beacon.flush();

    // Assess
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.flatMap((b) => b.events).map((event) => event.path)).toEqual(Array.from({ length: 20 }, (_, i) => `/${'long-path/'.repeat(40)}${i}`));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_BEACON_BYTES);
  });

  it('keeps what the browser refused to queue for the next flush, in order', () => {
    const { beacon, sent, state } = setup();
    beacon.track('page_view', { path: '/a' });
    state.refusing = true;

    beacon.flush();
    expect(beacon.pending).toBe(1);
    beacon.track('page_view', { path: '/b' });
    state.refusing = false;
    beacon.flush();

    expect(sent.flatMap((b) => b.events).map((event) => event.path)).toEqual(['/a', '/b']);
  });

  it('sends only what the API takes: no query or fragment in the path, no non-http referrer, no empty fields', () => {
    const { beacon, sent } = setup({ sessionId: undefined });

    beacon.track('page_view', { path: '/posts/x.html?utm_source=mail#top', referrer: 'android-app://com.example' });
    beacon.track('page_view', { path: '/', referrer: '' });
    beacon.flush();

    const [first, second] = sent[0]?.events ?? [];
    expect(first).toEqual({ eventId: expect.any(String) as string, type: 'page_view', path: '/posts/x.html', clientTime: '2026-05-04T10:20:00.000Z' });
    expect(second).not.toHaveProperty('referrer');
  });

  it("sends no referrer from the blog itself: a reader moving between its pages was not sent by another site", () => {
    // Prepare
    const { beacon, sent } = setup({ origin: 'https://blog.example' });

    // Act
    beacon.track('page_view', { path: '/posts/a.html', referrer: 'https://blog.example/' });
    beacon.track('page_view', { path: '/posts/b.html', referrer: 'https://blog.example/posts/a.html' });
    beacon.track('page_view', { path: '/', referrer: 'https://news.example.org/thread/1' });
    beacon.flush();

    // Assess
    expect(sent[0]?.events.map((event) => event.referrer)).toEqual([undefined, undefined, 'https://news.example.org/thread/1']);
  });
});

it("sends bodies the API's schema takes (functions/lib/analytics-events.ts)", () => {
  // Prepare: the browser's own ids and clock, every event type and optional field
  const bodies: string[] = [];
  const beacon = new Beacon(URL, { send: (_, body) => bodies.push(body) > 0, uuid: randomUUID, now: () => new Date(), sessionId: randomUUID() });
  beacon.track('page_view', { path: '/posts/caching-on-cloudfront.html?x=1', referrer: 'https://www.example.com/search?q=blog' });
  beacon.track('premium_open', { path: '/premium.html', target: 'premium/videos/intro/intro.mp4' });
  beacon.track('photo_upload', { path: '/photos.html' });

  // Act
  beacon.flush();

  // Assess
  expect(bodies).toHaveLength(1);
  expect(EventBatchSchema.safeParse(JSON.parse(bodies[0]!)).success).toBe(true);
});

describe('flushOnPageHide', () => {
  function lifecycle() {
    const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    const window = new EventTarget();
    return { document, window };
  }

  it('sends the queue when the page becomes hidden, not when it becomes visible', () => {
    // Prepare
    const { beacon, sent } = setup();
    const page = lifecycle();
    flushOnPageHide(beacon, page);
    beacon.track('page_view', { path: '/' });

    // Act / Assess
    page.document.dispatchEvent(new Event('visibilitychange'));
    expect(sent).toHaveLength(0);
    page.document.visibilityState = 'hidden';
    page.document.dispatchEvent(new Event('visibilitychange'));
    expect(sent).toHaveLength(1);
  });

  it('sends the queue on pagehide, and nothing when there is nothing queued', () => {
    const { beacon, sent } = setup();
    const page = lifecycle();
    flushOnPageHide(beacon, page);

    page.window.dispatchEvent(new Event('pagehide'));
    expect(sent).toHaveLength(0);
    beacon.track('photo_upload', { path: '/photos.html' });
    page.window.dispatchEvent(new Event('pagehide'));

    expect(sent.map((b) => b.events.map((event) => event.type))).toEqual([['photo_upload']]);
  });
});
