import { requireEnv } from '../lib/env';

export const config = {
  photosTable: requireEnv('PHOTOS_TABLE'),
  /** Where the distribution serves thumbnails/*, as the thumbnails function builds its URLs (no trailing slash). */
  thumbnailsBaseUrl: requireEnv('THUMBNAILS_BASE_URL').replace(/\/+$/, ''),
} as const;
