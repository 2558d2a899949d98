import { checkPhoto, displayWidth, thumbnailPath } from '../../../web/src/uploads';

const limits = { maxBytes: 20 * 1024 * 1024, types: ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'] };

describe('checkPhoto', () => {
  it('accepts a JPEG under the limit', () => {
    expect(checkPhoto({ name: 'a.jpg', type: 'image/jpeg', size: 5_000_000 }, limits)).toBeUndefined();
  });

  it('accepts a photo of exactly the limit', () => {
    expect(checkPhoto({ name: 'a.png', type: 'image/png', size: limits.maxBytes }, limits)).toBeUndefined();
  });

  it('refuses a type the API does not take, naming the ones it does', () => {
    expect(checkPhoto({ name: 'notes.txt', type: 'text/plain', size: 10 }, limits)).toBe(
      "notes.txt isn't a supported image. Choose one of: JPEG, PNG, WEBP, GIF, AVIF.",
    );
  });

  it('refuses SVG and HEIC, which the thumbnails function cannot take', () => {
    expect(checkPhoto({ name: 'x.svg', type: 'image/svg+xml', size: 10 }, limits)).toMatch(/isn't a supported image/);
    expect(checkPhoto({ name: 'x.heic', type: 'image/heic', size: 10 }, limits)).toMatch(/isn't a supported image/);
  });

  it('refuses a file over the limit with both sizes', () => {
    expect(checkPhoto({ name: 'huge.jpg', type: 'image/jpeg', size: limits.maxBytes + 1024 * 1024 }, limits)).toBe(
      'huge.jpg is 21 MB; photos can be up to 20 MB.',
    );
  });

  it('refuses an empty file', () => {
    expect(checkPhoto({ name: 'empty.jpg', type: 'image/jpeg', size: 0 }, limits)).toBe('empty.jpg is empty.');
  });
});

describe('thumbnailPath', () => {
  it('follows the thumbnails function key scheme: owner, upload name without extension, width and format', () => {
    // Act
    const path = thumbnailPath('uploads/0b8e-41c2/7f1c2d9e-aaaa-bbbb.jpg', 480, 'webp');

    // Assess
    expect(path).toBe('/thumbnails/0b8e-41c2/7f1c2d9e-aaaa-bbbb/w480.webp');
  });

  it('refuses a key outside uploads/', () => {
    expect(() => thumbnailPath('premium/x.jpg', 480, 'webp')).toThrow('Not an upload key');
  });
});

describe('displayWidth', () => {
  it('picks the smallest width that fills a 480 px column', () => {
    expect(displayWidth([1200, 160, 480])).toBe(480);
    expect(displayWidth([160, 600, 1200])).toBe(600);
  });

  it('takes the largest when all are smaller', () => {
    expect(displayWidth([120, 240])).toBe(240);
  });
});
