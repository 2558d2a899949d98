/** GET /photos/{id}: one of the caller's photos, with its status (`pending` until the thumbnails event arrives). */
import { isLive, isPhotoId, photoNotFound, photoView, type PhotoReader, type PhotoView } from '../lib/photo-records';

export async function getPhoto(
  owner: string,
  id: string | undefined,
  deps: { photos: PhotoReader; thumbnailsBaseUrl: string; now: () => Date },
): Promise<PhotoView> {
  if (!isPhotoId(id)) throw photoNotFound();
  // The key is the caller's own partition: another user's photo is simply not found there.
  const item = await deps.photos.get(owner, id);
  if (item === undefined || !isLive(item, deps.now().getTime() / 1000)) throw photoNotFound();
  return photoView(item, deps.thumbnailsBaseUrl);
}
