/** Photo uploads: the checks made before anything is sent, and where a photo's thumbnail will appear. Pure. */
import { formatBytes } from './messages';

export interface FileFacts {
  name: string;
  type: string;
  size: number;
}

/** Why a file is refused before upload; the API and S3 refuse the same files again, this only saves the wait. */
export function checkPhoto(file: FileFacts, limits: { maxBytes: number; types: readonly string[] }): string | undefined {
  if (!limits.types.includes(file.type)) {
    const kinds = limits.types.map((type) => type.replace(/^image\//, '').toUpperCase()).join(', ');
    return `${file.name || 'That file'} isn't a supported image. Choose one of: ${kinds}.`;
  }
  if (file.size === 0) return `${file.name || 'That file'} is empty.`;
  if (file.size > limits.maxBytes) {
    return `${file.name || 'That file'} is ${formatBytes(file.size)}; photos can be up to ${formatBytes(limits.maxBytes)}.`;
  }
  return undefined;
}

/**
 * The site path of a thumbnail: the thumbnails function writes `thumbnails/<owner>/<upload name without
 * extension>/w<width>.<format>` for the upload `uploads/<owner>/<name>.<ext>`, served by the distribution as is.
 */
export function thumbnailPath(uploadKey: string, width: number, format: string): string {
  const match = /^uploads\/([^/]+)\/([^/]+?)(?:\.[^./]+)?$/.exec(uploadKey);
  if (match === null) throw new Error(`Not an upload key: ${uploadKey}`);
  const [, owner, name] = match;
  return `/thumbnails/${encodeURIComponent(owner!)}/${encodeURIComponent(name!)}/w${width}.${format}`;
}

/** The configured width closest to what the page shows (a 480 px column), preferring the larger of two. */
export function displayWidth(widths: readonly number[], wanted = 480): number {
  const sorted = [...widths].sort((a, b) => a - b);
  return sorted.find((width) => width >= wanted) ?? sorted[sorted.length - 1]!;
}
