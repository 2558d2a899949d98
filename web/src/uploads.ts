/** Photo uploads: the checks made before anything is sent. Pure. */
import { formatBytes, formatTypes } from './messages';

export interface FileFacts {
  name: string;
  type: string;
  size: number;
}

/**
 * Extensions of types some browsers cannot name. Chrome and Firefox outside macOS and iOS give an iPhone's .heic
 * file an empty `type` (File API: "the empty string if the type cannot be determined"), where the API needs the
 * declared type; it is taken from the extension only when the site accepts that type.
 */
const TYPES_BY_EXTENSION: Readonly<Record<string, string>> = { heic: 'image/heic', heif: 'image/heif' };

/** The content type to declare for a file: its own, or for an unnamed one that of its extension, if accepted. */
export function uploadType(file: FileFacts, types: readonly string[]): string {
  if (file.type !== '') return file.type;
  const extension = /\.([^.]+)$/.exec(file.name)?.[1]?.toLowerCase();
  const type = extension === undefined ? undefined : TYPES_BY_EXTENSION[extension];
  return type !== undefined && types.includes(type) ? type : '';
}

/** Why a file is refused before upload; the API and S3 refuse the same files again, this only saves the wait. */
export function checkPhoto(file: FileFacts, limits: { maxBytes: number; types: readonly string[] }): string | undefined {
  if (!limits.types.includes(uploadType(file, limits.types))) {
    return `${file.name || 'That file'} isn't a supported image. Choose one of: ${formatTypes(limits.types)}.`;
  }
  if (file.size === 0) return `${file.name || 'That file'} is empty.`;
  if (file.size > limits.maxBytes) {
    return `${file.name || 'That file'} is ${formatBytes(file.size)}; photos can be up to ${formatBytes(limits.maxBytes)}.`;
  }
  return undefined;
}
