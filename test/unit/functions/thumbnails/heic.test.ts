/**
 * HEIC inputs: the committed fixtures (test/fixtures/heic/README.md says how they were made), decoded by libheif in
 * WebAssembly and rendered by the same sharp pipeline as every other format.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { decodeHeic, HeifDecodeError } from '../../../../functions/thumbnails/heic';
import { ftypBrands, renderThumbnails, sniffFormat } from '../../../../functions/thumbnails/thumbnails';
import { QUADRANTS, QUADRANTS_SIZE } from '../../../fixtures/heic/quadrants';
import { withIccProfile } from './images';
import { options, rejection } from './rendering';

const fixture = (name: string): Buffer => readFileSync(path.join(__dirname, '../../../fixtures/heic', name));

/** An ISO-BMFF `ftyp` box with these brands, followed by a few bytes of nothing. */
function ftyp(major: string, ...compatible: string[]): Buffer {
  const box = Buffer.alloc(16 + compatible.length * 4);
  box.writeUInt32BE(box.length);
  box.write(`ftyp${major}`, 4, 'latin1');
  compatible.forEach((brand, i) => box.write(brand, 16 + i * 4, 'latin1'));
  return Buffer.concat([box, Buffer.alloc(16)]);
}

/**
 * The fixture with the primary image's `ispe` (its size in the header) set to `width`×`height`. libheif 1.15 writes
 * the picture as a one-tile grid: the tile's `ispe` comes first, the grid's — the primary image's — last.
 */
function withHeaderSize(file: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(file);
  const at = copy.lastIndexOf('ispe');
  copy.writeUInt32BE(width, at + 8); // after the type: version and flags (4 bytes), then width and height
  copy.writeUInt32BE(height, at + 12);
  return copy;
}

/** The RGB of the pixel at (x, y) of an encoded image. */
async function pixel(image: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [data[at] ?? NaN, data[at + 1] ?? NaN, data[at + 2] ?? NaN];
}

const rgb = ({ r, g, b }: { r: number; g: number; b: number }): [number, number, number] => [r, g, b];

/** Each channel within `tolerance` (lossy HEVC, then lossy WebP). */
function expectColour(actual: [number, number, number], expected: [number, number, number], tolerance = 12): void {
  expect({ actual, close: actual.every((value, i) => Math.abs(value - (expected[i] ?? NaN)) <= tolerance) }).toEqual({ actual, close: true });
}

/** The four corners of the quadrants picture, a few pixels in from the edges. */
async function expectQuadrants(image: Buffer, width: number, height: number): Promise<void> {
  const inset = 4;
  expectColour(await pixel(image, inset, inset), rgb(QUADRANTS.topLeft));
  expectColour(await pixel(image, width - inset, inset), rgb(QUADRANTS.topRight));
  expectColour(await pixel(image, inset, height - inset), rgb(QUADRANTS.bottomLeft));
  expectColour(await pixel(image, width - inset, height - inset), rgb(QUADRANTS.bottomRight));
}

describe('HEIC inputs', () => {
  it('sniffs HEIC by its ftyp brands: heic/heix major, or generic mif1/msf1 listing heic', () => {
    expect(ftypBrands(fixture('quadrants.heic'))).toEqual(['heic', 'mif1', 'heic', 'miaf']);
    expect(sniffFormat(fixture('quadrants.heic'))).toBe('heic');
    expect(sniffFormat(ftyp('heix', 'mif1'))).toBe('heic');
    expect(sniffFormat(ftyp('mif1', 'MiHE', 'heic'))).toBe('heic');
    expect(sniffFormat(ftyp('msf1', 'heic'))).toBe('heic');
    expect(sniffFormat(ftyp('avif', 'mif1'))).toBe('avif');
    // A generic HEIF that does not say it is HEVC, an HEVC image sequence, an MP4 video, a box cut short
    expect(sniffFormat(ftyp('mif1', 'miaf'))).toBeUndefined();
    expect(sniffFormat(ftyp('hevc', 'msf1'))).toBeUndefined();
    expect(sniffFormat(ftyp('isom', 'mp41'))).toBeUndefined();
    expect(sniffFormat(fixture('quadrants.heic').subarray(0, 12))).toBeUndefined();
  });

  it('renders a HEIC like a JPEG: every width, never enlarged, the colours where they were', async () => {
    // Act
    const outputs = await renderThumbnails(fixture('quadrants.heic'), { ...options, formats: ['webp', 'jpeg'] });

    // Assess
    const { width, height } = QUADRANTS_SIZE;
    expect(outputs.map(({ requestedWidth, format, width: w, height: h }) => [requestedWidth, format, w, h])).toEqual([
      [160, 'webp', width, height],
      [160, 'jpeg', width, height],
      [480, 'webp', width, height],
      [480, 'jpeg', width, height],
      [1200, 'webp', width, height],
      [1200, 'jpeg', width, height],
    ]);
    for (const output of outputs) {
      const metadata = await sharp(output.body).metadata();
      expect([metadata.format, metadata.width, metadata.height, metadata.exif]).toEqual([output.format, width, height, undefined]);
      await expectQuadrants(output.body, width, height);
    }
  });

  it('honours the HEIF rotation: stored sideways with irot 270°, it comes out upright', async () => {
    // Prepare: the pixels are stored 48×64, turned; only the header's `irot` says how to show them
    const input = fixture('quadrants-rotated.heic');

    // Act
    const [output] = await renderThumbnails(input, { ...options, widths: [160] });

    // Assess: the same picture as the upright fixture, not a 48×64 portrait nor a turned one
    const { width, height } = QUADRANTS_SIZE;
    expect([output?.width, output?.height]).toEqual([width, height]);
    await expectQuadrants(output?.body ?? Buffer.alloc(0), width, height);
  });

  it('converts a Display P3 HEIC (as iPhones tag theirs) to sRGB, as it does a P3 PNG', async () => {
    // Prepare: the same Display P3 values in a PNG labelled with the same profile, which sharp converts itself
    const { icc } = await sharp(fixture('display-p3.heic')).metadata();
    expect(icc?.toString('latin1')).toContain('P\u00003'); // the profile's description, "sP3C"
    const { r, g, b } = QUADRANTS.p3;
    const flat = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g, b } } }).png().toBuffer();
    const [reference] = await renderThumbnails(withIccProfile(flat, icc ?? Buffer.alloc(0)), { ...options, widths: [160] });

    // Act
    const [output] = await renderThumbnails(fixture('display-p3.heic'), { ...options, widths: [160] });

    // Assess: like the PNG, and visibly not the P3 numbers taken as sRGB
    const converted = await pixel(output?.body ?? Buffer.alloc(0), 32, 24);
    expectColour(converted, await pixel(reference?.body ?? Buffer.alloc(0), 32, 24), 4);
    expect(Math.max(...converted.map((value, i) => Math.abs(value - (rgb(QUADRANTS.p3)[i] ?? NaN))))).toBeGreaterThanOrEqual(10);
  });

  it('refuses a HEIC over the pixel limit from its header, before decoding it', async () => {
    // Prepare: a 64×48 picture whose header claims 20000×20000 (400 MP). Decoded, it would fail as corrupt (the
    // picture is not that size), so `too_many_pixels` shows the header check refused it first.
    const bomb = withHeaderSize(fixture('quadrants.heic'), 20_000, 20_000);

    // Act
    const error = await rejection(bomb);

    // Assess
    expect(error.reason).toBe('too_many_pixels');
    expect(error.message).toContain('20000×20000');
    // And the same limit as for a JPEG: the real 64×48 (3072 px) passes at 3072 and is refused at 3071
    await expect(renderThumbnails(fixture('quadrants.heic'), { ...options, maxInputPixels: 3072 })).resolves.toHaveLength(3);
    expect((await rejection(fixture('quadrants.heic'), { ...options, maxInputPixels: 3071 })).reason).toBe('too_many_pixels');
  });

  it('judges the shape from the header too: a HEIC claiming 20000×10 is refused before decoding', async () => {
    const error = await rejection(withHeaderSize(fixture('quadrants.heic'), 20_000, 10));
    expect(error.reason).toBe('unsupported_dimensions');
  });

  it.each([
    ['its picture data zeroed', (file: Buffer) => Buffer.concat([file.subarray(0, file.indexOf('mdat') + 4), Buffer.alloc(file.length - file.indexOf('mdat') - 4)])],
    ['cut off inside the picture data', (file: Buffer) => file.subarray(0, file.indexOf('mdat') + 30)],
    ['cut off inside the header', (file: Buffer) => file.subarray(0, Math.floor(file.length / 2))],
    ['a header that does not match its picture', (file: Buffer) => withHeaderSize(file, 6000, 4000)],
  ])('refuses a HEIC with %s as corrupt', async (_name, damage) => {
    expect((await rejection(damage(fixture('quadrants.heic')))).reason).toBe('corrupt');
  });

  it('refuses another codec under a HEIC brand (an AVIF relabelled) as unsupported, not as a retryable error', async () => {
    // Prepare
    const avif = Buffer.from(await sharp({ create: { width: 64, height: 48, channels: 3, background: 'red' } }).avif().toBuffer());
    avif.write('heic', 8, 'latin1');

    // Act + Assess
    expect((await rejection(avif)).reason).toBe('unsupported_format');
  });
});

describe('decodeHeic', () => {
  it('gives upright 8-bit RGB rows, and with a profile a TIFF that carries it', async () => {
    // Act
    const plain = await decodeHeic(fixture('quadrants-rotated.heic'));
    const { icc } = await sharp(fixture('display-p3.heic')).metadata();
    const tagged = await decodeHeic(fixture('display-p3.heic'), icc);

    // Assess
    expect(plain.raw).toEqual({ width: 64, height: 48, channels: 3 });
    expect(plain.input.length).toBe(64 * 48 * 3);
    expectColour([plain.input[0] ?? NaN, plain.input[1] ?? NaN, plain.input[2] ?? NaN], rgb(QUADRANTS.topLeft), 4);
    expect(tagged.raw).toBeUndefined();
    const metadata = await sharp(tagged.input).metadata();
    expect([metadata.format, metadata.width, metadata.height, metadata.channels, metadata.icc?.equals(icc ?? Buffer.alloc(0))]).toEqual(['tiff', 64, 48, 3, true]);
  });

  it('reports libheif’s own size limit as too_large, not as a memory failure to retry', async () => {
    // 70000×70000 is over libheif's limit (heif_security_limits: 32768² pixels), which it reports as a memory error
    const error: unknown = await decodeHeic(withHeaderSize(fixture('quadrants.heic'), 70_000, 70_000)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HeifDecodeError);
    expect((error as HeifDecodeError).kind).toBe('too_large');
  });
});
