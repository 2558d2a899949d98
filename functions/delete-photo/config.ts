import { requireEnv } from '../lib/env';

export const config = {
  photosTable: requireEnv('PHOTOS_TABLE'),
  uploadsBucket: requireEnv('UPLOADS_BUCKET'),
  thumbnailsBucket: requireEnv('THUMBNAILS_BUCKET'),
} as const;
