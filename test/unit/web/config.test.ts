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
