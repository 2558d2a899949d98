/**
 * @jest-environment jsdom
 *
 * The Photos page in a DOM (jsdom), on its own markup (web/photos.html, the header partial), against a fake of the
 * photos API answering as the contract says (GET /photos, GET /photos/{id}, DELETE /photos/{id}, POST /uploads) and
 * Jest's fake clock: the gallery's states as a user sees them — each photo's thumbnail, "Processing…" or the reason
 * it failed in words; paging with "Load more"; an upload followed until it is ready or failed, or the page stops
 * waiting; delete only after the dialog's Delete. jsdom has no showModal(): the dialog's two methods are stood in for
 * below as the HTML standard defines them, and the real <dialog> is exercised by the e2e test (test/e2e/photos.test.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PresignedUpload } from '../../../../web/src/api';
import type { SignedInUser } from '../../../../web/src/auth';
import { startGallery, STALE_PENDING_MS, type GalleryDeps } from '../../../../web/src/gallery';
import { ApiError } from '../../../../web/src/messages';
import type { Photo, PhotoList, PhotoThumbnail } from '../../../../web/src/photos';

// boot.ts (say) imports the Amplify wiring; none of it runs here.
jest.mock('../../../../web/src/auth', () => ({ accessToken: async () => undefined, currentUser: async () => undefined, configureAuth: () => undefined }));

const WEB = path.join(__dirname, '../../../../web');
const USER: SignedInUser = { email: 'reader@example.com', userId: 'u-reader', groups: [] };
const NOW = new Date('2026-12-02T12:00:00Z');
const VIEW = { locale: 'en-GB', timeZone: 'UTC' };
const CONFIG: GalleryDeps['config'] = {
  uploads: { maxBytes: 20 * 1024 * 1024, types: ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'] },
  thumbnails: { widths: [160, 480, 1200], format: 'webp' },
};

/** The HTML standard's showModal() and close(result) as far as the page uses them (jsdom has neither). */
beforeAll(() => {
  const proto = HTMLDialogElement.prototype as HTMLDialogElement & { returnValue: string };
  proto.showModal = function showModal(this: HTMLDialogElement) {
    this.open = true;
    this.querySelector<HTMLElement>('[autofocus]')?.focus();
  };
  proto.close = function close(this: HTMLDialogElement, result?: string) {
    if (!this.open) return;
    if (result !== undefined) this.returnValue = result;
    this.open = false;
    this.dispatchEvent(new Event('close'));
  };
});

function loadPage(file: string): void {
  const html = readFileSync(path.join(WEB, file), 'utf8').replace(/<!-- include: ([a-z-]+) -->/g, (_, name: string) =>
    readFileSync(path.join(WEB, 'partials', `${name}.html`), 'utf8'),
  );
  document.documentElement.innerHTML = new DOMParser().parseFromString(html, 'text/html').documentElement.innerHTML;
}

let serial = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++serial).padStart(12, '0')}`;
const thumb = (id: string, width: number, format = 'webp'): PhotoThumbnail => ({
  width, height: (width * 3) / 4, format, bytes: width * 20, url: `https://d.example/thumbnails/u-reader/${id}/w${width}.${format}`,
});
function photo(status: Photo['status'], over: Partial<Photo> = {}): Photo {
  const id = over.id ?? uuid();
  const base: Photo = { id, status, createdAt: '2026-12-02T11:58:00.000Z', contentType: 'image/jpeg' };
  if (status === 'ready') Object.assign(base, { original: { bytes: 900_000 }, thumbnails: [160, 480, 1200].map((w) => thumb(id, w)) });
  return { ...base, ...over };
}

interface Fake {
  /** GET /photos pages by cursor ('' for the first). */
  pages: Record<string, PhotoList | ApiError>;
  /** GET /photos/{id}: the answers in order, the last repeated. */
  photo: Record<string, (Photo | ApiError)[]>;
  remove?: ApiError;
  upload?: ApiError;
  s3?: ApiError;
}

function setup(fake: Partial<Fake> = {}, who: { signedOut?: true } = {}) {
  const user = who.signedOut ? undefined : USER;
  const state: Fake = { pages: { '': { photos: [] } }, photo: {}, ...fake };
  const uploadedId = uuid();
  const photosCalls: { cursor?: string; limit?: number }[] = [];
  const photoCalls: string[] = [];
  const api = {
    photos: jest.fn(async (page: { cursor?: string; limit?: number } = {}) => {
      photosCalls.push(page);
      const answer = state.pages[page.cursor ?? ''];
      if (answer === undefined) throw new ApiError(400, 'invalid_cursor', 'unknown cursor');
      if (answer instanceof ApiError) throw answer;
      return answer;
    }),
    photo: jest.fn(async (id: string) => {
      photoCalls.push(id);
      const answers = state.photo[id] ?? [new ApiError(404, 'not_found', 'No such photo')];
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
      if (answer instanceof ApiError) throw answer;
      return answer;
    }),
    deletePhoto: jest.fn(async (id: string) => {
      void id;
      if (state.remove) throw state.remove;
    }),
    uploadUrl: jest.fn(async (file: { type: string; size: number }): Promise<PresignedUpload> => {
      void file;
      if (state.upload) throw state.upload;
      return { key: `uploads/u-reader/${uploadedId}.jpg`, upload: { url: 'https://s3.example/uploads', fields: { key: 'k' } }, expiresAt: '2026-12-02T12:05:00Z' };
    }),
  };
  const postToS3 = jest.fn(async () => {
    if (state.s3) throw state.s3;
  });
  const onUploaded = jest.fn();
  const deps: GalleryDeps = { document, api, postToS3, config: CONFIG, user, onUploaded, now: () => new Date(Date.now()), view: VIEW };
  return { deps, api, postToS3, onUploaded, photosCalls, photoCalls, uploadedId, state };
}

const $ = <T extends Element = HTMLElement>(selector: string) => document.querySelector<T>(selector);
const cards = () => [...document.querySelectorAll<HTMLElement>('#gallery > li')];
const text = (element: Element | null) => (element?.textContent ?? '').replace(/\s+/g, ' ').trim();
const card = (id: string) => $<HTMLElement>(`#gallery > li[data-photo-id="${id}"]`)!;
const deleteButton = (id: string) => card(id).querySelector<HTMLButtonElement>('button.photo-delete')!;
const dialog = () => $<HTMLDialogElement>('#delete-dialog')!;
const dialogButton = (name: string) => [...dialog().querySelectorAll('button')].find((b) => b.textContent === name)!;
const jpeg = (name = 'sunset.jpg', type = 'image/jpeg', size = 900_000) => new File([new Uint8Array(size)], name, { type });

beforeEach(() => {
  jest.useFakeTimers({ now: NOW });
  loadPage('photos.html');
});
afterEach(() => jest.useRealTimers());

/** Lets the page's promises and timers run for `ms` of fake time. */
const run = (ms = 0) => jest.advanceTimersByTimeAsync(ms);

describe('the gallery', () => {
  it('signed out: says to sign in, shows no gallery and asks the API for nothing', async () => {
    const { deps, api } = setup({}, { signedOut: true });

    startGallery(deps);
    await run();

    expect(text($('#upload-status'))).toBe('Sign in to upload photos and see yours.');
    expect($('#gallery-section')!.hidden).toBe(true);
    expect(api.photos).not.toHaveBeenCalled();
  });

  it('lists the photos as the API orders them (newest first): thumbnail, the reason in words, or "Processing…"', async () => {
    // Prepare
    const ready = photo('ready', { createdAt: '2026-12-02T11:59:00.000Z' });
    const failed = photo('failed', { reason: 'unsupported_format', createdAt: '2026-12-02T11:58:00.000Z' });
    const pending = photo('pending', { createdAt: '2026-12-02T11:57:00.000Z' });
    const { deps, photosCalls } = setup({ pages: { '': { photos: [ready, failed, pending] } }, photo: { [pending.id]: [pending] } });

    // Act
    startGallery(deps);
    await run();

    // Assess
    expect(photosCalls).toEqual([{ limit: 20 }]);
    expect(cards().map((c) => [c.dataset.photoId, c.dataset.status])).toEqual([
      [ready.id, 'ready'],
      [failed.id, 'failed'],
      [pending.id, 'pending'],
    ]);
    const image = card(ready.id).querySelector('img')!;
    expect(image.getAttribute('alt')).toBe('Photo uploaded 2 Dec 2026, 11:59');
    expect(image.getAttribute('src')).toBe(`https://d.example/thumbnails/u-reader/${ready.id}/w480.webp`);
    expect(image.getAttribute('srcset')).toBe(
      [160, 480, 1200].map((w) => `https://d.example/thumbnails/u-reader/${ready.id}/w${w}.webp ${w}w`).join(', '),
    );
    expect(image.getAttribute('sizes')).toBeTruthy();
    expect([image.getAttribute('width'), image.getAttribute('height')]).toEqual(['480', '360']);
    expect(text(card(failed.id).querySelector('.photo-state'))).toBe(
      'This file is not a picture we can read. Choose one of: JPEG, PNG, WEBP, GIF, AVIF.',
    );
    expect(text(card(pending.id).querySelector('.photo-state'))).toBe('Processing…');
    expect(card(failed.id).querySelector('time')!.getAttribute('datetime')).toBe('2026-12-02T11:58:00.000Z');
    expect(deleteButton(ready.id).getAttribute('aria-label')).toBe('Delete the photo uploaded 2 Dec 2026, 11:59');
    expect($('#gallery-status')!.hidden).toBe(true);
    expect($('#load-more')!.hidden).toBe(true);
  });

  it('follows a pending photo of the list until the consumer has recorded it', async () => {
    const pending = photo('pending');
    const ready = { ...photo('ready', { id: pending.id }) };
    const { deps, photoCalls } = setup({ pages: { '': { photos: [pending] } }, photo: { [pending.id]: [pending, ready] } });

    startGallery(deps);
    await run(1000);
    expect(card(pending.id).dataset.status).toBe('pending');
    await run(1500);

    expect(photoCalls).toEqual([pending.id, pending.id]);
    expect(card(pending.id).dataset.status).toBe('ready');
    expect(card(pending.id).querySelector('img')).not.toBeNull();
  });

  it('a photo pending for longer than any upload can take is said never to have arrived, and is not asked for', async () => {
    const old = photo('pending', { createdAt: new Date(NOW.getTime() - STALE_PENDING_MS - 1000).toISOString() });
    const { deps, api } = setup({ pages: { '': { photos: [old] } } });

    startGallery(deps);
    await run(200_000);

    expect(card(old.id).dataset.status).toBe('stale');
    expect(text(card(old.id).querySelector('.photo-state'))).toMatch(/^This upload never arrived\./);
    expect(api.photo).not.toHaveBeenCalled();
  });

  it.each([
    ['corrupt', 'corrupt', 'The picture is damaged: it could not be read. Try saving or exporting it again.'],
    ['too_large with the site\'s limit', 'too_large', 'The picture is too large: photos can be up to 20 MB.'],
    ['an unknown code', 'new_reason', "We couldn't make thumbnails of this photo. Try another photo."],
  ])('words a failure reason (%s)', async (_what, reason, expected) => {
    const failed = photo('failed', { reason });
    const { deps } = setup({ pages: { '': { photos: [failed] } } });

    startGallery(deps);
    await run();

    expect(text(card(failed.id).querySelector('.photo-failed'))).toBe(expected);
  });

  it('says when there are no photos yet, and when the list could not be loaded', async () => {
    const empty = setup();
    startGallery(empty.deps);
    await run();
    expect(text($('#gallery-status'))).toBe('You have no photos yet. Upload one above.');
    expect($('#gallery-status')!.getAttribute('role')).toBe('status');

    loadPage('photos.html');
    const broken = setup({ pages: { '': new ApiError(500, 'internal_error', 'boom') } });
    startGallery(broken.deps);
    await run();
    expect(text($('#gallery-status'))).toBe('Something went wrong on our side. Please try again in a moment.');
    expect($('#gallery-status')!.getAttribute('role')).toBe('alert');
    expect(cards()).toEqual([]);
  });

  it('pages with "Load more" and the cursor, until the last page', async () => {
    // Prepare
    const first = [photo('ready'), photo('ready')];
    const second = [photo('failed', { reason: 'empty' })];
    const { deps, photosCalls } = setup({ pages: { '': { photos: first, nextCursor: 'c1' }, c1: { photos: second } } });
    startGallery(deps);
    await run();
    const more = $<HTMLButtonElement>('#load-more')!;
    expect(more.hidden).toBe(false);
    expect(cards()).toHaveLength(2);

    // Act
    more.click();
    await run();

    // Assess
    expect(photosCalls).toEqual([{ limit: 20 }, { limit: 20, cursor: 'c1' }]);
    expect(cards().map((c) => c.dataset.photoId)).toEqual([...first, ...second].map((p) => p.id));
    expect(more.hidden).toBe(true);
    // The button went away under the keyboard: focus is on the first photo it brought.
    expect(document.activeElement).toBe(deleteButton(second[0]!.id));
  });

  it('an empty page with a cursor is not the end: no "no photos yet", and Load more brings the rest', async () => {
    const later = photo('ready');
    const { deps } = setup({ pages: { '': { photos: [], nextCursor: 'c1' }, c1: { photos: [later] } } });
    startGallery(deps);
    await run();
    expect($('#gallery-status')!.hidden).toBe(true);

    $<HTMLButtonElement>('#load-more')!.click();
    await run();

    expect(cards().map((c) => c.dataset.photoId)).toEqual([later.id]);
  });

  it('a refused cursor is said in words and the button stays for another try', async () => {
    const { deps } = setup({ pages: { '': { photos: [photo('ready')], nextCursor: 'bad' }, bad: new ApiError(400, 'invalid_cursor', 'x') } });
    startGallery(deps);
    await run();

    $<HTMLButtonElement>('#load-more')!.click();
    await run();

    expect(text($('#gallery-status'))).toBe('The list of photos could not be continued. Reload the page to start again.');
    expect($<HTMLButtonElement>('#load-more')!.hidden).toBe(false);
    expect($<HTMLButtonElement>('#load-more')!.disabled).toBe(false);
  });

});

describe('uploading', () => {
  const submit = async (file: File) => {
    const input = $<HTMLInputElement>('#photo')!;
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    $<HTMLFormElement>('#upload-form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await run();
  };

  it('takes the types config.json lists (HEIC too, when the stage takes it)', async () => {
    const { deps } = setup();
    deps.config = { ...CONFIG, uploads: { ...CONFIG.uploads, types: [...CONFIG.uploads.types, 'image/heic', 'image/heif'] } };
    startGallery(deps);
    expect($<HTMLInputElement>('#photo')!.accept).toBe('image/jpeg,image/png,image/webp,image/gif,image/avif,image/heic,image/heif');
  });

  it('shows the upload at the top, asks GET /photos/{id} (not the CDN) until it is ready, and says so', async () => {
    // Prepare
    const older = photo('ready');
    const { deps, api, postToS3, onUploaded, uploadedId, state, photoCalls } = setup({ pages: { '': { photos: [older] } } });
    state.photo[uploadedId] = [photo('pending', { id: uploadedId }), photo('pending', { id: uploadedId }), photo('ready', { id: uploadedId })];
    startGallery(deps);
    await run();
    // Any request the page made itself (a HEAD to the distribution, as it did before the photos API) would go here.
    const fetchSpy = jest.fn();
    Object.assign(globalThis, { fetch: fetchSpy });

    // Act
    await submit(jpeg());

    // Assess: uploaded, processing
    expect(api.uploadUrl).toHaveBeenCalledWith({ type: 'image/jpeg', size: 900_000 });
    expect(postToS3).toHaveBeenCalledTimes(1);
    expect(onUploaded).toHaveBeenCalledTimes(1);
    expect(cards().map((c) => c.dataset.photoId)).toEqual([uploadedId, older.id]);
    expect(card(uploadedId).dataset.status).toBe('pending');
    expect(text(card(uploadedId).querySelector('figcaption'))).toBe('sunset.jpg · 2 Dec 2026, 12:00');
    expect(text($('#upload-status'))).toBe('sunset.jpg is uploaded. Making its thumbnails…');

    // Act: the back-off (1 s, 1.5 s, 2.25 s)
    await run(1000 + 1500 + 2250);

    // Assess: ready
    expect(photoCalls).toEqual([uploadedId, uploadedId, uploadedId]);
    expect(card(uploadedId).dataset.status).toBe('ready');
    expect(card(uploadedId).querySelector('img')!.getAttribute('alt')).toBe('Thumbnail of sunset.jpg');
    expect(text($('#upload-status'))).toBe('The thumbnail of sunset.jpg is ready.');
    expect(fetchSpy).not.toHaveBeenCalled();
    expect($<HTMLButtonElement>('#upload-form button')!.disabled).toBe(false);
    delete (globalThis as { fetch?: unknown }).fetch;
  });

  it('a file whose bytes are not a picture: the card and an alert give the reason in words', async () => {
    const { deps, uploadedId, state } = setup();
    state.photo[uploadedId] = [photo('failed', { id: uploadedId, reason: 'unsupported_format' })];
    startGallery(deps);
    await run();

    await submit(jpeg('not-a-photo.jpg', 'image/jpeg', 64));
    await run(1000);

    expect(card(uploadedId).dataset.status).toBe('failed');
    expect(text(card(uploadedId).querySelector('.photo-failed'))).toMatch(/^This file is not a picture we can read\./);
    expect($('#upload-status')!.getAttribute('role')).toBe('alert');
    expect(text($('#upload-status'))).toBe(
      "We couldn't make thumbnails of not-a-photo.jpg. This file is not a picture we can read. Choose one of: JPEG, PNG, WEBP, GIF, AVIF.",
    );
    expect($('#gallery-status')!.hidden).toBe(true); // "no photos yet" went with the first card
  });

  it('stops asking after the limit and says it is taking longer than usual', async () => {
    const { deps, uploadedId, state, photoCalls } = setup();
    state.photo[uploadedId] = [photo('pending', { id: uploadedId })];
    startGallery(deps);
    await run();

    await submit(jpeg());
    await run(130_000);
    const asked = photoCalls.length;
    await run(600_000);

    expect(photoCalls).toHaveLength(asked);
    expect(asked).toBeGreaterThan(10);
    expect(asked).toBeLessThan(25);
    expect(card(uploadedId).dataset.status).toBe('slow');
    expect(text($('#upload-status'))).toBe('sunset.jpg is taking longer than usual to process. Reload the page later to see it.');
  });

  it('puts the file\'s name in as text, never as HTML', async () => {
    const { deps, uploadedId, state } = setup();
    state.photo[uploadedId] = [photo('failed', { id: uploadedId, reason: 'corrupt' })];
    startGallery(deps);
    await run();

    await submit(jpeg('<img src=x onerror=alert(1)>.jpg'));
    await run(1000);

    expect(document.querySelectorAll('#gallery img, #upload-status img')).toHaveLength(0);
    expect(text(card(uploadedId).querySelector('.photo-name'))).toBe('<img src=x onerror=alert(1)>.jpg');
  });

  it('refuses a file before asking the API, as before', async () => {
    const { deps, api } = setup();
    startGallery(deps);
    await run();

    await submit(new File(['x'], 'notes.txt', { type: 'text/plain' }));

    expect(text($('#upload-status'))).toBe("notes.txt isn't a supported image. Choose one of: JPEG, PNG, WEBP, GIF, AVIF.");
    expect(api.uploadUrl).not.toHaveBeenCalled();
  });

  it('429 upload_quota_exceeded: says so, with when to try again (Retry-After), and adds no card', async () => {
    const { deps, postToS3 } = setup({ upload: new ApiError(429, 'upload_quota_exceeded', '50 a day', 5 * 3600) });
    startGallery(deps);
    await run();

    await submit(jpeg());

    expect($('#upload-status')!.getAttribute('role')).toBe('alert');
    expect(text($('#upload-status'))).toBe("You've reached today's upload limit. You can upload more photos in about 5 hours.");
    expect(postToS3).not.toHaveBeenCalled();
    expect(cards()).toEqual([]);
  });

  it('S3 refusing the file: its card goes and the refusal is said', async () => {
    const { deps } = setup({ s3: new ApiError(400, 'payload_too_large', 'EntityTooLarge') });
    startGallery(deps);
    await run();

    await submit(jpeg());

    expect(cards()).toEqual([]);
    expect(text($('#upload-status'))).toBe('That file is too large. Photos can be up to 20 MB.');
  });
});

describe('deleting', () => {
  async function withTwo(fake: Partial<Fake> = {}) {
    const first = photo('ready');
    const second = photo('failed', { reason: 'corrupt' });
    const ctx = setup({ pages: { '': { photos: [first, second] } }, ...fake });
    startGallery(ctx.deps);
    await run();
    return { ...ctx, first, second };
  }

  it('asks first, in a modal dialog naming the photo, focused on Cancel; Cancel deletes nothing', async () => {
    const { api, first } = await withTwo();

    deleteButton(first.id).click();
    await run();

    expect(dialog().open).toBe(true);
    expect(dialog().getAttribute('aria-labelledby')).toBe('delete-dialog-heading');
    expect(text($('#delete-dialog-heading'))).toBe('Delete this photo?');
    expect(text($('#delete-dialog-text'))).toBe(
      'The photo uploaded 2 Dec 2026, 11:58 and all its thumbnails will be deleted. This cannot be undone.',
    );
    expect(document.activeElement).toBe(dialogButton('Cancel'));

    dialogButton('Cancel').click();
    await run();

    expect(dialog().open).toBe(false);
    expect(api.deletePhoto).not.toHaveBeenCalled();
    expect(cards()).toHaveLength(2);
  });

  it('Escape (the dialog closed without an answer) deletes nothing, even after an earlier Delete', async () => {
    const { api, first, second } = await withTwo();
    deleteButton(first.id).click();
    await run();
    dialogButton('Delete').click();
    await run();
    expect(api.deletePhoto).toHaveBeenCalledTimes(1);

    deleteButton(second.id).click();
    await run();
    dialog().close(); // what Escape does: close, returnValue unchanged
    await run();

    expect(api.deletePhoto).toHaveBeenCalledTimes(1);
    expect(card(second.id)).not.toBeNull();
  });

  it('Delete: DELETE /photos/{id}, then the card goes, focus moves to the next photo and the page says so', async () => {
    const { api, first, second } = await withTwo();

    deleteButton(first.id).click();
    await run();
    dialogButton('Delete').click();
    await run();

    expect(api.deletePhoto).toHaveBeenCalledWith(first.id);
    expect(cards().map((c) => c.dataset.photoId)).toEqual([second.id]);
    expect(document.activeElement).toBe(deleteButton(second.id));
    expect(text($('#gallery-status'))).toBe('Deleted the photo uploaded 2 Dec 2026, 11:58.');
    expect($('#gallery-status')!.getAttribute('role')).toBe('status');
  });

  it('names a photo uploaded on this page by its file name, in the dialog and afterwards', async () => {
    const { deps, api, uploadedId, state } = setup();
    state.photo[uploadedId] = [photo('ready', { id: uploadedId })];
    startGallery(deps);
    await run();
    const input = $<HTMLInputElement>('#photo')!;
    Object.defineProperty(input, 'files', { value: [jpeg()], configurable: true });
    $<HTMLFormElement>('#upload-form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await run(1000);

    expect(deleteButton(uploadedId).getAttribute('aria-label')).toBe('Delete sunset.jpg');
    deleteButton(uploadedId).click();
    await run();
    expect(text($('#delete-dialog-text'))).toBe('sunset.jpg and all its thumbnails will be deleted. This cannot be undone.');
    dialogButton('Delete').click();
    await run();

    expect(api.deletePhoto).toHaveBeenCalledWith(uploadedId);
    expect(text($('#gallery-status'))).toBe('Deleted sunset.jpg. You have no photos now.');
  });

  it('an error keeps the card and says the photo was not deleted', async () => {
    const { first } = await withTwo({ remove: new ApiError(500, 'internal_error', 'boom') });

    deleteButton(first.id).click();
    await run();
    dialogButton('Delete').click();
    await run();

    expect(card(first.id)).not.toBeNull();
    expect(deleteButton(first.id).disabled).toBe(false);
    expect($('#gallery-status')!.getAttribute('role')).toBe('alert');
    expect(text($('#gallery-status'))).toBe('The photo was not deleted. Something went wrong on our side. Please try again in a moment.');
  });

  it('404 (deleted in another tab): the card goes too', async () => {
    const { first } = await withTwo({ remove: new ApiError(404, 'not_found', 'No such photo') });

    deleteButton(first.id).click();
    await run();
    dialogButton('Delete').click();
    await run();

    expect(cards()).toHaveLength(1);
  });

  it('deleting a photo still processing stops asking for it', async () => {
    const pending = photo('pending');
    const { deps, photoCalls } = setup({ pages: { '': { photos: [pending] } }, photo: { [pending.id]: [pending] } });
    startGallery(deps);
    await run(1000);
    expect(photoCalls).toHaveLength(1);

    deleteButton(pending.id).click();
    await run();
    dialogButton('Delete').click();
    await run(200_000);

    expect(photoCalls).toHaveLength(1);
    expect(cards()).toEqual([]);
    expect(text($('#gallery-status'))).toMatch(/You have no photos now\.$/);
    expect(document.activeElement).toBe($('#gallery-heading'));
  });
});
