import { ConfigError, parseConfig } from '../../../web/src/config';

const valid = {
  stage: 'dev',
  region: 'eu-west-1',
  apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/',
  siteUrl: 'https://d111111abcdef8.cloudfront.net',
  auth: { userPoolId: 'eu-west-1_AbC', userPoolClientId: 'client', flow: 'USER_SRP_AUTH' },
  uploads: { maxBytes: 1000, types: ['image/jpeg'] },
  thumbnails: { widths: [160, 480], format: 'webp' },
};

describe('parseConfig', () => {
  it('accepts a deployed stage config and trims the API URL', () => {
    // Act
    const config = parseConfig(valid);

    // Assess
    expect(config.apiUrl).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com');
    expect(config.auth).toEqual({ userPoolId: 'eu-west-1_AbC', userPoolClientId: 'client', flow: 'USER_SRP_AUTH' });
  });

  it('sends analytics events only where config.json says so (absent in a config written before them)', () => {
    expect(parseConfig(valid).analytics).toBe(false);
    expect(parseConfig({ ...valid, analytics: true }).analytics).toBe(true);
    expect(() => parseConfig({ ...valid, analytics: 'yes' })).toThrow('analytics must be true or false');
  });

  it.each([
    ['a missing API URL', { ...valid, apiUrl: undefined }, 'apiUrl must be a non-empty string'],
    ['a relative API URL', { ...valid, apiUrl: '/api' }, 'apiUrl must be an absolute URL'],
    ['an unknown auth flow', { ...valid, auth: { ...valid.auth, flow: 'CUSTOM_AUTH' } }, 'auth.flow must be USER_SRP_AUTH or USER_PASSWORD_AUTH'],
    ['no client id', { ...valid, auth: { ...valid.auth, userPoolClientId: '' } }, 'auth.userPoolClientId must be a non-empty string'],
    ['a zero upload limit', { ...valid, uploads: { ...valid.uploads, maxBytes: 0 } }, 'uploads.maxBytes must be a positive integer'],
    ['no thumbnail widths', { ...valid, thumbnails: { ...valid.thumbnails, widths: [] } }, 'thumbnails.widths must be a non-empty list'],
  ])('refuses %s, naming the field', (_, raw, message) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(message);
  });
});

describe('parseConfig: the release keys', () => {
  const pem = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n';

  it('keeps the keys by id, and has none when config.json has none (no downloads)', () => {
    expect(parseConfig({ ...valid, releases: { keys: { 'release-1': pem, 'release-2': pem } } }).releases).toEqual({
      keys: { 'release-1': pem, 'release-2': pem },
    });
    expect(parseConfig(valid)).not.toHaveProperty('releases');
  });

  it.each([
    ['releases that is not an object', 'yes', 'releases must be an object'],
    ['no keys', {}, 'releases.keys must be an object'],
    ['an empty key list', { keys: {} }, 'releases.keys must name at least one key'],
    ['a key id that is no file name', { keys: { '../x': pem } }, 'releases.keys: "../x" is not a key id'],
    ['a private key', { keys: { 'release-1': pem.replace(/PUBLIC/g, 'PRIVATE') } }, 'releases.keys.release-1 must be a public key PEM'],
    ['a key that is not a string', { keys: { 'release-1': 42 } }, 'releases.keys.release-1 must be a public key PEM'],
  ])('refuses %s, naming the field', (_, releases, message) => {
    expect(() => parseConfig({ ...valid, releases })).toThrow(message);
  });
});
