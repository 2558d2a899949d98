import sharp from 'sharp';
import {
  ENCODER_MAX_SIDE,
  isDimensionError,
  renderThumbnails,
  sniffFormat,
  type OutputFormat,
  type ThumbnailOptions,
} from '../../../../functions/thumbnails/thumbnails';
import { hasGpsIfd, jpeg, phoneJpeg, png, pngBomb, svg } from './images';
import { options, rejection } from './rendering';


describe('renderThumbnails', () => {
  it('renders every configured width in every configured format, keeping the aspect ratio', async () => {
    // Prepare
    const input = await jpeg(2000, 1500);

    // Act
    const outputs = await renderThumbnails(input, { ...options, formats: ['webp', 'jpeg'] });

    // Assess
    expect(outputs.map(({ requestedWidth, format, width, height, contentType }) => ({ requestedWidth, format, width, height, contentType }))).toEqual([
      { requestedWidth: 160, format: 'webp', width: 160, height: 120, contentType: 'image/webp' },
      { requestedWidth: 160, format: 'jpeg', width: 160, height: 120, contentType: 'image/jpeg' },
      { requestedWidth: 480, format: 'webp', width: 480, height: 360, contentType: 'image/webp' },
      { requestedWidth: 480, format: 'jpeg', width: 480, height: 360, contentType: 'image/jpeg' },
      { requestedWidth: 1200, format: 'webp', width: 1200, height: 900, contentType: 'image/webp' },
      { requestedWidth: 1200, format: 'jpeg', width: 1200, height: 900, contentType: 'image/jpeg' },
    ]);
    for (const output of outputs) {
      const metadata = await sharp(output.body).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual([output.format, output.width, output.height]);
    }
  });

  it('renders AVIF when configured', async () => {
    const [output] = await renderThumbnails(await png(640, 480), { ...options, widths: [320], formats: ['avif'] });
    expect(output?.contentType).toBe('image/avif');
    expect((await sharp(output?.body).metadata()).compression).toBe('av1');
  });

  it('accepts PNG, WebP, GIF and AVIF inputs by their bytes', async () => {
    const base = sharp({ create: { width: 320, height: 240, channels: 3, background: 'white' } });
    for (const input of [await base.clone().png().toBuffer(), await base.clone().webp().toBuffer(), await base.clone().gif().toBuffer(), await base.clone().avif().toBuffer()]) {
      const [output] = await renderThumbnails(input, { ...options, widths: [160] });
      expect([output?.width, output?.height]).toEqual([160, 120]);
    }
  });

  it('honours the EXIF orientation: a portrait photo stored sideways comes out portrait', async () => {
    // Prepare: stored 300×200, EXIF orientation 6 (displayed 200×300)
    const input = await phoneJpeg();

    // Act
    const [output] = await renderThumbnails(input, { ...options, widths: [160] });

    // Assess
    expect([output?.width, output?.height]).toEqual([160, 240]);
    expect((await sharp(output?.body).metadata()).orientation).toBeUndefined();
  });

  it('strips metadata: the GPS position of the original is not in any output', async () => {
    // Prepare
    const input = await phoneJpeg();
    expect(hasGpsIfd((await sharp(input).metadata()).exif)).toBe(true);

    // Act
    const outputs = await renderThumbnails(input, { ...options, formats: ['webp', 'jpeg'] });

    // Assess
    for (const output of outputs) {
      const metadata = await sharp(output.body).metadata();
      expect(metadata.exif).toBeUndefined();
      expect(metadata.xmp).toBeUndefined();
      expect(output.body.includes(Buffer.from('TestPhone'))).toBe(false);
    }
  });

  it('keeps transparency: a half-transparent PNG gives a WebP with the same alpha', async () => {
    // Act
    const [output] = await renderThumbnails(await png(640, 480), { ...options, widths: [320] });

    // Assess: one pixel of the output, as RGBA
    const { data } = await sharp(output?.body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(Math.abs((data[3] ?? 0) - 128)).toBeLessThanOrEqual(2);
    expect([data[0], data[1], data[2]].map((channel) => Math.round((channel ?? 0) / 10))).toEqual([0, 9, 20]);
  });

  it('converts a CMYK JPEG to sRGB and keeps a greyscale image grey', async () => {
    // Prepare: the same red as a CMYK print JPEG, and a mid-grey single-channel JPEG
    const cmyk = await sharp(await jpeg(800, 600)).toColourspace('cmyk').jpeg().toBuffer();
    const grey = await sharp({ create: { width: 800, height: 600, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .greyscale()
      .jpeg()
      .toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');

    // Act
    const [fromCmyk] = await renderThumbnails(cmyk, { ...options, widths: [160] });
    const [fromGrey] = await renderThumbnails(grey, { ...options, widths: [160] });

    // Assess
    const rgb = async (body: Buffer | undefined) => [...(await sharp(body).removeAlpha().toColourspace('srgb').raw().toBuffer()).subarray(0, 3)];
    const [r = 0, g = 0, b = 0] = await rgb(fromCmyk?.body);
    expect(r).toBeGreaterThan(150);
    expect(Math.max(g, b)).toBeLessThan(90);
    const [gr = 0, gg = 0, gb = 0] = await rgb(fromGrey?.body);
    expect(Math.max(gr, gg, gb) - Math.min(gr, gg, gb)).toBeLessThanOrEqual(2);
    expect(Math.abs(gr - 128)).toBeLessThanOrEqual(4);
  });

  it('never enlarges a small image', async () => {
    const outputs = await renderThumbnails(await png(100, 80), options);
    expect(outputs.map(({ requestedWidth, width, height }) => [requestedWidth, width, height])).toEqual([
      [160, 100, 80],
      [480, 100, 80],
      [1200, 100, 80],
    ]);
  });

  it('refuses a decompression bomb from its header, before decoding it', async () => {
    // Prepare: 400 MP in a file of a few kB
    const bomb = pngBomb();
    expect(bomb.length).toBeLessThan(200_000);

    // Act
    const error = await rejection(bomb);

    // Assess
    expect(error.reason).toBe('too_many_pixels');
    expect(error.message).toContain('20000×20000');
  });

  it.each([
    ['a zero-byte file', () => Buffer.alloc(0), 'empty'],
    ['SVG', () => svg, 'unsupported_format'],
    ['text named .jpg', () => Buffer.from('just some text, renamed to photo.jpg\n'), 'unsupported_format'],
    ['a PDF', () => Buffer.from('%PDF-1.7\n1 0 obj\n'), 'unsupported_format'],
  ] as const)('refuses %s as %s', async (_name, bytes, reason) => {
    expect((await rejection(bytes())).reason).toBe(reason);
  });

  it('refuses a corrupt JPEG (valid signature, garbage after it)', async () => {
    // Prepare
    const valid = await jpeg(640, 480);
    const corrupt = Buffer.concat([valid.subarray(0, 200), Buffer.alloc(4000, 0x55)]);

    // Act + Assess
    expect((await rejection(corrupt)).reason).toBe('corrupt');
  });

  it('refuses a truncated JPEG (the upload stopped half way)', async () => {
    const valid = await jpeg(640, 480);
    expect((await rejection(valid.subarray(0, Math.floor(valid.length / 2)))).reason).toBe('corrupt');
  });
});

describe('renderThumbnails with extreme shapes', () => {
  /** Each output as [requested width, width, height], after checking the bytes really have that size. */
  async function sizes(input: Buffer, opts = options): Promise<[number, number, number][]> {
    const outputs = await renderThumbnails(input, opts);
    for (const output of outputs) {
      const metadata = await sharp(output.body).metadata();
      // libheif reads AVIF; sharp names its format `heif`
      expect([metadata.format, metadata.width, metadata.height]).toEqual([output.format === 'avif' ? 'heif' : output.format, output.width, output.height]);
    }
    return outputs.map(({ requestedWidth, width, height }) => [requestedWidth, width, height]);
  }

  it('fits a 100×20000 PNG, taller than WebP can hold, into the box instead of failing', async () => {
    expect(await sizes(await png(100, 20_000))).toEqual([
      [160, 12, 2400],
      [480, 12, 2400],
      [1200, 12, 2400],
    ]);
  });

  it('bounds the height: a 100×8000 image gives 30×2400 thumbnails, not 100×8000', async () => {
    expect(await sizes(await png(100, 8000))).toEqual([
      [160, 30, 2400],
      [480, 30, 2400],
      [1200, 30, 2400],
    ]);
  });

  it.each([
    ['exactly the maximum height', 100, 2400, [100, 2400]],
    ['one pixel past the maximum height', 100, 2401, [100, 2400]],
    ['1 px wide at the maximum height', 1, 2400, [1, 2400]],
    ['1 px high at the smallest width', 160, 1, [160, 1]],
    ['WebP’s largest side, tall', 100, 16_383, [15, 2400]],
    ['one past WebP’s largest side, tall', 100, 16_384, [15, 2400]],
  ] as const)('keeps %s (%i×%i) inside every box', async (_name, width, height, [outWidth, outHeight]) => {
    expect(await sizes(await png(width, height))).toEqual(options.widths.map((requested) => [requested, outWidth, outHeight]));
  });

  it('fits very wide images too: WebP’s largest side and one past it', async () => {
    for (const width of [16_383, 16_384]) {
      expect(await sizes(await png(width, 200))).toEqual([
        [160, 160, 2],
        [480, 480, 6],
        [1200, 1200, 15],
      ]);
    }
  });

  it('at the largest configurable box (16383, WebP’s limit) still gives WebP it can write, in both orientations', async () => {
    const opts = { ...options, widths: [4096], maxHeight: 16_383 };
    expect(await sizes(await png(100, 16_383), opts)).toEqual([[4096, 100, 16_383]]);
    expect(await sizes(await png(100, 16_384), opts)).toEqual([[4096, 100, 16_383]]);
    expect(await sizes(await png(16_384, 100), opts)).toEqual([[4096, 4096, 25]]);
  });

  it.each([
    [1, 2401],
    [1, 20_000],
    [161, 1],
    [20_000, 1],
    [20_000, 100],
  ])('refuses %i×%i as unsupported_dimensions: a thumbnail side would be under 1 px', async (width, height) => {
    // Act
    const error = await rejection(await png(width, height));

    // Assess
    expect(error.reason).toBe('unsupported_dimensions');
    expect(error.message).toContain(`${width}×${height}`);
  });

  it('judges the shape as displayed: 2000×10 stored with EXIF "rotate 90°" is a 10×2000 portrait', async () => {
    // Prepare
    const landscape = await jpeg(2000, 10);
    const rotated = await sharp(landscape).withMetadata({ orientation: 6 }).jpeg().toBuffer();

    // Act + Assess: 160 px wide, the landscape would be 0.8 px high; the portrait fits every box as it is
    expect((await rejection(landscape)).reason).toBe('unsupported_dimensions');
    expect(await sizes(rotated)).toEqual(options.widths.map((requested) => [requested, 10, 2000]));
  });

  it.each([
    ['webp', ENCODER_MAX_SIDE.webp],
    ['avif', ENCODER_MAX_SIDE.avif],
    ['jpeg', ENCODER_MAX_SIDE.jpeg],
  ] as [OutputFormat, number][])(
    'with a box taller than %s holds, writes %i px and refuses one more from the header',
    async (format, limit) => {
      // Prepare: a box the configuration would not allow, so that only the encoder's limit applies
      const opts: ThumbnailOptions = { ...options, widths: [160], formats: [format], maxHeight: 70_000, maxInputPixels: 10_000_000 };

      // Act
      const atLimit = await sizes(await png(100, limit), opts);
      const error = await rejection(await png(100, limit + 1), opts);

      // Assess
      expect(atLimit).toEqual([[160, 100, limit]]);
      expect(error.reason).toBe('unsupported_dimensions');
      expect(error.message).toContain(`${format}'s ${limit} px`);
    },
  );
});

describe('isDimensionError', () => {
  const failure = (promise: Promise<unknown>): Promise<unknown> =>
    promise.then(
      () => new Error('expected a failure'),
      (error: unknown) => error,
    );
  const tall = (height: number) => sharp({ create: { width: 10, height, channels: 3, background: 'white' } });

  it('recognises every encoder’s own refusal of a too-large image, so that it is never retried', async () => {
    expect(isDimensionError(await failure(tall(ENCODER_MAX_SIDE.webp + 1).webp().toBuffer()))).toBe(true);
    expect(isDimensionError(await failure(tall(ENCODER_MAX_SIDE.avif + 1).avif().toBuffer()))).toBe(true);
    expect(isDimensionError(await failure(tall(ENCODER_MAX_SIDE.jpeg + 1).jpeg().toBuffer()))).toBe(true);
  });

  it('leaves other failures transient: S3 throttling, out of memory, unreadable input', async () => {
    expect(isDimensionError(new Error('SlowDown: Please reduce your request rate.'))).toBe(false);
    expect(isDimensionError(new RangeError('Array buffer allocation failed'))).toBe(false);
    expect(isDimensionError(new Error('vips_malloc: out of memory -- size == 1.6 GB'))).toBe(false);
    expect(isDimensionError(await failure(sharp(Buffer.from('not an image')).toBuffer()))).toBe(false);
  });
});

describe('sniffFormat', () => {
  it('names the accepted formats by their signatures and nothing else', async () => {
    expect(sniffFormat(await jpeg(10, 10))).toBe('jpeg');
    expect(sniffFormat(await png(10, 10))).toBe('png');
    expect(sniffFormat(svg)).toBeUndefined();
    expect(sniffFormat(Buffer.from('GIF8'))).toBeUndefined();
    expect(sniffFormat(new Uint8Array(0))).toBeUndefined();
  });
});
