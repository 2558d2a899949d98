/**
 * The Photos page before any DOM: reading GET /photos answers (a malformed one is refused), the upload key → photo
 * id, which thumbnails are shown, and the polling of GET /photos/{id} with back-off, on Jest's fake clock.
 */
import { ApiError } from '../../../web/src/messages';
import {
  backoffDelays, photoIdOf, pollPhoto, POLL_BACKOFF, readPhoto, readPhotoList, shownThumbnails, type Photo, type PhotoThumbnail,
} from '../../../web/src/photos';

const ID = '7f1c2d9e-0b8e-41c2-9a3f-5c6d7e8f9a0b';
const thumb = (width: number, format = 'webp'): PhotoThumbnail => ({
  width, height: Math.round((width * 3) / 4), format, bytes: width * 10, url: `https://d.example/thumbnails/u/${ID}/w${width}.${format}`,
});
const pending: Photo = { id: ID, status: 'pending', createdAt: '2026-12-02T06:04:00.000Z', contentType: 'image/jpeg' };
const ready: Photo = { ...pending, status: 'ready', original: { bytes: 123_456 }, thumbnails: [thumb(160), thumb(480), thumb(1200)] };
const failed: Photo = { ...pending, status: 'failed', reason: 'unsupported_format' };

describe('readPhoto / readPhotoList', () => {
  it('reads the contract\'s photos: pending, ready with thumbnails, failed with its reason', () => {
    // Act
    const list = readPhotoList(JSON.parse(JSON.stringify({ photos: [ready, failed, pending], nextCursor: 'eyJrIjoxfQ' })));

    // Assess
    expect(list).toEqual({ photos: [ready, failed, pending], nextCursor: 'eyJrIjoxfQ' });
  });

  it('has no cursor on the last page', () => {
    expect(readPhotoList({ photos: [] })).toEqual({ photos: [] });
  });

  it.each([
    ['not an object', null],
    ['no list', { items: [] }],
    ['an unknown status', { photos: [{ ...pending, status: 'done' }] }],
    ['no id', { photos: [{ ...pending, id: '' }] }],
    ['a date that is not one', { photos: [{ ...pending, createdAt: 'yesterday' }] }],
    ['a thumbnail URL that is not http(s)', { photos: [{ ...ready, thumbnails: [{ ...thumb(160), url: 'javascript:alert(1)' }] }] }],
    ['a thumbnail without a width', { photos: [{ ...ready, thumbnails: [{ ...thumb(160), width: 0 }] }] }],
    ['a cursor that is not text', { photos: [], nextCursor: 42 }],
  ])('refuses an answer with %s: 502 unreadable_response, nothing half-shown', (_what, body) => {
    expect(() => readPhotoList(body)).toThrow(expect.objectContaining({ status: 502, code: 'unreadable_response' }) as Error);
  });

  it('reads GET /photos/{id}\'s single photo', () => {
    expect(readPhoto({ ...failed, extra: 'ignored' })).toEqual(failed);
  });
});

describe('photoIdOf', () => {
  it('is the uuid of uploads/<owner>/<uuid>.<ext>', () => {
    expect(photoIdOf(`uploads/0b8e-41c2/${ID}.jpg`)).toBe(ID);
  });

  it.each([`premium/${ID}.jpg`, `uploads/${ID}.jpg`, `uploads/u/${ID}`])('refuses %s', (key) => {
    expect(() => photoIdOf(key)).toThrow('Not an upload key');
  });
});

describe('shownThumbnails', () => {
  it('src is the smallest that fills the column; srcset lists every width of the format, smallest first', () => {
    // Act
    const shown = shownThumbnails([thumb(1200), thumb(160), thumb(480), thumb(480, 'avif')], 'webp', 480);

    // Assess
    expect(shown?.src.width).toBe(480);
    expect(shown?.srcset).toBe(
      `https://d.example/thumbnails/u/${ID}/w160.webp 160w, https://d.example/thumbnails/u/${ID}/w480.webp 480w, https://d.example/thumbnails/u/${ID}/w1200.webp 1200w`,
    );
  });

  it('takes the largest when none fills the column, and another format when the site\'s is missing', () => {
    const shown = shownThumbnails([thumb(120, 'jpeg'), thumb(240, 'jpeg')], 'webp', 480);
    expect(shown?.src).toEqual(thumb(240, 'jpeg'));
    expect(shown?.srcset).toContain('w120.jpeg 120w');
  });

  it('is nothing for no thumbnails', () => {
    expect(shownThumbnails([], 'webp', 480)).toBeUndefined();
  });
});

describe('backoffDelays', () => {
  it('grows by the factor up to the cap, and stops before the total is passed', () => {
    expect(backoffDelays({ firstMs: 1000, factor: 2, maxMs: 4000, totalMs: 15_000 })).toEqual([1000, 2000, 4000, 4000, 4000]);
  });

  it('the page\'s: a quick first answer, then one request every 8 s at most, for two minutes at most', () => {
    const delays = backoffDelays(POLL_BACKOFF);
    expect(delays[0]).toBe(1000);
    expect(Math.max(...delays)).toBe(8000);
    const total = delays.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(120_000);
    expect(total).toBeGreaterThan(110_000);
  });
});

describe('pollPhoto (fake clock)', () => {
  const backoff = { firstMs: 1000, factor: 2, maxMs: 4000, totalMs: 15_000 };
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** The photo GET /photos/{id} gives on each call, and when (fake ms since the start) each call came. */
  function api(answers: (Photo | ApiError)[]) {
    const start = Date.now();
    const calls: number[] = [];
    const get = jest.fn(async (id: string) => {
      expect(id).toBe(ID);
      calls.push(Date.now() - start);
      const answer = answers[Math.min(calls.length - 1, answers.length - 1)]!;
      if (answer instanceof ApiError) throw answer;
      return answer;
    });
    return { get, calls };
  }

  it('asks after 1 s, 3 s and 7 s, and stops at the first answer that is not pending', async () => {
    // Prepare
    const { get, calls } = api([pending, pending, ready]);

    // Act
    const outcome = pollPhoto(ID, { get, sleep, backoff });
    await jest.advanceTimersByTimeAsync(999);
    expect(get).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(60_000);

    // Assess
    await expect(outcome).resolves.toEqual({ status: 'ready', photo: ready });
    expect(calls).toEqual([1000, 3000, 7000]);
  });

  it('reports failed with the photo (and its reason)', async () => {
    const { get } = api([failed]);
    const outcome = pollPhoto(ID, { get, sleep, backoff });
    await jest.advanceTimersByTimeAsync(1000);
    await expect(outcome).resolves.toEqual({ status: 'failed', photo: failed });
  });

  it('gives up when the waits add up to the limit: timeout, after as many requests as waits', async () => {
    const { get, calls } = api([pending]);
    const outcome = pollPhoto(ID, { get, sleep, backoff });
    await jest.advanceTimersByTimeAsync(60_000);
    await expect(outcome).resolves.toEqual({ status: 'timeout' });
    expect(calls).toEqual([1000, 3000, 7000, 11_000, 15_000]);
  });

  it('asks again after no answer, throttling or a server error', async () => {
    const { get, calls } = api([new ApiError(0, 'network', 'x'), new ApiError(503, 'http_503', 'x'), new ApiError(429, 'http_429', 'x'), ready]);
    const outcome = pollPhoto(ID, { get, sleep, backoff });
    await jest.advanceTimersByTimeAsync(60_000);
    await expect(outcome).resolves.toEqual({ status: 'ready', photo: ready });
    expect(calls).toHaveLength(4);
  });

  it('stops at 404 (deleted meanwhile) and at an answer asking again cannot change (401)', async () => {
    const gone = api([new ApiError(404, 'not_found', 'x')]);
    const first = pollPhoto(ID, { get: gone.get, sleep, backoff });
    await jest.advanceTimersByTimeAsync(60_000);
    await expect(first).resolves.toEqual({ status: 'gone' });
    expect(gone.calls).toHaveLength(1);

    const signedOut = new ApiError(401, 'http_401', 'Unauthorized');
    const ended = api([signedOut]);
    const second = pollPhoto(ID, { get: ended.get, sleep, backoff });
    await jest.advanceTimersByTimeAsync(60_000);
    await expect(second).resolves.toEqual({ status: 'error', error: signedOut });
    expect(ended.calls).toHaveLength(1);
  });

  it('stops asking once its signal is aborted (the photo was deleted on the page)', async () => {
    const { get, calls } = api([pending]);
    const stop = new AbortController();
    const outcome = pollPhoto(ID, { get, sleep, backoff, signal: stop.signal });
    await jest.advanceTimersByTimeAsync(3000);
    stop.abort();
    await jest.advanceTimersByTimeAsync(60_000);
    await expect(outcome).resolves.toEqual({ status: 'stopped' });
    expect(calls).toEqual([1000, 3000]);
  });
});
