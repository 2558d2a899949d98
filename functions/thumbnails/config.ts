import { ConfigError, intEnv, optionalEnv, requireEnv } from '../lib/env';
import { ENCODER_MAX_SIDE, OUTPUT_FORMATS, type OutputFormat } from './thumbnails';

function list(name: string, fallback: string): string[] {
  return optionalEnv(name, fallback)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function widths(): number[] {
  const values = list('THUMBNAIL_WIDTHS', '160,480,1200').map(Number);
  if (values.length === 0 || values.some((width) => !Number.isInteger(width) || width < 16 || width > 4096)) {
    throw new ConfigError('THUMBNAIL_WIDTHS must be a comma-separated list of integers from 16 to 4096');
  }
  return values;
}

function formats(): OutputFormat[] {
  const values = list('THUMBNAIL_FORMATS', 'webp');
  const unknown = values.filter((format) => !(OUTPUT_FORMATS as readonly string[]).includes(format));
  if (values.length === 0 || unknown.length > 0) {
    throw new ConfigError(`THUMBNAIL_FORMATS must list some of ${OUTPUT_FORMATS.join(', ')}, got "${values.join(',')}"`);
  }
  return values as OutputFormat[];
}

export const config = {
  uploadsBucket: requireEnv('UPLOADS_BUCKET'),
  thumbnailsBucket: requireEnv('THUMBNAILS_BUCKET'),
  topicArn: requireEnv('THUMBNAILS_TOPIC_ARN'),
  publicBaseUrl: requireEnv('THUMBNAILS_BASE_URL').replace(/\/+$/, ''),
  widths: widths(),
  formats: formats(),
  // 2400 (serverless.yml `thumbnailMaxHeight`): a 9:16 portrait still gets the full 1200 px width. At most the smallest
  // side any output format holds (WebP's), so that no box ever gives an unencodable thumbnail.
  maxHeight: intEnv('THUMBNAIL_MAX_HEIGHT', 2400, { min: 16, max: Math.min(...Object.values(ENCODER_MAX_SIDE)) }),
  quality: intEnv('THUMBNAIL_QUALITY', 80, { min: 1, max: 100 }),
  maxInputBytes: intEnv('MAX_UPLOAD_BYTES', 20 * 1024 * 1024, { min: 1, max: 5 * 1024 * 1024 * 1024 }),
  maxInputPixels: intEnv('MAX_INPUT_PIXELS', 40_000_000, { min: 1, max: 268_402_689 }),
} as const;
