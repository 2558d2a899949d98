/** Sign up → confirm with the emailed code → sign in; and, once signed in, who you are and sign out. */
import { boot, byId, formText, say, showAccount } from '../boot';
import { confirmRegistration, currentUser, register, resendCode, signInWithPassword, signOutEverywhere } from '../auth';
import { describeAuthError, type AuthStep } from '../messages';

const page = await boot();

const views = {
  signIn: byId('sign-in'),
  signUp: byId('sign-up'),
  confirm: byId('confirm'),
  signedIn: byId('signed-in'),
};
const status = byId('account-status');
type View = keyof typeof views;

function show(view: View, message = '', kind: 'info' | 'success' | 'error' = 'info'): void {
  for (const [name, element] of Object.entries(views)) element.hidden = name !== view;
  say(status, message, kind);
  views[view].querySelector<HTMLInputElement>('input:not([type=hidden])')?.focus();
}

/** Runs a form's action with its button disabled; any failure is shown as a sentence. */
function onSubmit(form: HTMLFormElement, step: AuthStep, action: () => Promise<void>): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector<HTMLButtonElement>('button[type=submit]');
    if (button) button.disabled = true;
    say(status, 'One moment…');
    action()
      .catch((error: unknown) => {
        // For whoever opens the developer tools; the page shows a sentence.
        console.warn(`${step} failed`, error);
        say(status, describeAuthError(error, step), 'error');
      })
      .finally(() => {
        if (button) button.disabled = false;
      });
  });
}

let pendingEmail = '';

async function showSignedIn(message: string): Promise<void> {
  const user = await currentUser();
  byId('signed-in-email').textContent = user?.email ?? '';
  byId('signed-in-id').textContent = user?.userId ?? '';
  showAccount(user);
  show('signedIn', message, 'success');
}

if (page !== undefined) {
  const signInForm = byId<HTMLFormElement>('sign-in-form');
  const signUpForm = byId<HTMLFormElement>('sign-up-form');
  const confirmForm = byId<HTMLFormElement>('confirm-form');
  const hint = page.config.auth.codeHint;
  if (hint !== undefined) byId('code-hint').textContent = hint;

  byId('to-sign-up').addEventListener('click', () => show('signUp'));
  byId('to-sign-in').addEventListener('click', () => show('signIn'));

  onSubmit(signInForm, 'sign-in', async () => {
    const email = formText(signInForm, 'email');
    const result = await signInWithPassword(email, formText(signInForm, 'password', false));
    if (result === 'confirm-sign-up') {
      pendingEmail = email;
      byId('confirm-email').textContent = email;
      show('confirm', 'Please confirm your email address first: enter the code we sent you.');
      return;
    }
    await showSignedIn('You are signed in.');
  });

  onSubmit(signUpForm, 'sign-up', async () => {
    const email = formText(signUpForm, 'email');
    await register(email, formText(signUpForm, 'password', false));
    pendingEmail = email;
    byId('confirm-email').textContent = email;
    show('confirm', `We sent a code to ${email}. Enter it below to confirm your account.`);
  });

  onSubmit(confirmForm, 'confirm', async () => {
    await confirmRegistration(pendingEmail, formText(confirmForm, 'code'));
    confirmForm.reset();
    (signInForm.elements.namedItem('email') as HTMLInputElement).value = pendingEmail;
    show('signIn', 'Your account is confirmed. Sign in with your password.', 'success');
  });

  byId('resend-code').addEventListener('click', () => {
    resendCode(pendingEmail)
      .then(() => say(status, `We sent a new code to ${pendingEmail}.`, 'success'))
      .catch((error: unknown) => say(status, describeAuthError(error, 'confirm'), 'error'));
  });

  byId('sign-out').addEventListener('click', () => {
    signOutEverywhere()
      .then(() => {
        showAccount(undefined);
        show('signIn', 'You are signed out.', 'success');
      })
      .catch((error: unknown) => say(status, describeAuthError(error, 'sign-out'), 'error'));
  });

  if (page.user === undefined) show('signIn');
  else await showSignedIn('');
}
