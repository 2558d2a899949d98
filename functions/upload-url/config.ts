import { intEnv, requireEnv } from '../lib/env';

export const config = {
  uploadsBucket: requireEnv('UPLOADS_BUCKET'),
  maxBytes: intEnv('MAX_UPLOAD_BYTES', 20 * 1024 * 1024, { min: 1, max: 5 * 1024 * 1024 * 1024 }),
  // Long enough for a slow mobile upload to start; the POST policy is checked when the upload begins.
  expiresSeconds: intEnv('UPLOAD_URL_EXPIRES_SECONDS', 300, { min: 60, max: 3600 }),
  photosTable: requireEnv('PHOTOS_TABLE'),
  // serverless.yml `uploadsPerDay` says why 50.
  uploadsPerDay: intEnv('UPLOADS_PER_DAY', 50, { min: 1, max: 100_000 }),
} as const;
