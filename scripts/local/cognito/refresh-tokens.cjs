// Preloaded into cognito-local (`node --require`, set by index.ts): the GetTokensFromRefreshToken operation
// ("GetTokensFromRefreshToken", Amazon Cognito user pools API Reference), which cognito-local 5.3.0 does not have
// (it answers 500 "unsupported feature"). Amplify Auth 6 refreshes tokens with it alone: without it, every signed-in
// session on the local site ends when its access token expires (an hour), and a reader just added to `admins` keeps
// the tokens that say otherwise (the Dashboard asks for fresh ones, and gets none).
//
// As the reference has it when refresh token rotation is off: new ID and access tokens for the user who owns the
// token, with their attributes and groups as they are now, and no new refresh token. That is what cognito-local's
// InitiateAuth with REFRESH_TOKEN_AUTH issues ("Refresh tokens", Amazon Cognito Developer Guide: the two operations
// take the same token), so the request is answered by it. What the stand-in cannot decide is refused, as Cognito would
// refuse a request it cannot serve: rotation (an app client with RefreshTokenRotation enabled), device keys (no
// device tracking in cognito-local) and client secrets (the web client has none).
//
// cognito-local looks an operation up by its x-amz-target name in its Targets object at each request, so adding the
// name there is enough.
'use strict';

/**
 * The operation over cognito-local's InitiateAuth target. `errors` are cognito-local's error classes: a CognitoError is
 * answered 400 with its code as `__type`, as Cognito does.
 */
function getTokensFromRefreshToken(initiateAuth, errors) {
  return (services) => async (ctx, req) => {
    const request = req ?? {};
    for (const name of ['ClientId', 'RefreshToken']) {
      if (typeof request[name] !== 'string' || request[name] === '') {
        throw new errors.InvalidParameterError(`1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
      }
    }
    const client = await services.cognito.getAppClient(ctx, request.ClientId);
    if (!client) throw new errors.ResourceNotFoundError(`User pool client ${request.ClientId} does not exist.`);
    if (client.RefreshTokenRotation?.Feature === 'ENABLED') {
      throw new errors.UnsupportedError('GetTokensFromRefreshToken with refresh token rotation');
    }
    if (request.DeviceKey !== undefined) throw new errors.UnsupportedError('GetTokensFromRefreshToken with a DeviceKey');
    if (request.ClientSecret !== undefined && request.ClientSecret !== client.ClientSecret) {
      throw new errors.NotAuthorizedError('Client secret does not match for the client');
    }
    const { AuthenticationResult: result } = await initiateAuth(services)(ctx, {
      ClientId: request.ClientId,
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      AuthParameters: { REFRESH_TOKEN: request.RefreshToken },
      ...(request.ClientMetadata === undefined ? {} : { ClientMetadata: request.ClientMetadata }),
    });
    return {
      AuthenticationResult: {
        AccessToken: result.AccessToken,
        IdToken: result.IdToken,
        ExpiresIn: expiresIn(result.AccessToken),
        TokenType: 'Bearer',
      },
    };
  };
}

/** The access token's lifetime in seconds, as Cognito reports it in ExpiresIn. */
function expiresIn(accessToken) {
  const payload = JSON.parse(Buffer.from(String(accessToken).split('.')[1] ?? '', 'base64url').toString('utf8'));
  return payload.exp - payload.iat;
}

/** Adds the operation to cognito-local's table of operations. */
function register() {
  const { Targets } = require('cognito-local/lib/targets/targets');
  const { InitiateAuth } = require('cognito-local/lib/targets/initiateAuth');
  Targets.GetTokensFromRefreshToken ??= getTokensFromRefreshToken(InitiateAuth, require('cognito-local/lib/errors'));
}

register();

module.exports = { getTokensFromRefreshToken };
