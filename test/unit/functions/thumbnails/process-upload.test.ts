import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import {
  decodeS3Key,
  processUpload,
  THUMBNAIL_CACHE_CONTROL,
  type ProcessOptions,
  type Ports,
  type ThumbnailEvent,
} from '../../../../functions/thumbnails/process-upload';
import { jpeg, png } from './images';

const OWNER = '0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11';
const options: ProcessOptions = {
  widths: [160, 480],
  formats: ['webp'],
  maxHeight: 2400,
  maxInputPixels: 40_000_000,
  quality: 80,
  maxInputBytes: 1_000_000,
  publicBaseUrl: 'https://d111.cloudfront.net',
};

const heic = (name: string): Buffer => readFileSync(path.join(__dirname, '../../../fixtures/heic', name));

/** In-memory ports that record what the use case did. */
function fakePorts(objects: Record<string, Uint8Array>) {
  const written = new Map<string, { body: Buffer; contentType: string; cacheControl: string }>();
  const published: ThumbnailEvent[] = [];
  const reads: string[] = [];
  const ports: Ports = {
    uploads: {
      size: async (key) => {
        const object = objects[key];
        return object?.length; // undefined: no such object, as the S3 adapter answers a 404
      },
      read: async (key) => {
        reads.push(key);
        return objects[key] ?? new Uint8Array();
      },
    },
    thumbnails: { write: async (key, body, contentType, cacheControl) => void written.set(key, { body, contentType, cacheControl }) },
    events: { publish: async (event) => void published.push(event) },
  };
  return { ports, written, published, reads };
}

describe('processUpload', () => {
  it('writes each thumbnail under a stable key with long caching and announces them in one event', async () => {
    // Prepare
    const key = `uploads/${OWNER}/5f1c2d3e-0000-4000-8000-000000000001.jpg`;
    const { ports, written, published } = fakePorts({ [key]: await jpeg(1000, 500) });

    // Act
    await processUpload({ bucket: 'uploads-bucket', key }, options, ports);

    // Assess
    const prefix = `thumbnails/${OWNER}/5f1c2d3e-0000-4000-8000-000000000001`;
    expect([...written.keys()]).toEqual([`${prefix}/w160.webp`, `${prefix}/w480.webp`]);
    for (const object of written.values()) {
      expect(object).toMatchObject({ contentType: 'image/webp', cacheControl: THUMBNAIL_CACHE_CONTROL });
    }
    expect(published).toEqual([
      {
        type: 'thumbnails.ready',
        source: { bucket: 'uploads-bucket', key, bytes: expect.any(Number) as number },
        owner: OWNER,
        outputs: [
          expect.objectContaining({ key: `${prefix}/w160.webp`, url: `https://d111.cloudfront.net/${prefix}/w160.webp`, width: 160, height: 80, bytes: written.get(`${prefix}/w160.webp`)?.body.length }),
          expect.objectContaining({ key: `${prefix}/w480.webp`, url: `https://d111.cloudfront.net/${prefix}/w480.webp`, width: 480, height: 240 }),
        ],
      },
    ]);
  });

  it('handles a key with spaces and unicode, as S3 events encode it', async () => {
    // Prepare: S3 sends "uploads/<owner>/My photo ✓.png" URL-encoded, with + for spaces
    const encoded = `uploads/${OWNER}/My+photo+%E2%9C%93.png`;
    const key = decodeS3Key(encoded);
    const png = await sharp({ create: { width: 300, height: 300, channels: 3, background: 'white' } }).png().toBuffer();
    const { ports, written, published } = fakePorts({ [key]: png });

    // Act
    const event = await processUpload({ bucket: 'b', key }, options, ports);

    // Assess
    expect(key).toBe(`uploads/${OWNER}/My photo ✓.png`);
    expect(written.has(`thumbnails/${OWNER}/My photo ✓/w160.webp`)).toBe(true);
    expect(event.type).toBe('thumbnails.ready');
    expect(published[0]?.type === 'thumbnails.ready' && published[0].outputs[0]?.url).toBe(
      `https://d111.cloudfront.net/thumbnails/${OWNER}/My%20photo%20%E2%9C%93/w160.webp`,
    );
  });

  it('refuses an upload over the size limit from HeadObject, without downloading it', async () => {
    // Prepare
    const key = `uploads/${OWNER}/big.jpg`;
    const { ports, reads, written, published } = fakePorts({ [key]: new Uint8Array(options.maxInputBytes + 1) });

    // Act
    const event = await processUpload({ bucket: 'b', key }, options, ports);

    // Assess
    expect(event).toMatchObject({ type: 'thumbnails.failed', reason: 'too_large', owner: OWNER });
    expect(published).toEqual([event]);
    expect(reads).toEqual([]);
    expect(written.size).toBe(0);
  });

  it('reports text renamed to .jpg as unsupported, and returns normally (no retry)', async () => {
    const key = `uploads/${OWNER}/photo.jpg`;
    const { ports, written, published } = fakePorts({ [key]: Buffer.from('not an image at all') });

    await expect(processUpload({ bucket: 'b', key }, options, ports)).resolves.toMatchObject({ reason: 'unsupported_format' });
    expect(published).toEqual([
      expect.objectContaining({ type: 'thumbnails.failed', source: { bucket: 'b', key }, reason: 'unsupported_format' }),
    ]);
    expect(written.size).toBe(0);
  });

  it('announces the thumbnails of a HEIC upload (an iPhone photo), upright', async () => {
    // Prepare: stored 48×64 with a HEIF rotation that shows it 64×48 (test/fixtures/heic/README.md)
    const key = `uploads/${OWNER}/5f1c2d3e-0000-4000-8000-000000000002.heic`;
    const { ports, written } = fakePorts({ [key]: heic('quadrants-rotated.heic') });

    // Act
    const event = await processUpload({ bucket: 'b', key }, options, ports);

    // Assess
    expect(event.type === 'thumbnails.ready' && event.outputs.map(({ format, width, height }) => [format, width, height])).toEqual([
      ['webp', 64, 48],
      ['webp', 64, 48],
    ]);
    expect(written.size).toBe(2);
  });

  it('reports a corrupt HEIC as corrupt, writes nothing and returns normally (no retry)', async () => {
    // Prepare: a real HEIC cut off inside its picture data
    const file = heic('quadrants.heic');
    const key = `uploads/${OWNER}/cut.heic`;
    const { ports, written, published } = fakePorts({ [key]: file.subarray(0, file.indexOf('mdat') + 30) });

    // Act
    const event = await processUpload({ bucket: 'b', key }, options, ports);

    // Assess
    expect(event).toMatchObject({ type: 'thumbnails.failed', reason: 'corrupt', owner: OWNER });
    expect(published).toEqual([event]);
    expect(written.size).toBe(0);
  });

  it('reports a zero-byte upload as empty', async () => {
    const key = `uploads/${OWNER}/empty.png`;
    const { ports } = fakePorts({ [key]: new Uint8Array(0) });
    await expect(processUpload({ bucket: 'b', key }, options, ports)).resolves.toMatchObject({ reason: 'empty' });
  });

  it('reports a key outside uploads/<owner>/ without reading it', async () => {
    const { ports, reads } = fakePorts({ 'elsewhere/x.jpg': await jpeg(10, 10) });
    await expect(processUpload({ bucket: 'b', key: 'elsewhere/x.jpg' }, options, ports)).resolves.toMatchObject({
      reason: 'unexpected_key',
    });
    expect(reads).toEqual([]);
  });

  it('reports a 1×20000 PNG as unsupported_dimensions, writes nothing and returns normally (no retry)', async () => {
    // Prepare: 160 px wide and 2400 high at most, its thumbnail would be 0.12 px wide
    const key = `uploads/${OWNER}/strip.png`;
    const { ports, written, published } = fakePorts({ [key]: await png(1, 20_000) });

    // Act
    const event = await processUpload({ bucket: 'b', key }, options, ports);

    // Assess
    expect(event).toEqual({
      type: 'thumbnails.failed',
      source: { bucket: 'b', key },
      owner: OWNER,
      reason: 'unsupported_dimensions',
      message: expect.stringContaining('1×20000') as string,
    });
    expect(published).toEqual([event]);
    expect(written.size).toBe(0);
  });

  it('announces a 100×20000 PNG (taller than WebP holds) with thumbnails inside the box', async () => {
    const key = `uploads/${OWNER}/tall.png`;
    const { ports, written, published } = fakePorts({ [key]: await png(100, 20_000) });

    await expect(processUpload({ bucket: 'b', key }, options, ports)).resolves.toMatchObject({ type: 'thumbnails.ready' });
    expect(written.size).toBe(2);
    expect(published[0]?.type === 'thumbnails.ready' && published[0].outputs.map(({ width, height }) => [width, height])).toEqual([
      [12, 2400],
      [12, 2400],
    ]);
  });

  it('throws on a transient failure (S3 write), so Lambda retries, and announces nothing', async () => {
    // Prepare
    const key = `uploads/${OWNER}/ok.jpg`;
    const { ports, published } = fakePorts({ [key]: await jpeg(400, 300) });
    ports.thumbnails.write = async () => {
      throw new Error('SlowDown');
    };

    // Act + Assess
    await expect(processUpload({ bucket: 'b', key }, options, ports)).rejects.toThrow('SlowDown');
    expect(published).toEqual([]);
  });

  it('reports an upload deleted before it was processed as missing, reads nothing and returns normally (no retry)', async () => {
    // Prepare: the event names a key that is no longer there
    const key = `uploads/${OWNER}/deleted.jpg`;
    const { ports, published, reads, written } = fakePorts({});

    // Act
    const result = await processUpload({ bucket: 'b', key }, options, ports);

    // Assess
    expect(result).toMatchObject({ type: 'thumbnails.failed', reason: 'missing', owner: OWNER });
    expect(published).toEqual([result]);
    expect(reads).toEqual([]);
    expect(written.size).toBe(0);
  });
});
