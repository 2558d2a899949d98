/**
 * What a person reads when something goes wrong: every failure of the API or of Cognito becomes a sentence, never a
 * status code or raw JSON. Pure functions, unit-tested.
 */

/** A failed API call: the HTTP status and the stable code of the API's `{"error": {"code", "message"}}` body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** From the answer's Retry-After (RFC 9110 §10.2.3), in seconds from when it arrived; absent when it had none. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** A status of 0 means the request never got an answer (offline, DNS, CORS refused). */
export const NETWORK_ERROR_STATUS = 0;

export type Topic = 'subscribe' | 'upload' | 'premium' | 'account' | 'dashboard' | 'photos';

const TRY_AGAIN = 'Please try again in a moment.';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  const mb = bytes / 1024 / 1024;
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}

/** Upload content types as people name them: `image/jpeg` → JPEG. */
export function formatTypes(types: readonly string[]): string {
  return types.map((type) => type.replace(/^image\//, '').toUpperCase()).join(', ');
}

/** A wait as a person says it, rounded up: "a minute", "12 minutes", "about 5 hours". */
export function formatWait(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  if (minutes === 1) return 'a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.ceil(minutes / 60);
  return hours === 1 ? 'about an hour' : `about ${hours} hours`;
}

export interface Limits {
  maxUploadBytes?: number;
  /** The content types uploads take (config.json `uploads.types`). */
  uploadTypes?: readonly string[];
}

/** The message for an API failure, worded for what the visitor was doing. */
export function describeApiError(error: ApiError, topic: Topic, limits: Limits = {}): string {
  if (error.status === NETWORK_ERROR_STATUS) {
    return "We couldn't reach the blog's server. Check your connection and try again.";
  }
  if (error.status === 401) {
    if (topic === 'premium') return 'Sign in to see premium content.';
    if (topic === 'upload') return 'Sign in to upload photos.';
    if (topic === 'dashboard') return 'Sign in with an admin account to see the dashboard.';
    if (topic === 'photos') return 'Sign in to see your photos.';
    return 'Your session has ended. Please sign in again.';
  }
  switch (error.code) {
    case 'not_premium':
      return 'This is premium content, and your account is on the free plan. Upgrade to premium to see it.';
    case 'content_not_found':
      return "This premium item isn't available right now.";
    case 'not_admin':
      return 'The dashboard is for admins only.';
    case 'report_not_built':
      return 'Not built yet: reports are made once the first events have arrived, a few minutes after the first page views.';
    case 'report_not_found':
      return "The server has no such report (report_not_found): it may run another version of the blog than this page.";
    case 'payload_too_large':
      return limits.maxUploadBytes === undefined
        ? 'That file is too large.'
        : `That file is too large. Photos can be up to ${formatBytes(limits.maxUploadBytes)}.`;
    case 'unsupported_media_type':
      return limits.uploadTypes === undefined
        ? "That file type isn't supported. Choose a JPEG, PNG, WebP, GIF or AVIF image."
        : `That file type isn't supported. Choose one of: ${formatTypes(limits.uploadTypes)}.`;
    case 'upload_quota_exceeded':
      // The count is per UTC day (POST /uploads); Retry-After says how long until the next one.
      return error.retryAfterSeconds === undefined
        ? "You've reached today's upload limit. You can upload more photos after midnight UTC."
        : `You've reached today's upload limit. You can upload more photos in ${formatWait(error.retryAfterSeconds)}.`;
    case 'not_found':
      return topic === 'photos' ? 'That photo no longer exists.' : "That isn't there any more.";
    case 'invalid_cursor':
      return 'The list of photos could not be continued. Reload the page to start again.';
    case 'invalid_email':
      return "That doesn't look like an email address. Check it and try again.";
    case 'invalid_name':
      return 'That name is too long or has characters we cannot use.';
    default:
      break;
  }
  if (error.status === 429) return `Too many requests right now. ${TRY_AGAIN}`;
  if (error.status >= 500) return `Something went wrong on our side. ${TRY_AGAIN}`;
  return `That didn't work (${error.code}). ${TRY_AGAIN}`;
}

/**
 * The reason a photo has no thumbnails, in words. The codes are the thumbnails function's RejectionReason
 * (functions/thumbnails/thumbnails.ts), stored by the photos consumer and served by GET /photos as `reason`; a code
 * this page does not know (a newer function) reads as a general sentence, never as the code.
 */
export function describePhotoFailure(reason: string | undefined, limits: Limits = {}): string {
  switch (reason) {
    case 'empty':
      return 'The file was empty.';
    case 'too_large':
      return limits.maxUploadBytes === undefined
        ? 'The picture is too large.'
        : `The picture is too large: photos can be up to ${formatBytes(limits.maxUploadBytes)}.`;
    case 'unsupported_format':
      return limits.uploadTypes === undefined
        ? 'This file is not a picture we can read.'
        : `This file is not a picture we can read. Choose one of: ${formatTypes(limits.uploadTypes)}.`;
    case 'too_many_pixels':
      return 'The picture has too many pixels. Try a smaller version of it.';
    case 'unsupported_dimensions':
      return 'The picture is too narrow or too long to make thumbnails of.';
    case 'corrupt':
      return 'The picture is damaged: it could not be read. Try saving or exporting it again.';
    case 'missing':
      return 'The upload was gone before its thumbnails could be made.';
    case 'unexpected_key':
      return 'The upload was not stored where photos go, so no thumbnails were made. Please upload it again.';
    default:
      return "We couldn't make thumbnails of this photo. Try another photo.";
  }
}

/**
 * Why a release document (channels.json, a channel's index.json) is not shown. The codes are ReleaseVerificationError's
 * (releases/manifest.ts), read by name so that every page need not bundle the verifier; a number is an HTTP status,
 * NETWORK_ERROR_STATUS a request that got no answer.
 */
export function describeReleaseError(error: unknown, what: string): string {
  const code = error instanceof Error && error.name === 'ReleaseVerificationError' ? (error as Error & { code?: unknown }).code : undefined;
  const status = error instanceof ApiError ? error.status : undefined;
  if (status === NETWORK_ERROR_STATUS) return `We couldn't load ${what}. Check your connection and try again.`;
  if (status !== undefined) return `${capitalise(what)} could not be loaded (HTTP ${status}). ${TRY_AGAIN}`;
  switch (code) {
    case 'unknown-key':
    case 'bad-signature':
      return `${capitalise(what)} failed its signature check: it was not signed with a release key this site publishes, so nothing from it is shown.`;
    case 'expired':
      return `${capitalise(what)} has expired (its signature is too old to be trusted), so nothing from it is shown. The maintainers need to publish it again.`;
    case 'not-yet-valid':
      return `${capitalise(what)} is signed with a date in the future; check your computer's clock.`;
    default:
      return `${capitalise(what)} could not be read, so nothing from it is shown.`;
  }
}

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Cognito's (and Amplify's own validation) errors by name. Unknown users read like wrong passwords, as the user
 * pool's PreventUserExistenceErrors does: the message must not tell who has an account.
 */
const AUTH_MESSAGES: Record<string, string> = {
  NotAuthorizedException: 'Incorrect email or password.',
  UserNotFoundException: 'Incorrect email or password.',
  UserNotConfirmedException: 'Please confirm your email address first: enter the code we sent you.',
  UsernameExistsException: 'An account with this email already exists. Sign in instead.',
  InvalidPasswordException:
    'Choose a password of at least 12 characters with upper-case and lower-case letters and a number.',
  CodeMismatchException: "That code isn't right. Check the email we sent you and try again.",
  ExpiredCodeException: 'That code has expired. Ask for a new one.',
  LimitExceededException: 'Too many attempts. Please wait a few minutes and try again.',
  TooManyRequestsException: 'Too many attempts. Please wait a few minutes and try again.',
  TooManyFailedAttemptsException: 'Too many attempts. Please wait a few minutes and try again.',
  UserAlreadyAuthenticatedException: "You're already signed in.",
  EmptySignInUsername: 'Enter your email address.',
  EmptySignInPassword: 'Enter your password.',
  EmptySignUpUsername: 'Enter your email address.',
  EmptySignUpPassword: 'Choose a password.',
  EmptyConfirmSignUpCode: 'Enter the code from the email we sent you.',
  NetworkError: "We couldn't reach the sign-in service. Check your connection and try again.",
};

export type AuthStep = 'sign-in' | 'sign-up' | 'confirm' | 'sign-out';

export function describeAuthError(error: unknown, step: AuthStep): string {
  const name = error instanceof Error ? error.name : undefined;
  // AWS answers a wrong password with NotAuthorizedException; cognito-local with InvalidPasswordException
  // (its initiateAuth.ts). When signing in, both mean the same to the person typing.
  if (step === 'sign-in' && name === 'InvalidPasswordException') return AUTH_MESSAGES.NotAuthorizedException!;
  if (name === 'InvalidParameterException' && error instanceof Error && /password/i.test(error.message)) {
    return AUTH_MESSAGES.InvalidPasswordException!;
  }
  const fallback = step === 'sign-out' ? "Signing out didn't work." : "That didn't work.";
  return (name !== undefined && AUTH_MESSAGES[name]) || `${fallback} ${TRY_AGAIN}`;
}
