/**
 * The thumbnail pipeline: untrusted bytes in, resized images out. No I/O, no AWS — the use case (process-upload.ts)
 * fetches and stores; this only decides whether the bytes are an image we accept and renders the sizes.
 */
import sharp, { type Metadata, type Sharp } from 'sharp';
import { decodeHeic, HeifDecodeError, type DecodedHeic } from './heic';

/** Formats accepted as input, by what the bytes are (never by file name or Content-Type). */
export const INPUT_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'avif', 'heic'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export const OUTPUT_FORMATS = ['webp', 'avif', 'jpeg'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface ThumbnailOptions {
  /** Target widths in pixels; a smaller image is never enlarged. */
  widths: readonly number[];
  /**
   * Every output fits inside `width × maxHeight` (aspect ratio kept, never enlarged), so a very tall image gives a
   * thumbnail, not a strip as tall as the original. At most the smallest of ENCODER_MAX_SIDE.
   */
  maxHeight: number;
  /** Every width is rendered in each of these formats (WebP first by default). */
  formats: readonly OutputFormat[];
  /** Width × height above which an input is refused before it is decoded (decompression bombs). */
  maxInputPixels: number;
  /** Encoder quality, 1–100. */
  quality: number;
}

export interface Thumbnail {
  /** The configured width this output was made for (part of its stable key). */
  requestedWidth: number;
  format: OutputFormat;
  contentType: string;
  width: number;
  height: number;
  body: Buffer;
}

/** Why an input is refused. Stable codes: they appear in failure events that consumers may act on. */
export type RejectionReason =
  | 'empty'
  | 'too_large'
  | 'unsupported_format'
  | 'too_many_pixels'
  | 'corrupt'
  /** The object was gone when the event was handled (deleted, or overwritten by a delete marker). */
  | 'missing'
  | 'unexpected_key'
  /** So thin or so long that a side of a thumbnail would be under 1 px, or an output larger than its format holds. */
  | 'unsupported_dimensions';

/** A permanently bad input: retrying cannot help, so it is reported and not thrown to Lambda. */
export class RejectedInput extends Error {
  override readonly name = 'RejectedInput';
  constructor(
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(message);
  }
}

// libvips' operation cache keeps recent inputs and intermediates for reuse; each upload is a different image, so it
// only raises peak memory (measured by `npm run bench`).
sharp.cache(false);

const CONTENT_TYPES: Record<OutputFormat, string> = { webp: 'image/webp', avif: 'image/avif', jpeg: 'image/jpeg' };

/**
 * The largest side each encoder writes. sharp checks before encoding (src/common.cc, "Processed image is too large for
 * the … format"): WebP stores each side in 14 bits (WebP FAQ, "What is the maximum size a WebP image can be?": 16383),
 * HEIF (AVIF) is capped at 16384. For JPEG sharp allows 65535 (16 bits), but libjpeg itself stops at its
 * JPEG_MAX_DIMENSION, 65500 (jmorecfg.h: "Maximum supported image dimension is 65500 pixels").
 */
export const ENCODER_MAX_SIDE: Record<OutputFormat, number> = { webp: 16_383, avif: 16_384, jpeg: 65_500 };

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0): boolean =>
  signature.every((byte, i) => bytes[offset + i] === byte);
const ascii = (text: string): number[] => [...text].map((char) => char.charCodeAt(0));

/**
 * The brands of the ISO-BMFF `ftyp` box the bytes start with, major brand first (ISO/IEC 14496-12 4.3: size, `ftyp`,
 * major brand, minor version, compatible brands to the end of the box); undefined without one.
 */
export function ftypBrands(bytes: Uint8Array): string[] | undefined {
  if (bytes.length < 16 || !startsWith(bytes, ascii('ftyp'), 4)) return undefined;
  const size = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  if (size < 16) return undefined;
  const brand = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  const brands = [brand(8)];
  for (let at = 16; at + 4 <= Math.min(size, bytes.length); at += 4) brands.push(brand(at));
  return brands;
}

/**
 * HEIF brands of still images coded with HEVC (ISO/IEC 23008-12 annex B: `heic` 8-bit Main, `heix` Main 10 and 4:2:2 /
 * 4:4:4). iPhones write major brand `heic`; other cameras may announce the generic `mif1` (or `msf1`, image sequence)
 * and list `heic` among the compatible brands. The `hevc`/`hevx` sequence brands are not taken: a burst is no photo.
 */
const HEIC_BRANDS = ['heic', 'heix'];
const GENERIC_HEIF_BRANDS = ['mif1', 'msf1'];

/**
 * The format the leading bytes announce, or undefined. Written by hand (a few signatures) so that bytes that are not
 * one of the accepted formats — SVG, PDF, TIFF, RAW, text — are refused before any libvips loader (librsvg, libxml,
 * libtiff…) parses them; sharp's own detection would hand them to those loaders first.
 */
export function sniffFormat(bytes: Uint8Array): InputFormat | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  const [major, ...compatible] = ftypBrands(bytes) ?? [];
  if (major === 'avif' || major === 'avis') return 'avif';
  if (major !== undefined && HEIC_BRANDS.includes(major)) return 'heic';
  if (major !== undefined && GENERIC_HEIF_BRANDS.includes(major) && compatible.some((brand) => HEIC_BRANDS.includes(brand))) {
    return 'heic';
  }
  return undefined;
}

/** What sharp reports for each accepted input, to confirm the sniffed signature (AVIF and HEIC are libheif's `heif`). */
const SHARP_FORMAT: Record<InputFormat, string> = { jpeg: 'jpeg', png: 'png', webp: 'webp', gif: 'gif', avif: 'heif', heic: 'heif' };

/** The codec inside a HEIF container, as sharp's metadata names it, for the HEIF-based inputs. */
const HEIF_COMPRESSION: Partial<Record<InputFormat, string>> = { avif: 'av1', heic: 'hevc' };

function encode(image: Sharp, format: OutputFormat, quality: number): Sharp {
  switch (format) {
    case 'webp':
      return image.webp({ quality });
    case 'avif':
      // effort 2 of 0–9: AVIF's default (4) costs several times the CPU for a few percent smaller thumbnails.
      return image.avif({ quality: Math.max(1, quality - 30), effort: 2 });
    case 'jpeg':
      return image.jpeg({ quality, mozjpeg: true });
  }
}

/**
 * Renders every width × format from one decode. Throws RejectedInput for inputs that can never succeed; any other
 * error (out of memory, a bug) propagates so that the caller treats it as transient.
 */
export async function renderThumbnails(bytes: Uint8Array, options: ThumbnailOptions): Promise<Thumbnail[]> {
  if (bytes.length === 0) throw new RejectedInput('empty', 'The upload is empty');
  const format = sniffFormat(bytes);
  if (!format) throw new RejectedInput('unsupported_format', `Not one of ${INPUT_FORMATS.join(', ')}`);

  const input = {
    // Checked again by libvips while decoding; the header check below refuses a bomb before any pixel is decoded.
    limitInputPixels: options.maxInputPixels,
    // Reject real decode errors (truncated or corrupt data) but accept the harmless warnings phone cameras produce.
    failOn: 'error',
    // One frame of an animated GIF/WebP: a thumbnail is a still.
    pages: 1,
  } as const;
  let metadata: Metadata;
  try {
    // metadata() reads the header only; without the limit here the check below can say how large the image is.
    metadata = await sharp(bytes, { ...input, limitInputPixels: false }).metadata();
  } catch (error) {
    throw new RejectedInput('corrupt', `The image header cannot be read: ${(error as Error).message}`);
  }
  if (metadata.format !== SHARP_FORMAT[format]) {
    throw new RejectedInput('unsupported_format', `Bytes start like ${format} but decode as ${metadata.format}`);
  }
  const compression = HEIF_COMPRESSION[format];
  if (compression !== undefined && metadata.compression !== compression) {
    throw new RejectedInput('unsupported_format', `HEIF with ${metadata.compression ?? 'unknown'} compression is not supported`);
  }
  const { width, height } = metadata;
  if (!width || !height) throw new RejectedInput('corrupt', 'The image has no dimensions');
  if (width * height > options.maxInputPixels) {
    throw new RejectedInput('too_many_pixels', `${width}×${height} exceeds ${options.maxInputPixels} pixels`);
  }
  // From the header too, as displayed (EXIF orientation applied): the shape is known before any pixel is decoded.
  checkShape(metadata.autoOrient, options);

  // Decode once: JPEG shrink-on-load decodes straight at the scale the largest box needs (1/2, 1/4, 1/8), and the
  // result is kept as raw pixels that every size is cut from. clone() on the undecoded input would look the same but
  // let libvips decode (and entropy-decode in full) once per size — `npm run bench` measures both.
  // rotate() with no angle applies the EXIF orientation; no withMetadata()/keepExif(), so outputs carry no EXIF (GPS),
  // XMP or ICC profile (sharp converts to sRGB before the pixels are kept).
  // HEIC: sharp reads the header (above) but has no HEVC decoder, so the pixels come from WebAssembly (heic.ts), only
  // now that the header has passed every check.
  const source = format === 'heic' ? await heicSource(bytes, metadata, options.maxInputPixels) : sharp(bytes, input).rotate();
  const largest = Math.max(...options.widths);
  let base: Sharp;
  try {
    const { data, info } = await source
      .resize({ width: largest, height: options.maxHeight, fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
    base = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
  } catch (error) {
    if (isDecodeError(error)) throw new RejectedInput('corrupt', `The image cannot be decoded: ${(error as Error).message}`);
    throw error;
  }
  return Promise.all(
    options.widths.flatMap((requestedWidth) =>
      options.formats.map(async (outputFormat): Promise<Thumbnail> => {
        const resized = base.clone().resize({ width: requestedWidth, height: options.maxHeight, fit: 'inside', withoutEnlargement: true });
        const { data, info } = await encode(resized, outputFormat, options.quality)
          .toBuffer({ resolveWithObject: true })
          .catch((error: unknown) => {
            // checkShape() refuses these first; this keeps a case it misses from being retried as if transient.
            if (isDimensionError(error)) throw new RejectedInput('unsupported_dimensions', (error as Error).message);
            throw error;
          });
        return {
          requestedWidth,
          format: outputFormat,
          contentType: CONTENT_TYPES[outputFormat],
          width: info.width,
          height: info.height,
          body: data,
        };
      }),
    ),
  );
}

/**
 * The decoded HEIC as a sharp input. libheif has already applied the HEIF transforms (`irot`, `imir`): the HEIF
 * specification makes them, not an EXIF Orientation tag, say how a picture is shown (ISO/IEC 23008-12 6.5.10–12; libvips
 * ignores EXIF orientation in HEIF for the same reason, libvips issue #2551), so the pixels are upright and carry no EXIF
 * for sharp to turn them again.
 */
const HEIF_REJECTION: Record<HeifDecodeError['kind'], RejectionReason> = {
  corrupt: 'corrupt',
  unsupported: 'unsupported_format',
  too_large: 'too_many_pixels',
};

async function heicSource(bytes: Uint8Array, metadata: Metadata, maxInputPixels: number): Promise<Sharp> {
  let decoded: DecodedHeic;
  try {
    decoded = await decodeHeic(bytes, metadata.icc);
  } catch (error) {
    if (error instanceof HeifDecodeError) throw new RejectedInput(HEIF_REJECTION[error.kind], `The HEIC cannot be decoded: ${error.message}`);
    throw error;
  }
  // The limits were checked on the size sharp's libheif read from the header; the decoder must agree with it.
  if (decoded.width !== metadata.width || decoded.height !== metadata.height) {
    throw new RejectedInput('corrupt', `The HEIC decodes to ${decoded.width}×${decoded.height}, its header says ${metadata.width}×${metadata.height}`);
  }
  return decoded.raw
    ? sharp(decoded.input, { raw: decoded.raw, limitInputPixels: maxInputPixels })
    : sharp(decoded.input, { limitInputPixels: maxInputPixels, failOn: 'error' });
}

/** The size of the output for one box, unrounded: `fit: 'inside'` with `withoutEnlargement`, as sharp computes it. */
function fitInside(width: number, height: number, boxWidth: number, boxHeight: number): { width: number; height: number } {
  const scale = Math.min(1, boxWidth / width, boxHeight / height);
  return { width: width * scale, height: height * scale };
}

/**
 * Refuses a shape that cannot give every configured thumbnail. Fitting 1×20000 into 160×2400 would need a side of
 * 0.12 px; sharp rounds that up to 1 px (a 1×2400 "thumbnail", stretched 8× across), so anything under 1 px is refused
 * rather than distorted. The smallest box decides thinness and the largest the encoder limits, but every box is
 * checked: a handful of multiplications, against a decode of megapixels.
 */
function checkShape(displayed: { width: number; height: number }, options: ThumbnailOptions): void {
  const { width, height } = displayed;
  for (const requestedWidth of options.widths) {
    const box = `${requestedWidth}×${options.maxHeight}`;
    const fitted = fitInside(width, height, requestedWidth, options.maxHeight);
    if (Math.min(fitted.width, fitted.height) < 1) {
      throw new RejectedInput('unsupported_dimensions', `${width}×${height} is too thin to fit ${box}: a side would be under 1 px`);
    }
    for (const format of options.formats) {
      const limit = ENCODER_MAX_SIDE[format];
      if (Math.round(Math.max(fitted.width, fitted.height)) > limit) {
        throw new RejectedInput('unsupported_dimensions', `${width}×${height} fitted to ${box} exceeds ${format}'s ${limit} px`);
      }
    }
  }
}

/** sharp's check before an encoder runs, or libjpeg's (see ENCODER_MAX_SIDE): the same input always fails them. */
export function isDimensionError(error: unknown): boolean {
  return error instanceof Error && /too large for the \w+ format|maximum supported image dimension/i.test(error.message);
}

/**
 * libvips reports bad image data only as message text (sharp has no error codes); these are the loaders' messages
 * for truncated or corrupt data and for the pixel limit. Anything else stays transient.
 */
function isDecodeError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /premature end|corrupt|bogus|invalid|truncated|read error|unexpected end|exceeds pixel limit|load_buffer|Vips(Jpeg|Png|Gif|Webp|Heif|ForeignLoad)/i.test(
    message,
  );
}
