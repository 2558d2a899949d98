import sharp from 'sharp';
import { SAMPLE_IMAGE_KEY, SAMPLE_VIDEO_KEY, VIDEO, sampleImage, sampleVideo } from '../../../scripts/publish/sample-media';

/** The boxes of an ISO BMFF (MP4) byte range: type → payload (first of each type). */
function boxes(data: Buffer, start = 0, end = data.length): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  for (let offset = start; offset + 8 <= end; ) {
    const size = data.readUInt32BE(offset);
    const type = data.toString('latin1', offset + 4, offset + 8);
    if (size < 8) throw new Error(`bad box size ${size} at ${offset}`);
    if (!found.has(type)) found.set(type, data.subarray(offset + 8, offset + size));
    offset += size;
  }
  return found;
}

const child = (parent: Buffer, ...path: string[]): Buffer =>
  path.reduce((box, type) => {
    const next = boxes(box).get(type);
    if (next === undefined) throw new Error(`no ${type} box`);
    return next;
  }, parent);

describe('premium samples', () => {
  let video: Buffer;

  beforeAll(async () => {
    video = (await sampleVideo()).body;
  }, 60_000);

  it('the video is an H.264 MP4 of the stated size, length and frame count', () => {
    // Prepare
    const top = boxes(video);
    const moov = top.get('moov')!;
    const trak = child(moov, 'trak');
    const stbl = child(trak, 'mdia', 'minf', 'stbl');
    const mdhd = child(trak, 'mdia', 'mdhd');

    // Act
    const sampleEntry = boxes(child(stbl, 'stsd'), 8); // version/flags and entry count first
    const avc1 = sampleEntry.get('avc1')!;
    const width = avc1.readUInt16BE(24);
    const height = avc1.readUInt16BE(26);
    const sampleCount = child(stbl, 'stsz').readUInt32BE(8);
    const timescale = mdhd.readUInt32BE(12);
    const duration = mdhd.readUInt32BE(16);

    // Assess
    expect([...top.keys()]).toEqual(expect.arrayContaining(['ftyp', 'moov', 'mdat']));
    expect(avc1).toBeDefined();
    expect({ width, height }).toEqual({ width: VIDEO.width, height: VIDEO.height });
    expect(sampleCount).toBe(VIDEO.frameRate * VIDEO.seconds);
    expect(duration / timescale).toBeCloseTo(VIDEO.seconds, 1);
  });

  it('is generated the same every time, so a second publish uploads nothing', async () => {
    // Act
    const again = await sampleVideo();
    const images = await Promise.all([sampleImage(), sampleImage()]);

    // Assess
    expect(again.key).toBe(SAMPLE_VIDEO_KEY);
    expect(again.body.equals(video)).toBe(true);
    expect(images[0].body.equals(images[1].body)).toBe(true);
  }, 60_000);

  it('the image is a 1200×800 JPEG under premium/', async () => {
    // Act
    const image = await sampleImage();
    const meta = await sharp(image.body).metadata();

    // Assess
    expect(image.key).toBe(SAMPLE_IMAGE_KEY);
    expect(image.key.startsWith('premium/')).toBe(true);
    expect(image.contentType).toBe('image/jpeg');
    expect(meta).toMatchObject({ format: 'jpeg', width: 1200, height: 800 });
  });
});
