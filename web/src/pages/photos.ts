/**
 * Upload a photo: ask the API for a presigned POST, post the file straight to S3, then wait for the thumbnails
 * function's output to appear on the distribution. Nothing reports back to the browser when thumbnails are made, so
 * the page asks for the thumbnail until it exists (HEAD, once a second, for up to a minute).
 */
import { postToS3 } from '../api';
import { boot, byId, say } from '../boot';
import { ApiError, describeApiError } from '../messages';
import { checkPhoto, displayWidth, thumbnailPath } from '../uploads';

const POLL_INTERVAL_MS = 1_000;
const POLL_TIMEOUT_MS = 60_000;

const page = await boot();
const form = byId<HTMLFormElement>('upload-form');
const input = byId<HTMLInputElement>('photo');
const status = byId('upload-status');
const gallery = byId('gallery');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForThumbnail(path: string): Promise<boolean> {
  const deadline = Date.now() + POLL_TIMEOUT_MS;
  while (Date.now() < deadline) {
    // Until the function has written it, the distribution answers 403/404 (S3 without ListBucket says 403).
    const response = await fetch(path, { method: 'HEAD', cache: 'no-store' }).catch(() => undefined);
    if (response?.ok) return true;
    await sleep(POLL_INTERVAL_MS);
  }
  return false;
}

function addCard(name: string): { figure: HTMLElement; caption: HTMLElement } {
  const figure = document.createElement('figure');
  figure.className = 'photo-card';
  const caption = document.createElement('figcaption');
  caption.textContent = `${name}: uploading…`;
  figure.append(caption);
  gallery.prepend(figure);
  return { figure, caption };
}

async function upload(file: File): Promise<void> {
  if (page === undefined) return;
  const { config, api } = page;
  const problem = checkPhoto(file, config.uploads);
  if (problem !== undefined) {
    say(status, problem, 'error');
    return;
  }
  say(status, `Uploading ${file.name}…`);
  const presigned = await api.uploadUrl(file);
  const card = addCard(file.name);
  await postToS3(presigned, file);
  page.analytics?.track('photo_upload', { path: location.pathname });
  say(status, `${file.name} is uploaded. Making its thumbnail…`);
  card.caption.textContent = `${file.name}: making the thumbnail…`;

  const width = displayWidth(config.thumbnails.widths);
  // On the distribution, like the URLs of the thumbnails.ready event (the page is normally served from there too).
  const path = new URL(thumbnailPath(presigned.key, width, config.thumbnails.format), config.siteUrl).href;
  if (!(await waitForThumbnail(path))) {
    card.caption.textContent = `${file.name}: no thumbnail yet.`;
    say(status, `We couldn't make a thumbnail for ${file.name}. Is it a valid image? Try another photo.`, 'error');
    return;
  }
  const image = document.createElement('img');
  image.alt = `Thumbnail of ${file.name}`;
  image.width = width;
  image.src = path;
  await image.decode();
  card.figure.prepend(image);
  card.caption.textContent = file.name;
  say(status, `The thumbnail of ${file.name} is ready.`, 'success');
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const file = input.files?.[0];
  if (file === undefined) {
    say(status, 'Choose a photo first.', 'error');
    return;
  }
  const button = form.querySelector('button');
  if (button) button.disabled = true;
  upload(file)
    .then(() => form.reset())
    .catch((error: unknown) => {
      const limits = { maxUploadBytes: page?.config.uploads.maxBytes };
      say(status, error instanceof ApiError ? describeApiError(error, 'upload', limits) : String(error), 'error');
    })
    .finally(() => {
      if (button) button.disabled = false;
    });
});

if (page !== undefined) {
  input.accept = page.config.uploads.types.join(',');
  if (page.user === undefined) say(status, 'Sign in to upload photos.', 'info');
}
