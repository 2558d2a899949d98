import { deployedSiteConfig, localSiteConfig } from '../../../scripts/publish/site-config';

const params = { maxUploadBytes: '20971520', thumbnailWidths: '160, 480,1200', thumbnailFormats: 'webp,avif' };

describe('deployedSiteConfig (config.json from CloudFormation outputs)', () => {
  const outputs = new Map([
    ['HttpApiUrl', 'https://abc123.execute-api.eu-west-1.amazonaws.com'],
    ['UserPoolId', 'eu-west-1_AbCdEf'],
    ['UserPoolClientId', '1example23456789'],
    ['SiteUrl', 'https://d111111abcdef8.cloudfront.net'],
  ]);

  it('takes the API and user pool from the outputs, signs in with SRP and sends analytics events', () => {
    // Act
    const config = deployedSiteConfig({ stage: 'prod', region: 'eu-west-1', outputs, params });

    // Assess
    expect(config).toEqual({
      stage: 'prod',
      region: 'eu-west-1',
      apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
      siteUrl: 'https://d111111abcdef8.cloudfront.net',
      auth: { userPoolId: 'eu-west-1_AbCdEf', userPoolClientId: '1example23456789', flow: 'USER_SRP_AUTH' },
      uploads: { maxBytes: 20971520, types: ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/heic', 'image/heif'] },
      thumbnails: { widths: [160, 480, 1200], format: 'webp' },
      analytics: true,
    });
  });

  it('names the outputs a stack lacks', () => {
    // Prepare
    const partial = new Map([['HttpApiUrl', 'https://abc123.execute-api.eu-west-1.amazonaws.com']]);

    // Act / Assess
    expect(() => deployedSiteConfig({ stage: 'dev', region: 'us-east-1', outputs: partial, params })).toThrow(
      'the stack lacks the output(s) SiteUrl, UserPoolId, UserPoolClientId',
    );
  });
});

describe('localSiteConfig (config.json of the local stack)', () => {
  it('points at the local API and cognito-local, with the password flow and where the code is', () => {
    // Act
    const config = localSiteConfig({
      host: '127.0.0.1',
      ports: { api: 3100, cognito: 9329, edge: 8180 },
      userPoolId: 'local_serverlessBlog',
      userPoolClientId: 'serverlessblogwebclient01',
      cognitoLog: '.local/local/logs/cognito.log',
      params,
    });

    // Assess
    expect(config.apiUrl).toBe('http://127.0.0.1:3100');
    expect(config.siteUrl).toBe('http://127.0.0.1:8180');
    expect(config.auth).toEqual({
      userPoolId: 'local_serverlessBlog',
      userPoolClientId: 'serverlessblogwebclient01',
      endpoint: 'http://127.0.0.1:9329',
      flow: 'USER_PASSWORD_AUTH',
      codeHint: 'Running locally, no email is sent: cognito-local writes the code to .local/local/logs/cognito.log.',
    });
    // The local stack has the stream and the delivery, so the pages send their beacons there too.
    expect(config.analytics).toBe(true);
  });
});

describe('config.json: the release keys', () => {
  const pem = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n';
  const local = (releaseKeys?: Record<string, string>) => localSiteConfig({
    host: '127.0.0.1', ports: { api: 3100, cognito: 9329, edge: 8180 }, userPoolId: 'local_serverlessBlog',
    userPoolClientId: 'serverlessblogwebclient01', cognitoLog: 'cognito.log', params, ...(releaseKeys ? { releaseKeys } : {}),
  });

  it('publishes the stage\'s release public keys by id, on AWS and locally', () => {
    const outputs = new Map([['HttpApiUrl', 'https://a.example'], ['UserPoolId', 'p'], ['UserPoolClientId', 'c'], ['SiteUrl', 'https://d.example']]);
    expect(deployedSiteConfig({ stage: 'prod', region: 'eu-west-1', outputs, params, releaseKeys: { 'release-1': pem } }).releases)
      .toEqual({ keys: { 'release-1': pem } });
    expect(local({ 'release-1': pem, 'release-2': pem }).releases).toEqual({ keys: { 'release-1': pem, 'release-2': pem } });
  });

  it('has no releases when the stage has no release keys (the Downloads page says downloads are unavailable)', () => {
    expect(local()).not.toHaveProperty('releases');
    expect(local({})).not.toHaveProperty('releases');
  });
});
