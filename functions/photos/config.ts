import { requireEnv } from '../lib/env';

export const config = {
  /** PhotosTable (resources/photos.yml): the photo items POST /uploads writes `pending`. */
  photosTable: requireEnv('PHOTOS_TABLE'),
} as const;
