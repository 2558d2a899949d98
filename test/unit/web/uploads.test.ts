import { checkPhoto, uploadType } from '../../../web/src/uploads';

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

describe('uploadType', () => {
  const withHeic = [...limits.types, 'image/heic', 'image/heif'];

  it('is the type the browser gave the file', () => {
    expect(uploadType({ name: 'a.jpg', type: 'image/jpeg', size: 1 }, limits.types)).toBe('image/jpeg');
  });

  it('names an iPhone photo the browser could not name (empty type) by its extension, when the site takes HEIC', () => {
    expect(uploadType({ name: 'IMG_0001.HEIC', type: '', size: 1 }, withHeic)).toBe('image/heic');
    expect(uploadType({ name: 'shot.heif', type: '', size: 1 }, withHeic)).toBe('image/heif');
    expect(checkPhoto({ name: 'IMG_0001.HEIC', type: '', size: 1 }, { ...limits, types: withHeic })).toBeUndefined();
  });

  it('leaves it unnamed where the site does not take HEIC, or for any other extension', () => {
    expect(uploadType({ name: 'IMG_0001.heic', type: '', size: 1 }, limits.types)).toBe('');
    expect(uploadType({ name: 'notes', type: '', size: 1 }, withHeic)).toBe('');
    expect(uploadType({ name: 'x.jpg', type: '', size: 1 }, withHeic)).toBe('');
    expect(checkPhoto({ name: 'IMG_0001.heic', type: '', size: 1 }, limits)).toMatch(/isn't a supported image/);
  });
});
