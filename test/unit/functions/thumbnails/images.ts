/** Test images made with sharp (and one by hand), so every case is reproducible and needs no binary fixtures. */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

export const jpeg = (width: number, height: number): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } }).jpeg().toBuffer();

export const png = (width: number, height: number): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 4, background: { r: 0, g: 90, b: 200, alpha: 0.5 } } }).png().toBuffer();

/** A 300×200 landscape JPEG whose EXIF says "rotate 90° clockwise" (orientation 6) and carries a GPS position. */
export async function phoneJpeg(): Promise<Buffer> {
  return sharp(await jpeg(300, 200))
    .withExif({
      IFD0: { Make: 'TestPhone' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 30/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 40/1' },
    })
    .withMetadata({ orientation: 6 })
    .jpeg()
    .toBuffer();
}

/** True when an EXIF block has a GPS IFD (tag 0x8825, in either byte order). */
export const hasGpsIfd = (exif: Buffer | undefined): boolean =>
  exif !== undefined && (exif.includes(Buffer.from([0x88, 0x25])) || exif.includes(Buffer.from([0x25, 0x88])));

function chunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/**
 * The PNG with an ICC profile (an `iCCP` chunk after IHDR: PNG specification 11.3.3.3), its pixel values unchanged.
 * sharp's withIccProfile() would convert the pixels to the profile; this only labels them.
 */
export function withIccProfile(png: Buffer, profile: Buffer): Buffer {
  const ihdrEnd = 8 + 8 + 13 + 4; // signature, IHDR length + type, IHDR data, CRC
  const iccp = chunk('iCCP', Buffer.concat([Buffer.from('icc\0\0', 'latin1'), deflateSync(profile)])); // name, method 0
  return Buffer.concat([png.subarray(0, ihdrEnd), iccp, png.subarray(ihdrEnd)]);
}

/**
 * A decompression bomb: a valid 1-bit PNG of 20000×20000 (400 MP, 1.6 GB as RGBA) whose all-zero rows deflate to a
 * few tens of kilobytes. Built by hand because sharp refuses to create an image that large.
 */
export function pngBomb(side = 20_000): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.writeUInt8(1, 8); // bit depth 1
  header.writeUInt8(0, 9); // greyscale
  const rowBytes = 1 + Math.ceil(side / 8); // filter byte + packed pixels
  const pixels = deflateSync(Buffer.alloc(rowBytes * side), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export const svg = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><script>alert(1)</script><rect width="400" height="300"/></svg>',
);
