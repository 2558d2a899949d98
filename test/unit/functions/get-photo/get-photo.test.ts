import { getPhoto } from '../../../../functions/get-photo/get-photo';
import { DynamoDbPhotoStore, type PhotoItem } from '../../../../functions/lib/photo-records';
import { rejection } from '../../../support/errors';
import { FakePhotosTable } from '../../../support/photos-table';

const OWNER = '0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11';
const OTHER = '7d3f0a2b-1c4e-4f5a-8b6c-9d0e1f2a3b4c';
const ID = '3f2c6d1e-8a4b-4c5d-9e6f-7a8b9c0d1e2f';
const NOW = new Date('2026-05-01T12:00:00Z');

const pending: PhotoItem = {
  owner: OWNER,
  photoId: ID,
  status: 'pending',
  createdAt: '2026-05-01T11:59:00.000Z',
  updatedAt: '2026-05-01T11:59:00.000Z',
  uploadKey: `uploads/${OWNER}/${ID}.png`,
  contentType: 'image/png',
  expiresAt: NOW.getTime() / 1000 + 86_400,
};

describe('getPhoto', () => {
  let table: FakePhotosTable;
  const get = (owner: string, id: string | undefined) =>
    getPhoto(owner, id, { photos: new DynamoDbPhotoStore(table.client(), 'photos'), thumbnailsBaseUrl: 'https://cdn.example', now: () => NOW });
  beforeEach(() => {
    table = new FakePhotosTable();
    table.put(pending);
  });

  it('answers a photo signed for but not processed yet as pending', async () => {
    expect(await get(OWNER, ID)).toEqual({ id: ID, status: 'pending', createdAt: pending.createdAt, contentType: 'image/png' });
  });

  it('answers another user\'s photo with the same 404 as an unknown id, reading only the caller\'s own partition', async () => {
    // Act
    const theirs = await rejection(get(OTHER, ID));
    const unknown = await rejection(get(OWNER, '3f2c6d1e-8a4b-4c5d-9e6f-000000000000'));

    // Assess
    expect(theirs).toEqual({ statusCode: 404, code: 'not_found' });
    expect(unknown).toEqual(theirs);
  });

  it.each([
    ['no id', undefined],
    ['the day\'s counter', 'quota#2026-05-01'],
    ['an upper-case uuid', ID.toUpperCase()],
    ['a path', `../${ID}`],
    ['an id with a suffix', `${ID}.png`],
    ['an empty id', ''],
    ['a very long id', 'a'.repeat(10_000)],
  ])('answers %s with 404 not_found without reading the table', async (_case, id) => {
    // Prepare
    table.put({ owner: OWNER, photoId: 'quota#2026-05-01', uploads: 3 });

    // Act
    const answer = await rejection(get(OWNER, id));

    // Assess
    expect(answer).toEqual({ statusCode: 404, code: 'not_found' });
    expect(table.commands).toEqual([]);
  });

  it('answers a pending photo whose upload never came (past expiresAt) with 404, as if TTL had removed it', async () => {
    table.put({ ...pending, expiresAt: NOW.getTime() / 1000 });
    expect(await rejection(get(OWNER, ID))).toEqual({ statusCode: 404, code: 'not_found' });
  });

  it('builds thumbnail URLs as the thumbnails function does, each key segment encoded', async () => {
    // Prepare: an operator-copied key with a space (the thumbnails function would announce the same URL)
    table.put({
      ...pending,
      status: 'ready',
      expiresAt: undefined,
      original: { bytes: 1234 },
      thumbnails: [{ width: 160, height: 90, format: 'webp', contentType: 'image/webp', bytes: 99, key: `thumbnails/${OWNER}/${ID}/w160 x.webp` }],
    });

    // Act
    const photo = await get(OWNER, ID);

    // Assess
    expect(photo.thumbnails?.[0]?.url).toBe(`https://cdn.example/thumbnails/${OWNER}/${ID}/w160%20x.webp`);
  });
});
