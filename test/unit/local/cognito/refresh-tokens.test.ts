/**
 * GetTokensFromRefreshToken for cognito-local (scripts/local/cognito/refresh-tokens.cjs), held to "GetTokensFromRefreshToken"
 * of the Amazon Cognito user pools API Reference: with refresh token rotation off, new ID and access tokens for the
 * user who owns the token, no new refresh token; a token it did not issue is NotAuthorizedException. Run over
 * cognito-local's own InitiateAuth target and router, with its services faked.
 */
// cognito-local's TOTP service (MFA, not used here) pulls in ES-module-only code that Jest cannot require on Node 20.
jest.mock('cognito-local/lib/services/totp', () => ({}));

import { Router } from 'cognito-local/lib/server/Router';
import { InitiateAuth } from 'cognito-local/lib/targets/initiateAuth';
import * as errors from 'cognito-local/lib/errors';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getTokensFromRefreshToken } = require('../../../../scripts/local/cognito/refresh-tokens.cjs') as {
  getTokensFromRefreshToken: (initiateAuth: unknown, errs: unknown) => (services: unknown) => (ctx: unknown, req: unknown) => Promise<Record<string, unknown>>;
};

const CLIENT_ID = 'serverlessblogwebclient01';
const REFRESH_TOKEN = 'the-users-refresh-token';

/** A JWT-shaped token whose payload says what it was made for; the signature is not read here. */
const token = (payload: Record<string, unknown>): string =>
  ['{"alg":"RS256"}', JSON.stringify(payload), 'signature'].map((part) => Buffer.from(part).toString('base64url')).join('.');

function fakeServices(options: { groups?: string[]; client?: Record<string, unknown> } = {}) {
  const user = { Username: 'a-sub', Attributes: [] };
  const userPool = {
    getUserByRefreshToken: jest.fn(async (_ctx: unknown, refreshToken: string) => (refreshToken === REFRESH_TOKEN ? user : null)),
    listUserGroupMembership: jest.fn(async () => options.groups ?? []),
  };
  const client = { ClientId: CLIENT_ID, UserPoolId: 'local_serverlessBlog', ...options.client };
  const generate = jest.fn(async (_ctx: unknown, _user: unknown, groups: string[], _client: unknown, _metadata: unknown, source: string) => {
    const iat = 1_800_000_000;
    return {
      AccessToken: token({ token_use: 'access', iat, exp: iat + 3600, 'cognito:groups': groups, source }),
      IdToken: token({ token_use: 'id', iat, exp: iat + 3600, 'cognito:groups': groups }),
      RefreshToken: 'a-new-refresh-token',
    };
  });
  return {
    services: {
      cognito: {
        getAppClient: jest.fn(async (_ctx: unknown, id: string) => (id === CLIENT_ID ? client : null)),
        getUserPoolForClientId: jest.fn(async () => userPool),
      },
      tokenGenerator: { generate },
    },
    generate,
  };
}

const payload = (jwt: unknown): Record<string, unknown> =>
  JSON.parse(Buffer.from(String(jwt).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

const ctx = { logger: { child: () => ctx.logger, debug: () => undefined } };
const target = getTokensFromRefreshToken(InitiateAuth, errors);

describe('GetTokensFromRefreshToken on cognito-local', () => {
  it('issues new ID and access tokens with the groups as they are now, and no refresh token (rotation off)', async () => {
    // Prepare: the user was added to admins after their sign-in
    const { services, generate } = fakeServices({ groups: ['admins'] });

    // Act
    const answer = await target(services)(ctx, { ClientId: CLIENT_ID, RefreshToken: REFRESH_TOKEN });

    // Assess
    const result = answer.AuthenticationResult as Record<string, unknown>;
    expect(Object.keys(result).sort()).toEqual(['AccessToken', 'ExpiresIn', 'IdToken', 'TokenType']);
    expect(payload(result.IdToken)).toMatchObject({ token_use: 'id', 'cognito:groups': ['admins'] });
    expect(payload(result.AccessToken)).toMatchObject({ token_use: 'access', source: 'RefreshTokens' });
    expect(result).toMatchObject({ ExpiresIn: 3600, TokenType: 'Bearer' });
    expect(generate).toHaveBeenCalledTimes(1);
  });

  it('refuses a refresh token it did not issue: NotAuthorizedException', async () => {
    const { services } = fakeServices();
    await expect(target(services)(ctx, { ClientId: CLIENT_ID, RefreshToken: 'forged' })).rejects.toMatchObject({ code: 'NotAuthorizedException' });
  });

  it('refuses a request without its required members: InvalidParameterException', async () => {
    const { services } = fakeServices();
    await expect(target(services)(ctx, { ClientId: CLIENT_ID })).rejects.toMatchObject({ code: 'InvalidParameterException' });
    await expect(target(services)(ctx, { RefreshToken: REFRESH_TOKEN })).rejects.toMatchObject({ code: 'InvalidParameterException' });
  });

  it('refuses an app client that does not exist: ResourceNotFoundException', async () => {
    const { services } = fakeServices();
    await expect(target(services)(ctx, { ClientId: 'nope', RefreshToken: REFRESH_TOKEN })).rejects.toMatchObject({ code: 'ResourceNotFoundException' });
  });

  it('does not stand in for what cognito-local cannot do: rotation, device keys; a wrong client secret is refused', async () => {
    const rotating = fakeServices({ client: { RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 10 } } });
    await expect(target(rotating.services)(ctx, { ClientId: CLIENT_ID, RefreshToken: REFRESH_TOKEN })).rejects.toBeInstanceOf(errors.UnsupportedError);
    expect(rotating.generate).not.toHaveBeenCalled();

    const { services } = fakeServices();
    await expect(target(services)(ctx, { ClientId: CLIENT_ID, RefreshToken: REFRESH_TOKEN, DeviceKey: 'us-east-1_x' })).rejects.toBeInstanceOf(errors.UnsupportedError);
    await expect(target(services)(ctx, { ClientId: CLIENT_ID, RefreshToken: REFRESH_TOKEN, ClientSecret: 'guess' })).rejects.toMatchObject({ code: 'NotAuthorizedException' });
  });

  it("is in cognito-local's operations once preloaded, where it answered 'unsupported feature' before", async () => {
    // Prepare
    const { services } = fakeServices({ groups: ['admins'] });

    // Act: the router cognito-local's server sends each x-amz-target to
    const route = Router(services as never)('GetTokensFromRefreshToken');
    const answer = (await route(ctx as never, { ClientId: CLIENT_ID, RefreshToken: REFRESH_TOKEN })) as Record<string, unknown>;

    // Assess
    expect(payload((answer.AuthenticationResult as Record<string, unknown>).IdToken)['cognito:groups']).toEqual(['admins']);
  });
});
