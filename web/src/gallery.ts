/**
 * The Photos page (photos.html): upload a photo, and the signed-in user's photos from GET /photos, newest first, a
 * page at a time. An upload is a presigned POST straight to S3; the thumbnails function then makes its thumbnails and
 * the photos consumer records `ready` or `failed` (with the reason) in the photos table, so the page asks
 * GET /photos/{id} with back-off until it is one or the other (photos.ts pollPhoto). Deleting asks first, in a modal
 * dialog. Pure DOM and ports: the unit tests run it in jsdom against a fake API and a fake clock.
 */
import type { Api, PresignedUpload } from './api';
import type { SignedInUser } from './auth';
import { say } from './boot';
import type { SiteConfig } from './config';
import { ApiError, describeApiError, describePhotoFailure, type Limits } from './messages';
import { photoIdOf, pollPhoto, POLL_BACKOFF, type Backoff, type Photo, type PollOutcome } from './photos';
import { confirmDelete, deleteQuestion, photoCard, photoLabel, renderCard, type CardFacts, type CardOptions, type CardState, type ViewOptions } from './photos-view';
import { checkPhoto, uploadType } from './uploads';

/** Photos per GET /photos (the API takes 1 to 50). */
export const PAGE_SIZE = 20;

/**
 * A photo pending for longer than this was signed and never uploaded: a presigned POST is valid for at most an hour
 * (upload-url's UPLOAD_URL_EXPIRES_SECONDS ≤ 3600), and its record expires by itself a day later.
 */
export const STALE_PENDING_MS = 60 * 60 * 1000 + POLL_BACKOFF.totalMs;

export interface GalleryDeps {
  document: Document;
  api: Pick<Api, 'photos' | 'photo' | 'deletePhoto' | 'uploadUrl'>;
  postToS3: (presigned: PresignedUpload, file: File) => Promise<void>;
  config: Pick<SiteConfig, 'uploads' | 'thumbnails'>;
  user: SignedInUser | undefined;
  /** Called once a file is in S3 (the page's analytics event). */
  onUploaded?: () => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  backoff?: Backoff;
  view?: ViewOptions;
}

export interface Gallery {
  /** Uploads the file as the form does, resolving when it is ready, failed, or the page stopped waiting. */
  upload: (file: File) => Promise<void>;
  /** Resolves when nothing is loading, uploading, waiting or deleting any more (for tests). */
  idle: () => Promise<void>;
}

interface Card {
  facts: CardFacts;
  element: HTMLLIElement;
  /** Stops the polling for this card (deleted meanwhile). */
  polling?: AbortController;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function startGallery(deps: GalleryDeps): Gallery {
  const { document: doc, api, config } = deps;
  const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
    const element = doc.getElementById(id);
    if (element === null) throw new Error(`#${id} is missing from the page`);
    return element as T;
  };
  const form = byId<HTMLFormElement>('upload-form');
  const input = byId<HTMLInputElement>('photo');
  const uploadStatus = byId('upload-status');
  const section = byId('gallery-section');
  const heading = byId('gallery-heading');
  const galleryStatus = byId('gallery-status');
  const list = byId<HTMLUListElement>('gallery');
  const more = byId<HTMLButtonElement>('load-more');
  const dialog = byId<HTMLDialogElement>('delete-dialog');

  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? realSleep;
  const options: CardOptions = { ...deps.view, format: config.thumbnails.format };
  const limits: Limits = { maxUploadBytes: config.uploads.maxBytes, uploadTypes: config.uploads.types };
  const cards = new Map<string, Card>();
  let cursor: string | undefined;
  /** Whether the gallery's status says there are no photos (the first card added takes it back). */
  let saysEmpty = false;
  const busy = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    const settled = work.then(() => undefined, () => undefined);
    busy.add(settled);
    void settled.then(() => busy.delete(settled));
    return work;
  };

  // The types the API takes come from config.json (upload-url's list), HEIC included once the stage takes it.
  input.accept = config.uploads.types.join(',');

  const stateOf = (photo: Photo): CardState => {
    switch (photo.status) {
      case 'ready':
        return { status: 'ready', thumbnails: photo.thumbnails ?? [] };
      case 'failed':
        return { status: 'failed', message: describePhotoFailure(photo.reason, limits) };
      case 'pending':
        return now().getTime() - Date.parse(photo.createdAt) > STALE_PENDING_MS ? { status: 'stale' } : { status: 'pending' };
    }
  };

  const show = (card: Card, state: CardState): void => renderCard(card.element, card.facts, state, options);

  /** Shows the list's own state (loading, empty, a failure, a deletion) above it; '' hides it. */
  const sayGallery = (message: string, kind: 'info' | 'success' | 'error' = 'info'): void => {
    saysEmpty = false;
    say(galleryStatus, message, kind);
  };

  const addCard = (facts: CardFacts, state: CardState, where: 'top' | 'bottom'): Card => {
    const card: Card = { facts, element: photoCard(doc, facts, state, options) };
    cards.set(facts.id, card);
    if (where === 'top') list.prepend(card.element);
    else list.append(card.element);
    if (saysEmpty) sayGallery('');
    return card;
  };

  const removeCard = (card: Card): void => {
    card.polling?.abort();
    cards.delete(card.facts.id);
    card.element.remove();
  };

  /** Asks GET /photos/{id} until the photo is processed; the card shows each outcome. */
  const watch = async (card: Card): Promise<PollOutcome> => {
    card.polling = new AbortController();
    const outcome = await pollPhoto(card.facts.id, {
      get: (id) => api.photo(id),
      sleep,
      signal: card.polling.signal,
      ...(deps.backoff === undefined ? {} : { backoff: deps.backoff }),
    });
    switch (outcome.status) {
      case 'ready':
      case 'failed':
        show(card, stateOf(outcome.photo));
        break;
      case 'timeout':
        show(card, { status: 'slow' });
        break;
      case 'gone':
        removeCard(card);
        break;
      case 'error':
        show(card, { status: 'failed', message: describeApiError(outcome.error, 'photos') });
        break;
      case 'stopped':
        break;
    }
    return outcome;
  };

  const addPhotos = (photos: readonly Photo[]): Card[] => {
    const added: Card[] = [];
    for (const photo of photos) {
      // Uploaded on this page while the list was loading: its card is already there.
      if (cards.has(photo.id)) continue;
      const card = addCard({ id: photo.id, createdAt: photo.createdAt }, stateOf(photo), 'bottom');
      added.push(card);
      if (card.element.dataset.status === 'pending') void track(watch(card));
    }
    return added;
  };

  const loadPage = async (): Promise<Card[]> => {
    const page = await api.photos({ limit: PAGE_SIZE, ...(cursor === undefined ? {} : { cursor }) });
    const added = addPhotos(page.photos);
    cursor = page.nextCursor;
    more.hidden = cursor === undefined;
    // A page may come back short, even empty, with a cursor (the API skips expired records): not the end yet.
    if (cards.size === 0 && cursor === undefined) {
      sayGallery('You have no photos yet. Upload one above.');
      saysEmpty = true;
    }
    return added;
  };

  const loadFirst = async (): Promise<void> => {
    section.hidden = false;
    list.setAttribute('aria-busy', 'true');
    sayGallery('Loading your photos…');
    try {
      await loadPage();
      if (!saysEmpty) sayGallery('');
    } catch (error) {
      sayGallery(messageFor(error, 'photos'), 'error');
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
  };

  const messageFor = (error: unknown, topic: 'photos' | 'upload'): string =>
    error instanceof ApiError ? describeApiError(error, topic, limits) : String(error);

  async function upload(file: File): Promise<void> {
    const problem = checkPhoto(file, config.uploads);
    if (problem !== undefined) {
      say(uploadStatus, problem, 'error');
      return;
    }
    say(uploadStatus, `Uploading ${file.name}…`);
    const presigned = await api.uploadUrl({ type: uploadType(file, config.uploads.types), size: file.size });
    const facts: CardFacts = { id: photoIdOf(presigned.key), createdAt: now().toISOString(), name: file.name };
    section.hidden = false;
    const card = addCard(facts, { status: 'uploading' }, 'top');
    try {
      await deps.postToS3(presigned, file);
    } catch (error) {
      removeCard(card);
      throw error;
    }
    deps.onUploaded?.();
    say(uploadStatus, `${file.name} is uploaded. Making its thumbnails…`);
    show(card, { status: 'pending' });
    const outcome = await watch(card);
    switch (outcome.status) {
      case 'ready':
        say(uploadStatus, `The thumbnail of ${file.name} is ready.`, 'success');
        break;
      case 'failed':
        say(uploadStatus, `We couldn't make thumbnails of ${file.name}. ${describePhotoFailure(outcome.photo.reason, limits)}`, 'error');
        break;
      case 'timeout':
        say(uploadStatus, `${file.name} is taking longer than usual to process. Reload the page later to see it.`, 'info');
        break;
      case 'gone':
        say(uploadStatus, `${file.name} was deleted.`, 'info');
        break;
      case 'error':
        say(uploadStatus, `We couldn't find out whether ${file.name} was processed. ${describeApiError(outcome.error, 'photos')}`, 'error');
        break;
      case 'stopped':
        // Deleted on this page while it was being processed: the gallery's status says so.
        say(uploadStatus, '');
        break;
    }
  }

  async function remove(card: Card, button: HTMLButtonElement): Promise<void> {
    if (!(await confirmDelete(dialog, deleteQuestion(card.facts, options)))) return;
    const label = photoLabel(card.facts, options);
    button.disabled = true;
    try {
      await api.deletePhoto(card.facts.id);
    } catch (error) {
      // 404: it is not there (deleted in another tab); the card goes as it would have.
      if (!(error instanceof ApiError && error.status === 404)) {
        button.disabled = false;
        sayGallery(`The photo was not deleted. ${messageFor(error, 'photos')}`, 'error');
        return;
      }
    }
    // Focus stays in the list: on the next card's Delete, else the previous one's, else the list's heading.
    const next = card.element.nextElementSibling ?? card.element.previousElementSibling;
    removeCard(card);
    const focus = next?.querySelector<HTMLButtonElement>('.photo-delete') ?? heading;
    focus.focus();
    const none = cards.size === 0 && cursor === undefined;
    sayGallery(none ? `Deleted ${label}. You have no photos now.` : `Deleted ${label}.`, 'success');
    saysEmpty = none;
  }

  list.addEventListener('click', (event) => {
    const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button.photo-delete');
    const id = button?.closest<HTMLElement>('[data-photo-id]')?.dataset.photoId;
    const card = id === undefined ? undefined : cards.get(id);
    if (button && card) void track(remove(card, button));
  });

  more.addEventListener('click', () => {
    more.disabled = true;
    void track(
      loadPage()
        .then((added) => {
          // The button is gone after the last page: focus moves to the first photo it brought.
          if (more.hidden) added[0]?.element.querySelector<HTMLButtonElement>('.photo-delete')?.focus();
        })
        .catch((error: unknown) => sayGallery(messageFor(error, 'photos'), 'error'))
        .finally(() => {
          more.disabled = false;
        }),
    );
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const file = input.files?.[0];
    if (file === undefined) {
      say(uploadStatus, 'Choose a photo first.', 'error');
      return;
    }
    const button = form.querySelector('button');
    if (button) button.disabled = true;
    void track(
      upload(file)
        .then(() => form.reset())
        .catch((error: unknown) => say(uploadStatus, messageFor(error, 'upload'), 'error'))
        .finally(() => {
          if (button) button.disabled = false;
        }),
    );
  });

  if (deps.user === undefined) say(uploadStatus, 'Sign in to upload photos and see yours.', 'info');
  else void track(loadFirst());

  return {
    upload: (file) => track(upload(file)),
    idle: async () => {
      while (busy.size > 0) await Promise.all([...busy]);
    },
  };
}
