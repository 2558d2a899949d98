/**
 * HEIC (HEIF with HEVC) → pixels sharp can read. The prebuilt sharp carries libheif without an HEVC decoder (patents:
 * sharp docs, "Installation — Prebuilt binaries": "…HEIF … AVIF only"), so it reads a HEIC's header — size, ICC profile
 * — but not its pixels. Those come from libheif compiled to WebAssembly with libde265 (the npm package libheif-js,
 * LGPL-3.0, shipped unmodified as its own files in node_modules, beside sharp's LGPL libvips).
 *
 * Each decode gets a fresh WebAssembly instance (the compiled module is kept): a wasm memory only grows, so one
 * instance per container would keep the peak of the largest photo it ever decoded for as long as the container lives,
 * and a corrupt file that trapped half way cannot leave state behind for the next upload.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { heif_image_handle, MainModule } from 'libheif-js/libheif-wasm/libheif.js';

/**
 * Why libheif refused the bytes: `corrupt` data, a file using something this build cannot decode (`unsupported`), or
 * an image over libheif's own size limits (`too_large`; the header check before the decode normally refuses it first).
 */
export class HeifDecodeError extends Error {
  override readonly name = 'HeifDecodeError';
  constructor(
    readonly kind: 'corrupt' | 'unsupported' | 'too_large',
    message: string,
  ) {
    super(message);
  }
}

export interface DecodedHeic {
  /** Raw interleaved 8-bit RGB(A) when `raw` is set; otherwise an uncompressed TIFF carrying the ICC profile. */
  input: Buffer;
  raw?: { width: number; height: number; channels: 3 | 4 };
  /** As displayed: libheif applies the `irot`/`imir`/`clap` transforms while decoding. */
  width: number;
  height: number;
}

/**
 * The part of the WebAssembly JavaScript API used here. Node has it as a global; the project's TypeScript libraries
 * (ES2023, no DOM) do not declare it.
 */
interface WasmInstance {
  exports: object;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
  RuntimeError: new () => Error;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The emscripten module options this file uses (emscripten docs, "Module object"). */
interface ModuleOptions {
  instantiateWasm(imports: object, done: (instance: WasmInstance, module: object) => void): object;
  onRuntimeInitialized(): void;
  print(text: string): void;
  printErr(text: string): void;
}

/** A heif_error as the JS binding returns it (libheif, libheif/api/libheif/heif_emscripten.h). */
interface HeifError {
  code: { value: number };
  subcode: { value: number };
  message: unknown;
}

/** What heif_js_decode_image2 returns for a decoded image (same file). */
interface DecodeResult {
  channels: { id: { value: number }; width: number; height: number; stride: number; data: Uint8Array }[];
}

// heif_error_code (libheif, libheif/api/libheif/heif_error.h): what the input is to blame for.
const INPUT_ERRORS = new Map<number, HeifDecodeError['kind']>([
  [2, 'corrupt'], // Invalid_input
  [3, 'unsupported'], // Unsupported_filetype
  [4, 'unsupported'], // Unsupported_feature
  [7, 'corrupt'], // Decoder_plugin_error: libde265 refused the HEVC stream
  // Plugin_loading_error: this build has no plugins, only the decoders compiled in (HEVC); another codec inside the
  // HEIF (AV1 under a `heic` brand, VVC, JPEG 2000) ends here.
  [11, 'unsupported'],
]);
const MEMORY_ALLOCATION_ERROR = 6;
/** heif_suberror_Security_limit_exceeded: libheif's limits (heif_security_limits), reported as a memory error. */
const SECURITY_LIMIT_EXCEEDED = 1000;

let loaded: Promise<{ factory: (options: ModuleOptions) => MainModule; compiled: object }> | undefined;

/** The JS glue and the compiled wasm, once per container and only when a HEIC arrives (~40 ms + ~50 ms). */
function load(): NonNullable<typeof loaded> {
  loaded ??= import('libheif-js/libheif-wasm/libheif.js').then((glue) => ({
    factory: glue.default as unknown as (options: ModuleOptions) => MainModule,
    compiled: new wasm.Module(readFileSync(path.join(path.dirname(require.resolve('libheif-js/libheif-wasm/libheif.js')), 'libheif.wasm'))),
  }));
  return loaded;
}

async function instantiate(): Promise<MainModule> {
  const { factory, compiled } = await load();
  let initialized: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (initialized = resolve));
  const heif = factory({
    instantiateWasm(imports, done) {
      const instance = new wasm.Instance(compiled, imports);
      done(instance, compiled);
      return instance.exports;
    },
    onRuntimeInitialized: () => initialized(),
    // libheif reports through its return values; stray stdout/stderr from the C libraries is noise in the logs.
    print: () => undefined,
    printErr: () => undefined,
  });
  await ready;
  return heif;
}

function failure(what: string, error: HeifError): Error {
  const code = error.code.value;
  const message = `${what}: ${String(error.message).trim()}`;
  if (code === MEMORY_ALLOCATION_ERROR && error.subcode.value === SECURITY_LIMIT_EXCEEDED) return new HeifDecodeError('too_large', message);
  const kind = INPUT_ERRORS.get(code);
  // A real allocation failure, and anything else: not the input's fault as far as we can tell, so retried.
  return kind ? new HeifDecodeError(kind, message) : new Error(`libheif error ${code}: ${message}`);
}

/**
 * Decodes the primary image to 8-bit RGB, with alpha only when the file has it. `profile` (the ICC profile sharp read
 * from the header) is wrapped with the pixels in a TIFF, because sharp converts to sRGB only from a profile it reads with
 * the pixels, and its `raw` input takes none; iPhones tag their photos Display P3.
 */
export async function decodeHeic(bytes: Uint8Array, profile?: Buffer): Promise<DecodedHeic> {
  // Nothing is released inside the instance (context, handle, image): the whole instance goes when this returns.
  const heif = await instantiate();
  try {
    const context = heif.heif_context_alloc();
    const read = heif.heif_context_read_from_memory(context, bytes);
    if (read.code.value !== 0) throw failure('HEIF container', read);
    // A handle, or a heif_error when there is no primary image.
    const handle = heif.heif_js_context_get_primary_image_handle(context) as heif_image_handle | HeifError;
    if ('code' in handle) throw failure('primary image', handle);
    const channels = heif.heif_image_handle_has_alpha_channel(handle) === 1 ? 4 : 3;
    const chroma = channels === 4 ? heif.heif_chroma.heif_chroma_interleaved_RGBA : heif.heif_chroma.heif_chroma_interleaved_RGB;
    const result = (await heif.heif_js_decode_image2(handle, heif.heif_colorspace.heif_colorspace_RGB, chroma)) as DecodeResult | HeifError;
    if ('code' in result) throw failure('HEVC image', result);
    const plane = result.channels.find((channel) => channel.id.value === heif.heif_channel.heif_channel_interleaved.value);
    if (!plane) throw new HeifDecodeError('corrupt', 'HEVC image: libheif returned no interleaved plane');
    const { width, height, stride, data } = plane;
    // The plane is a view into the instance's memory: copied out row by row (rows may be padded to `stride`).
    const row = width * channels;
    const header = profile ? tiffHeader(width, height, channels, profile) : Buffer.alloc(0);
    const input = Buffer.allocUnsafe(header.length + row * height);
    header.copy(input);
    for (let y = 0; y < height; y++) input.set(data.subarray(y * stride, y * stride + row), header.length + y * row);
    return profile ? { input, width, height } : { input, raw: { width, height, channels }, width, height };
  } catch (error) {
    // A trap inside libheif/libde265 (emscripten reports them as RuntimeError) comes from the bytes it was given: the
    // instance is dropped either way. Running out of memory is not the bytes' fault and stays retryable.
    if (error instanceof wasm.RuntimeError && !/out of memory|OOM|enlarge memory/i.test(error.message)) {
      throw new HeifDecodeError('corrupt', `libheif stopped: ${error.message}`);
    }
    throw error;
  }
}

/**
 * The header of a baseline uncompressed TIFF (TIFF 6.0 specification, sections 2, 6 and 18) of one strip of 8-bit
 * RGB(A) rows, with the ICC profile as tag 34675 (ICC.1 specification, annex B.4), to be followed by the pixels.
 * Written by hand: sharp writes TIFF, but only after a colour conversion this is here to let sharp make.
 */
function tiffHeader(width: number, height: number, channels: 3 | 4, profile: Buffer): Buffer {
  const SHORT = 3;
  const LONG = 4;
  const UNDEFINED = 7;
  const entries: [tag: number, type: number, count: number, value: number][] = [];
  const count = channels === 4 ? 12 : 11;
  const ifdSize = 2 + count * 12 + 4;
  const bitsAt = 8 + ifdSize;
  const profileAt = bitsAt + channels * 2;
  const pixelsAt = profileAt + profile.length + (profile.length % 2); // values start on a word boundary
  entries.push(
    [256, LONG, 1, width], // ImageWidth
    [257, LONG, 1, height], // ImageLength
    [258, SHORT, channels, bitsAt], // BitsPerSample: 8 per channel, stored after the IFD
    [259, SHORT, 1, 1], // Compression: none
    [262, SHORT, 1, 2], // PhotometricInterpretation: RGB
    [273, LONG, 1, pixelsAt], // StripOffsets
    [277, SHORT, 1, channels], // SamplesPerPixel
    [278, LONG, 1, height], // RowsPerStrip: one strip
    [279, LONG, 1, width * height * channels], // StripByteCounts
    [284, SHORT, 1, 1], // PlanarConfiguration: interleaved
  );
  if (channels === 4) entries.push([338, SHORT, 1, 2]); // ExtraSamples: unassociated alpha
  entries.push([34675, UNDEFINED, profile.length, profileAt]); // ICC profile
  const header = Buffer.alloc(pixelsAt);
  header.write('II', 0, 'latin1'); // little-endian
  header.writeUInt16LE(42, 2);
  header.writeUInt32LE(8, 4); // the IFD follows
  header.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, n, value], i) => {
    const at = 10 + i * 12;
    header.writeUInt16LE(tag, at);
    header.writeUInt16LE(type, at + 2);
    header.writeUInt32LE(n, at + 4);
    // A SHORT that fits sits in the first two bytes of the value field; anything longer is an offset.
    if (type === SHORT && n === 1) header.writeUInt16LE(value, at + 8);
    else header.writeUInt32LE(value, at + 8);
  });
  header.writeUInt32LE(0, 10 + entries.length * 12); // no next IFD
  for (let i = 0; i < channels; i++) header.writeUInt16LE(8, bitsAt + i * 2);
  profile.copy(header, profileAt);
  return header;
}
