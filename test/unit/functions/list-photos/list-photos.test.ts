import { DynamoDbPhotoStore, type PhotoItem } from '../../../../functions/lib/photo-records';
import { decodeCursor, encodeCursor } from '../../../../functions/list-photos/cursor';
import { listPhotos, parseListRequest } from '../../../../functions/list-photos/list-photos';
import { refusal } from '../../../support/errors';
import { FakePhotosTable } from '../../../support/photos-table';

const OWNER = '0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11';
const OTHER = '7d3f0a2b-1c4e-4f5a-8b6c-9d0e1f2a3b4c';
const BASE_URL = 'https://d111111abcdef8.cloudfront.net';
const NOW = new Date('2026-05-01T12:00:00Z');
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** Photo n was signed for n minutes after 10:00. */
const at = (n: number) => new Date(Date.UTC(2026, 4, 1, 10, n)).toISOString();

function photo(n: number, owner = OWNER, extra: Partial<PhotoItem> = {}): PhotoItem {
  return {
    owner,
    photoId: id(n),
    status: 'pending',
    createdAt: at(n),
    updatedAt: at(n),
    uploadKey: `uploads/${owner}/${id(n)}.jpg`,
    contentType: 'image/jpeg',
    expiresAt: NOW.getTime() / 1000 + 3600,
    ...extra,
  };
}

describe('listPhotos', () => {
  let table: FakePhotosTable;
  const list = (query?: Record<string, string>) =>
    listPhotos(OWNER, parseListRequest(query, OWNER), {
      photos: new DynamoDbPhotoStore(table.client(), 'photos'),
      thumbnailsBaseUrl: BASE_URL,
      now: () => NOW,
    });
  beforeEach(() => {
    table = new FakePhotosTable();
  });

  it('lists the caller\'s photos newest first, and not the day\'s upload counter or another user\'s photos', async () => {
    // Prepare
    for (const n of [3, 1, 2]) table.put(photo(n));
    table.put(photo(4, OTHER));
    table.put({ owner: OWNER, photoId: 'quota#2026-05-01', uploads: 3, expiresAt: NOW.getTime() / 1000 + 86_400 });

    // Act
    const result = await list();

    // Assess
    expect(result).toEqual({
      photos: [3, 2, 1].map((n) => ({ id: id(n), status: 'pending', createdAt: at(n), contentType: 'image/jpeg' })),
    });
  });

  it('shows a ready photo with its original\'s size and thumbnail URLs, and a failed one with its reason only', async () => {
    // Prepare: the ready photo keeps a reason from an earlier failed event; the failed one has outputs it never shows
    const thumbnails = [160, 480].map((width) => ({
      width,
      height: width * 0.75,
      format: 'webp',
      contentType: 'image/webp',
      bytes: width * 10,
      key: `thumbnails/${OWNER}/${id(1)}/w${width}.webp`,
    }));
    table.put(photo(1, OWNER, { status: 'ready', expiresAt: undefined, original: { bytes: 7_340_032 }, thumbnails, reason: 'corrupt' }));
    table.put(photo(2, OWNER, { status: 'failed', expiresAt: undefined, reason: 'unsupported_format', thumbnails }));

    // Act
    const { photos } = await list();

    // Assess
    expect(photos).toEqual([
      { id: id(2), status: 'failed', createdAt: at(2), contentType: 'image/jpeg', reason: 'unsupported_format' },
      {
        id: id(1),
        status: 'ready',
        createdAt: at(1),
        contentType: 'image/jpeg',
        original: { bytes: 7_340_032 },
        thumbnails: [
          { width: 160, height: 120, format: 'webp', bytes: 1600, url: `${BASE_URL}/thumbnails/${OWNER}/${id(1)}/w160.webp` },
          { width: 480, height: 360, format: 'webp', bytes: 4800, url: `${BASE_URL}/thumbnails/${OWNER}/${id(1)}/w480.webp` },
        ],
      },
    ]);
  });

  it('pages through with the cursor: every photo once, in order, and no cursor on the last page', async () => {
    // Prepare
    for (let n = 1; n <= 7; n++) table.put(photo(n));

    // Act
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await list({ limit: '3', ...(cursor === undefined ? {} : { cursor }) });
      pages.push(page.photos.map((p) => p.id));
      cursor = page.nextCursor;
    } while (cursor !== undefined && pages.length < 10);

    // Assess
    expect(pages).toEqual([[id(7), id(6), id(5)], [id(4), id(3), id(2)], [id(1)]]);
  });

  it('gives no cursor when the page holds exactly the rest (no empty last page)', async () => {
    // Prepare
    for (let n = 1; n <= 4; n++) table.put(photo(n));

    // Act
    const first = await list({ limit: '2' });
    const second = await list({ limit: '2', cursor: first.nextCursor! });

    // Assess
    expect(second.photos.map((p) => p.id)).toEqual([id(2), id(1)]);
    expect(second.nextCursor).toBeUndefined();
  });

  it('leaves out pending photos whose upload never came (past expiresAt, not yet removed by TTL), and still fills the page', async () => {
    // Prepare: 6 and 5 expired
    for (let n = 1; n <= 6; n++) table.put(photo(n, OWNER, n >= 5 ? { expiresAt: NOW.getTime() / 1000 - 1 } : {}));

    // Act
    const page = await list({ limit: '2' });
    const rest = await list({ limit: '2', cursor: page.nextCursor! });

    // Assess
    expect(page.photos.map((p) => p.id)).toEqual([id(4), id(3)]);
    expect(rest.photos.map((p) => p.id)).toEqual([id(2), id(1)]);
    expect(rest.nextCursor).toBeUndefined();
  });

  it('answers with a shorter page and a cursor when a run of expired photos outlasts its queries', async () => {
    // Prepare: 20 expired photos above one live one; a page of 2 asks 3 per query, 4 queries at most
    table.put(photo(1));
    for (let n = 2; n <= 21; n++) table.put(photo(n, OWNER, { expiresAt: 1 }));

    // Act
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await list({ limit: '2', ...(cursor === undefined ? {} : { cursor }) });
      pages.push(page.photos.map((p) => p.id));
      cursor = page.nextCursor;
    } while (cursor !== undefined && pages.length < 10);

    // Assess: no photo lost, none twice
    expect(pages.flat()).toEqual([id(1)]);
    expect(pages.length).toBeGreaterThan(1);
    expect(table.commands.filter((name) => name === 'QueryCommand').length).toBeLessThanOrEqual(4 * pages.length);
  });
});

describe('parseListRequest', () => {
  it('takes 20 by default, and 1 to 50', () => {
    expect(parseListRequest(undefined, OWNER)).toEqual({ limit: 20 });
    expect(parseListRequest({}, OWNER)).toEqual({ limit: 20 });
    expect(parseListRequest({ limit: '1' }, OWNER)).toEqual({ limit: 1 });
    expect(parseListRequest({ limit: '50', other: 'x' }, OWNER)).toEqual({ limit: 50 });
  });

  it.each(['0', '-1', '51', '1e9', '1e1', 'abc', '', ' 5', '5 ', '0x10', '2.5', '1,2', '999999999999999999999', '+5', 'NaN', 'Infinity'])(
    'refuses limit=%p with 400 invalid_limit',
    (limit) => {
      expect(refusal(() => parseListRequest({ limit }, OWNER))).toEqual({ statusCode: 400, code: 'invalid_limit' });
    },
  );
});

describe('the cursor', () => {
  const key = { owner: OWNER, photoId: id(3), createdAt: at(3) };
  const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('is base64url (no padding, nothing to escape in a URL) and reads back as the key it was made from', () => {
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, OWNER)).toEqual(key);
  });

  it.each([
    ['another user\'s', () => encodeCursor({ ...key, owner: OTHER })],
    ['one with a field changed to a number', () => forge({ ...key, createdAt: 5 })],
    ['one with an extra field', () => forge({ ...key, ExclusiveStartKey: {} })],
    ['one without photoId', () => forge({ owner: OWNER, createdAt: at(3) })],
    ['one naming the day\'s counter', () => forge({ ...key, photoId: 'quota#2026-05-01' })],
    ['one with a date that is not a time', () => forge({ ...key, createdAt: '2026-13-45T99:99:99.999Z' })],
    ['a JSON array', () => forge([OWNER, id(3), at(3)])],
    ['JSON null', () => forge(null)],
    ['garbage', () => 'not-a-cursor'],
    ['standard base64 with padding', () => Buffer.from(JSON.stringify(key)).toString('base64')],
    ['an empty one', () => ''],
    ['a huge one', () => encodeCursor({ ...key, photoId: 'x'.repeat(100_000) })],
    ['percent-encoded text', () => '%7B%22owner%22%3A%22x%22%7D'],
    ['bytes that are not UTF-8', () => Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url')],
    ['one with the owner in another case', () => encodeCursor({ ...key, owner: OWNER.toUpperCase() })],
    ['a tampered one (a character changed)', () => {
      const cursor = encodeCursor(key);
      return `${cursor.slice(0, 10)}${cursor[10] === 'A' ? 'B' : 'A'}${cursor.slice(11)}`;
    }],
  ])('refuses %s with 400 invalid_cursor', (_case, cursor) => {
    expect(refusal(() => parseListRequest({ cursor: cursor() }, OWNER))).toEqual({ statusCode: 400, code: 'invalid_cursor' });
  });
});
