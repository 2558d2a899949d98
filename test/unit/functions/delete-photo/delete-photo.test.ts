import { deletePhoto, type PhotoObjects } from '../../../../functions/delete-photo/delete-photo';
import { DynamoDbPhotoStore, type PhotoItem } from '../../../../functions/lib/photo-records';
import { rejection } from '../../../support/errors';
import { FakePhotosTable } from '../../../support/photos-table';

const OWNER = '0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11';
const OTHER = '7d3f0a2b-1c4e-4f5a-8b6c-9d0e1f2a3b4c';
const ID = '3f2c6d1e-8a4b-4c5d-9e6f-7a8b9c0d1e2f';
const NOW = new Date('2026-05-01T12:00:00Z');
const FOLDER = `thumbnails/${OWNER}/${ID}/`;

const ready: PhotoItem = {
  owner: OWNER,
  photoId: ID,
  status: 'ready',
  createdAt: '2026-05-01T11:59:00.000Z',
  updatedAt: '2026-05-01T11:59:05.000Z',
  uploadKey: `uploads/${OWNER}/${ID}.jpg`,
  contentType: 'image/jpeg',
  original: { bytes: 5000 },
  thumbnails: [160, 480, 1200].map((width) => ({
    width,
    height: width,
    format: 'webp',
    contentType: 'image/webp',
    bytes: width,
    key: `${FOLDER}w${width}.webp`,
  })),
};

/** Both buckets as sets of keys; a delete of a key that is not there succeeds, as S3's does. */
class FakeBuckets implements PhotoObjects {
  readonly uploads = new Set<string>();
  readonly thumbnails = new Set<string>();
  failDeletes = false;

  async listThumbnails(prefix: string): Promise<string[]> {
    return [...this.thumbnails].filter((key) => key.startsWith(prefix));
  }

  async deleteOriginal(key: string): Promise<void> {
    if (this.failDeletes) throw new Error('S3 is down');
    this.uploads.delete(key);
  }

  async deleteThumbnail(key: string): Promise<void> {
    if (this.failDeletes) throw new Error('S3 is down');
    this.thumbnails.delete(key);
  }
}

describe('deletePhoto', () => {
  let table: FakePhotosTable;
  let buckets: FakeBuckets;
  const remove = (owner: string, id: string | undefined) =>
    deletePhoto(owner, id, { photos: new DynamoDbPhotoStore(table.client(), 'photos'), objects: buckets, now: () => NOW });

  beforeEach(() => {
    table = new FakePhotosTable();
    buckets = new FakeBuckets();
    table.put(ready);
    buckets.uploads.add(ready.uploadKey);
    for (const thumbnail of ready.thumbnails ?? []) buckets.thumbnails.add(thumbnail.key);
    // A thumbnail the record does not name (a second format written while the event was on its way), and the
    // neighbours that must stay: another photo of the owner, whose id starts the same, and another user's.
    buckets.thumbnails.add(`${FOLDER}w480.avif`);
    buckets.thumbnails.add(`thumbnails/${OWNER}/${ID}0/w160.webp`);
    buckets.thumbnails.add(`thumbnails/${OTHER}/${ID}/w160.webp`);
    buckets.uploads.add(`uploads/${OWNER}/${ID}0.jpg`);
  });

  it('removes the original, every thumbnail (recorded or found in the folder) and the record; nothing else', async () => {
    // Act
    const deleted = await remove(OWNER, ID);

    // Assess
    expect(deleted).toEqual({
      original: ready.uploadKey,
      thumbnails: [`${FOLDER}w1200.webp`, `${FOLDER}w160.webp`, `${FOLDER}w480.avif`, `${FOLDER}w480.webp`],
    });
    expect([...buckets.uploads]).toEqual([`uploads/${OWNER}/${ID}0.jpg`]);
    expect([...buckets.thumbnails].sort()).toEqual([`thumbnails/${OWNER}/${ID}0/w160.webp`, `thumbnails/${OTHER}/${ID}/w160.webp`]);
    expect(table.item(OWNER, ID)).toBeUndefined();
  });

  it('answers a second DELETE of the same photo with 404: it is gone', async () => {
    await remove(OWNER, ID);
    expect(await rejection(remove(OWNER, ID))).toEqual({ statusCode: 404, code: 'not_found' });
  });

  it('deletes a pending photo (no thumbnails yet) and whatever original arrived', async () => {
    // Prepare
    table.put({ ...ready, status: 'pending', thumbnails: undefined, original: undefined, expiresAt: NOW.getTime() / 1000 + 60 });

    // Act
    const deleted = await remove(OWNER, ID);

    // Assess: the folder listing still finds the thumbnails
    expect(deleted.thumbnails).toHaveLength(4);
    expect(buckets.uploads.has(ready.uploadKey)).toBe(false);
    expect(table.item(OWNER, ID)).toBeUndefined();
  });

  it('answers another user\'s photo id with 404 and deletes nothing', async () => {
    // Act
    const answer = await rejection(remove(OTHER, ID));

    // Assess
    expect(answer).toEqual({ statusCode: 404, code: 'not_found' });
    expect(buckets.uploads.size).toBe(2);
    expect(buckets.thumbnails.size).toBe(6);
    expect(table.item(OWNER, ID)).toBeDefined();
  });

  it.each([undefined, 'quota#2026-05-01', `${ID}/..`, '*', ''])('answers the id %p with 404 and reads nothing', async (id) => {
    expect(await rejection(remove(OWNER, id))).toEqual({ statusCode: 404, code: 'not_found' });
    expect(table.commands).toEqual([]);
  });

  it('keeps the record when an object could not be deleted, so the same DELETE can finish the job', async () => {
    // Prepare
    buckets.failDeletes = true;

    // Act
    await expect(remove(OWNER, ID)).rejects.toThrow('S3 is down');
    buckets.failDeletes = false;
    await remove(OWNER, ID);

    // Assess
    expect(buckets.thumbnails.size).toBe(2);
    expect(table.item(OWNER, ID)).toBeUndefined();
  });

  it.each([
    ['an original outside the photo\'s key', { uploadKey: `uploads/${OTHER}/${ID}.jpg` }],
    ['an original with a path after the extension', { uploadKey: `uploads/${OWNER}/${ID}.jpg/../../x` }],
    ['a thumbnail outside the photo\'s folder', { thumbnails: [{ ...ready.thumbnails![0]!, key: `thumbnails/${OTHER}/${ID}/w160.webp` }] }],
  ])('refuses to act on a record with %s (a fault: 500, nothing deleted)', async (_case, change) => {
    // Prepare
    table.put({ ...ready, ...change });

    // Act
    const failure = remove(OWNER, ID);

    // Assess
    await expect(failure).rejects.toThrow(/outside/);
    expect(buckets.uploads.size).toBe(2);
    expect(buckets.thumbnails.size).toBe(6);
  });
});
