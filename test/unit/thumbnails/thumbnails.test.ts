import sharp from 'sharp';
import { RejectedInput, renderThumbnails, sniffFormat, type ThumbnailOptions } from '../../../functions/thumbnails/thumbnails';
import { hasGpsIfd, jpeg, phoneJpeg, png, pngBomb, svg } from './images';

const options: ThumbnailOptions = { widths: [160, 480, 1200], formats: ['webp'], maxInputPixels: 40_000_000, quality: 80 };

async function rejection(bytes: Uint8Array, opts = options): Promise<RejectedInput> {
  const error: unknown = await renderThumbnails(bytes, opts).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof RejectedInput)) throw new Error(`expected a RejectedInput, got ${String(error)}`);
  return error;
}

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

describe('sniffFormat', () => {
  it('names the accepted formats by their signatures and nothing else', async () => {
    expect(sniffFormat(await jpeg(10, 10))).toBe('jpeg');
    expect(sniffFormat(await png(10, 10))).toBe('png');
    expect(sniffFormat(svg)).toBeUndefined();
    expect(sniffFormat(Buffer.from('GIF8'))).toBeUndefined();
    expect(sniffFormat(new Uint8Array(0))).toBeUndefined();
  });
});
