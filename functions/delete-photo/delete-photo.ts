/**
 * DELETE /photos/{id}: one of the caller's photos — its original, every thumbnail and its record. The objects go
 * first and the record last, so a failure half-way leaves the record, and the same DELETE finishes the job (S3's
 * DeleteObject of a key that is gone succeeds). Once the record is gone the photo is not found: a second DELETE is a
 * 404, as for any id the caller has no photo under.
 */
import { isLive, isPhotoId, photoNotFound, type PhotoReader, type PhotoRemover } from '../lib/photo-records';

export interface PhotoObjects {
  /** Keys under a prefix of the thumbnails bucket. */
  listThumbnails(prefix: string): Promise<string[]>;
  deleteOriginal(key: string): Promise<void>;
  deleteThumbnail(key: string): Promise<void>;
}

export interface DeletedPhoto {
  original: string;
  thumbnails: string[];
}

export async function deletePhoto(
  owner: string,
  id: string | undefined,
  deps: { photos: PhotoReader & PhotoRemover; objects: PhotoObjects; now: () => Date },
): Promise<DeletedPhoto> {
  if (!isPhotoId(id)) throw photoNotFound();
  const item = await deps.photos.get(owner, id);
  if (item === undefined || !isLive(item, deps.now().getTime() / 1000)) throw photoNotFound();

  // The keys come from our own record; still, nothing outside this photo's own keys is ever deleted.
  const original = `uploads/${owner}/${id}.`;
  if (!item.uploadKey.startsWith(original) || !/^[a-z0-9]{1,5}$/.test(item.uploadKey.slice(original.length))) {
    throw new Error(`Photo ${id} has an upload key outside uploads/<owner>/<id>.<ext>`);
  }
  const folder = `thumbnails/${owner}/${id}/`;
  const recorded = (item.thumbnails ?? []).map((thumbnail) => thumbnail.key);
  if (recorded.some((key) => !key.startsWith(folder))) throw new Error(`Photo ${id} has a thumbnail key outside ${folder}`);
  // The listing also finds thumbnails the record does not name: written for a photo whose event is still on its way,
  // or of a format added to the stage since.
  const thumbnails = [...new Set([...recorded, ...(await deps.objects.listThumbnails(folder))])].sort();

  await Promise.all([deps.objects.deleteOriginal(item.uploadKey), ...thumbnails.map((key) => deps.objects.deleteThumbnail(key))]);
  await deps.photos.remove(owner, id);
  return { original: item.uploadKey, thumbnails };
}
