/**
 * The Photos page's gallery cards and delete confirmation. A card is in one of the states uploading → processing →
 * ready (its thumbnail) | failed (the reason in words) | still processing after the page stopped asking | never
 * received. Text goes in through textContent and attributes only, never as HTML (the page's CSP allows no inline
 * code, and a file name is the user's own text); `data-status` on each card says which state, for tests and styles.
 */
import { shownThumbnails, type PhotoThumbnail } from './photos';
import { element } from './element';

export interface ViewOptions {
  /** The viewer's, unless given (tests fix them). */
  locale?: string;
  timeZone?: string;
}

export type CardState =
  | { status: 'uploading' }
  | { status: 'pending' }
  /** Still pending when the page stopped asking (photos.ts POLL_BACKOFF). */
  | { status: 'slow' }
  /** Pending for longer than any upload can take: signed, never uploaded (its record expires by itself). */
  | { status: 'stale' }
  | { status: 'ready'; thumbnails: readonly PhotoThumbnail[] }
  | { status: 'failed'; message: string };

export interface CardFacts {
  id: string;
  createdAt: string;
  /** The file's name, known only on the page that uploaded it (the API keeps no names). */
  name?: string;
}

export interface CardOptions extends ViewOptions {
  /** The thumbnails' format every browser reads (config.json `thumbnails.format`). */
  format: string;
}

/**
 * The width a gallery image takes (style.css: `.gallery` columns of at least 14rem in a 42rem measure less 2.5rem of
 * padding: two columns of ~19.25rem, or one full-width column on a phone): the browser picks from the srcset with it.
 */
export const GALLERY_SIZES = '(max-width: 32rem) calc(100vw - 2.5rem), 20rem';
/** The widest a column gets (one column just under 32rem): `src`, for a browser without srcset, fills it. */
export const GALLERY_MAX_WIDTH = 480;

const STATE_TEXT: Record<'uploading' | 'pending' | 'slow' | 'stale', string> = {
  uploading: 'Uploading…',
  pending: 'Processing…',
  slow: 'Still processing: this is taking longer than usual. Reload the page later to see it.',
  stale: 'This upload never arrived. If it was interrupted, upload the photo again; this entry goes away by itself within a day.',
};

export function formatDateTime(iso: string, options: ViewOptions = {}): string {
  return new Intl.DateTimeFormat(options.locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
  }).format(new Date(iso));
}

/** How a card names its photo, for the image's text alternative and the delete button. */
export function photoLabel(facts: CardFacts, options: ViewOptions = {}): string {
  return facts.name ?? `the photo uploaded ${formatDateTime(facts.createdAt, options)}`;
}

/** The delete dialog's sentence: what goes, and that it cannot be undone. */
export function deleteQuestion(facts: CardFacts, options: ViewOptions = {}): string {
  const what = facts.name ?? `The photo uploaded ${formatDateTime(facts.createdAt, options)}`;
  return `${what} and all its thumbnails will be deleted. This cannot be undone.`;
}

function thumbnailImage(doc: Document, facts: CardFacts, thumbnails: readonly PhotoThumbnail[], options: CardOptions): HTMLElement {
  const shown = shownThumbnails(thumbnails, options.format, GALLERY_MAX_WIDTH);
  if (shown === undefined) return element(doc, 'p', { className: 'photo-state', text: 'Ready, but without thumbnails.' });
  const alt = facts.name === undefined ? `Photo uploaded ${formatDateTime(facts.createdAt, options)}` : `Thumbnail of ${facts.name}`;
  // width and height give the box its shape before the image arrives (no layout shift); CSS scales it to the column.
  return element(doc, 'img', {
    attrs: {
      alt,
      src: shown.src.url,
      srcset: shown.srcset,
      sizes: GALLERY_SIZES,
      width: String(shown.src.width),
      height: String(shown.src.height),
      decoding: 'async',
    },
  });
}

/** A new card (an `li` of the gallery list) in its first state. */
export function photoCard(doc: Document, facts: CardFacts, state: CardState, options: CardOptions): HTMLLIElement {
  const card = element(doc, 'li', { className: 'photo-card', attrs: { 'data-photo-id': facts.id } });
  renderCard(card, facts, state, options);
  return card;
}

/** Puts the card in `state`: its picture or what it is waiting for, the caption, and the delete button. */
export function renderCard(card: HTMLElement, facts: CardFacts, state: CardState, options: CardOptions): void {
  const doc = card.ownerDocument;
  let picture: HTMLElement;
  switch (state.status) {
    case 'ready':
      picture = thumbnailImage(doc, facts, state.thumbnails, options);
      break;
    case 'failed':
      picture = element(doc, 'p', { className: 'photo-state photo-failed', text: state.message });
      break;
    default:
      picture = element(doc, 'p', { className: 'photo-state', text: STATE_TEXT[state.status] });
  }
  const when = element(doc, 'time', { text: formatDateTime(facts.createdAt, options), attrs: { datetime: facts.createdAt } });
  const caption = element(doc, 'figcaption', {}, facts.name === undefined ? [when] : [element(doc, 'span', { className: 'photo-name', text: facts.name }), ' · ', when]);
  const parts: HTMLElement[] = [element(doc, 'figure', {}, [picture, caption])];
  // Nothing to delete until the API has signed the upload and S3 has taken it.
  if (state.status !== 'uploading') {
    parts.push(element(doc, 'button', { className: 'link-button photo-delete', text: 'Delete', attrs: { type: 'button', 'aria-label': `Delete ${photoLabel(facts, options)}` } }));
  }
  card.dataset.status = state.status;
  card.setAttribute('aria-busy', String(state.status === 'uploading' || state.status === 'pending'));
  card.replaceChildren(...parts);
}

/**
 * Asks in the page's modal <dialog> whether to delete; resolves true only for its Delete button. Escape, Cancel and
 * the dialog's close all mean no. showModal() makes the rest of the page inert and moves focus into the dialog
 * (to Cancel, which has autofocus); closing returns focus to the button that opened it (HTML, "The dialog element").
 */
export function confirmDelete(dialog: HTMLDialogElement, description: string): Promise<boolean> {
  const text = dialog.querySelector('[data-dialog-text]');
  if (text !== null) text.textContent = description;
  // Escape closes a modal dialog without changing returnValue: the last answer must not count again.
  dialog.returnValue = '';
  return new Promise((resolve) => {
    const onClick = (event: MouseEvent): void => {
      const button = (event.target as Element | null)?.closest('button[value]');
      if (button instanceof HTMLButtonElement) dialog.close(button.value);
    };
    dialog.addEventListener('click', onClick);
    dialog.addEventListener(
      'close',
      () => {
        dialog.removeEventListener('click', onClick);
        resolve(dialog.returnValue === 'delete');
      },
      { once: true },
    );
    dialog.showModal();
  });
}
