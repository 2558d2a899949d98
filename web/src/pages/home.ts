/** The home page: the post list (static HTML) and the subscribe form. */
import { boot, byId, formText, say } from '../boot';
import { ApiError, describeApiError } from '../messages';

const page = await boot();
const form = byId<HTMLFormElement>('subscribe-form');
const status = byId('subscribe-status');

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (page === undefined) return;
  const email = formText(form, 'email');
  const name = formText(form, 'name');
  const button = form.querySelector('button');
  if (button) button.disabled = true;
  say(status, 'Subscribing…');
  page.api
    .subscribe(email, name === '' ? undefined : name)
    .then(() => {
      // The API answers the same for new and known addresses: it does not reveal who is subscribed.
      say(status, `Thanks! A welcome email is on its way to ${email}.`, 'success');
      form.reset();
    })
    .catch((error: unknown) => {
      say(status, error instanceof ApiError ? describeApiError(error, 'subscribe') : String(error), 'error');
    })
    .finally(() => {
      if (button) button.disabled = false;
    });
});
