import type { RejectionReason } from '../../../functions/thumbnails/thumbnails';
import { ApiError, describeApiError, describeAuthError, describePhotoFailure, describeReleaseError, formatBytes, formatWait } from '../../../web/src/messages';
import { ReleaseVerificationError } from '../../../web/src/releases/manifest';

const named = (name: string, message = 'from Cognito') => Object.assign(new Error(message), { name });

describe('describeApiError', () => {
  it.each([
    [403, 'not_premium', 'premium', 'This is premium content, and your account is on the free plan. Upgrade to premium to see it.'],
    [401, 'http_401', 'premium', 'Sign in to see premium content.'],
    [401, 'http_401', 'upload', 'Sign in to upload photos.'],
    [404, 'content_not_found', 'premium', "This premium item isn't available right now."],
    [415, 'unsupported_media_type', 'upload', "That file type isn't supported. Choose a JPEG, PNG, WebP, GIF or AVIF image."],
    [400, 'invalid_email', 'subscribe', "That doesn't look like an email address. Check it and try again."],
    [429, 'http_429', 'subscribe', 'Too many requests right now. Please try again in a moment.'],
    [500, 'internal_error', 'premium', 'Something went wrong on our side. Please try again in a moment.'],
    [0, 'network', 'subscribe', "We couldn't reach the blog's server. Check your connection and try again."],
  ] as const)('%i %s while %s reads as a sentence', (status, code, topic, expected) => {
    // Act
    const message = describeApiError(new ApiError(status, code, 'raw'), topic);

    // Assess
    expect(message).toBe(expected);
  });

  it('states the upload limit when S3 or the API says the file is too large', () => {
    // Act
    const message = describeApiError(new ApiError(413, 'payload_too_large', 'raw'), 'upload', { maxUploadBytes: 20 * 1024 * 1024 });

    // Assess
    expect(message).toBe('That file is too large. Photos can be up to 20 MB.');
  });

  it('never shows the raw body of an unknown error', () => {
    // Act
    const message = describeApiError(new ApiError(400, 'invalid_request', '{"error":{"code":"invalid_request"}}'), 'upload');

    // Assess
    expect(message).not.toContain('{');
    expect(message).toContain('Please try again');
  });
});

describe('describeApiError for photos', () => {
  it.each([
    [3 * 3600 + 1, "You've reached today's upload limit. You can upload more photos in about 4 hours."],
    [59 * 60, "You've reached today's upload limit. You can upload more photos in 59 minutes."],
    [20, "You've reached today's upload limit. You can upload more photos in a minute."],
  ])('429 upload_quota_exceeded with Retry-After %i s says when to try again', (seconds, expected) => {
    expect(describeApiError(new ApiError(429, 'upload_quota_exceeded', 'raw', seconds), 'upload')).toBe(expected);
  });

  it('429 upload_quota_exceeded without a readable Retry-After: when the count starts again', () => {
    expect(describeApiError(new ApiError(429, 'upload_quota_exceeded', 'raw'), 'upload')).toBe(
      "You've reached today's upload limit. You can upload more photos after midnight UTC.",
    );
  });

  it('lists the types the site takes when it knows them (HEIC included once the stage takes it)', () => {
    const types = ['image/jpeg', 'image/png', 'image/heic'];
    expect(describeApiError(new ApiError(415, 'unsupported_media_type', 'raw'), 'upload', { uploadTypes: types })).toBe(
      "That file type isn't supported. Choose one of: JPEG, PNG, HEIC.",
    );
  });

  it.each([
    [401, 'http_401', 'Sign in to see your photos.'],
    [404, 'not_found', 'That photo no longer exists.'],
    [400, 'invalid_cursor', 'The list of photos could not be continued. Reload the page to start again.'],
  ] as const)('%i %s while looking at photos reads as a sentence', (status, code, expected) => {
    expect(describeApiError(new ApiError(status, code, 'raw'), 'photos')).toBe(expected);
  });
});

describe('describePhotoFailure', () => {
  // Typed by the thumbnails function's own union: a reason added there and not here fails the typecheck.
  const REASONS: Record<RejectionReason, string> = {
    empty: 'The file was empty.',
    too_large: 'The picture is too large: photos can be up to 20 MB.',
    unsupported_format: 'This file is not a picture we can read. Choose one of: JPEG, PNG, WEBP.',
    too_many_pixels: 'The picture has too many pixels. Try a smaller version of it.',
    unsupported_dimensions: 'The picture is too narrow or too long to make thumbnails of.',
    corrupt: 'The picture is damaged: it could not be read. Try saving or exporting it again.',
    missing: 'The upload was gone before its thumbnails could be made.',
    unexpected_key: 'The upload was not stored where photos go, so no thumbnails were made. Please upload it again.',
  };
  const limits = { maxUploadBytes: 20 * 1024 * 1024, uploadTypes: ['image/jpeg', 'image/png', 'image/webp'] };

  it.each(Object.entries(REASONS))('%s reads as %p', (reason, expected) => {
    expect(describePhotoFailure(reason, limits)).toBe(expected);
  });

  it('says the same without the limits, minus the numbers and types', () => {
    expect(describePhotoFailure('too_large')).toBe('The picture is too large.');
    expect(describePhotoFailure('unsupported_format')).toBe('This file is not a picture we can read.');
  });

  it.each([['teapot'], [''], [undefined], ['__proto__']])('an unknown reason %p is a general sentence, never the code', (reason) => {
    const message = describePhotoFailure(reason, limits);
    expect(message).toBe("We couldn't make thumbnails of this photo. Try another photo.");
  });
});

describe('formatWait', () => {
  it.each([
    [0, 'a minute'],
    [60, 'a minute'],
    [61, '2 minutes'],
    [3600, 'about an hour'],
    [3601, 'about 2 hours'],
    [86_400, 'about 24 hours'],
  ])('%i s is %s', (seconds, expected) => {
    expect(formatWait(seconds)).toBe(expected);
  });
});

describe('describeAuthError', () => {
  it.each([
    ['NotAuthorizedException', 'sign-in', 'Incorrect email or password.'],
    ['UserNotFoundException', 'sign-in', 'Incorrect email or password.'],
    // cognito-local's answer to a wrong password
    ['InvalidPasswordException', 'sign-in', 'Incorrect email or password.'],
    ['InvalidPasswordException', 'sign-up', 'Choose a password of at least 12 characters with upper-case and lower-case letters and a number.'],
    ['UsernameExistsException', 'sign-up', 'An account with this email already exists. Sign in instead.'],
    ['CodeMismatchException', 'confirm', "That code isn't right. Check the email we sent you and try again."],
    ['UserNotConfirmedException', 'sign-in', 'Please confirm your email address first: enter the code we sent you.'],
    ['EmptySignInPassword', 'sign-in', 'Enter your password.'],
  ] as const)('%s during %s reads as a sentence', (name, step, expected) => {
    // Act
    const message = describeAuthError(named(name), step);

    // Assess
    expect(message).toBe(expected);
  });

  it('falls back to a sentence without the error name for anything unknown', () => {
    // Act
    const message = describeAuthError(named('InternalErrorException', 'stack trace here'), 'sign-in');

    // Assess
    expect(message).toBe("That didn't work. Please try again in a moment.");
  });
});

describe('formatBytes', () => {
  it.each([
    [512, '512 bytes'],
    [2048, '2 KB'],
    [20 * 1024 * 1024, '20 MB'],
    [21 * 1024 * 1024 + 300_000, '21.3 MB'],
  ])('%i bytes is %s', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });
});

describe('describeReleaseError', () => {
  it.each([
    [new ReleaseVerificationError('bad-signature', 'raw'), 'The list of stable versions failed its signature check: it was not signed with a release key this site publishes, so nothing from it is shown.'],
    [new ReleaseVerificationError('unknown-key', 'raw'), 'The list of stable versions failed its signature check: it was not signed with a release key this site publishes, so nothing from it is shown.'],
    [new ReleaseVerificationError('expired', 'raw'), 'The list of stable versions has expired (its signature is too old to be trusted), so nothing from it is shown. The maintainers need to publish it again.'],
    [new ReleaseVerificationError('malformed', 'raw'), 'The list of stable versions could not be read, so nothing from it is shown.'],
    [new ApiError(503, 'release_document', 'raw'), 'The list of stable versions could not be loaded (HTTP 503). Please try again in a moment.'],
    [new ApiError(0, 'network', 'raw'), "We couldn't load the list of stable versions. Check your connection and try again."],
  ])('%p reads as a sentence that says nothing is shown from it', (error, expected) => {
    expect(describeReleaseError(error, 'the list of stable versions')).toBe(expected);
  });
});
