/** Test users in cognito-local, and tokens minted by hand for the cases a real client cannot produce. */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createPrivateKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HOST, LOCAL_REGION, LOCAL_S3_CREDENTIALS } from '../../scripts/local/ports';
import { ports } from './local';

export const USER_POOL_ID = 'local_serverlessBlog';
export const CLIENT_ID = 'serverlessblogwebclient01';
export const ISSUER = `http://${HOST}:${ports.cognito}/${USER_POOL_ID}`;

export const cognito = new CognitoIdentityProviderClient({
  endpoint: `http://${HOST}:${ports.cognito}`,
  region: LOCAL_REGION,
  credentials: LOCAL_S3_CREDENTIALS,
});

export interface TestUser {
  email: string;
  password: string;
  idToken: string;
  accessToken: string;
  refreshToken: string;
}

/** A confirmed user, signed in through the web client as the front end does locally (USER_PASSWORD_AUTH). */
export async function createUser(options: { groups?: string[] } = {}): Promise<TestUser> {
  const email = `reader-${randomUUID()}@example.com`;
  const password = 'Correct-Horse-42';
  await cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: USER_POOL_ID,
      Username: email,
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'email_verified', Value: 'true' },
      ],
      MessageAction: 'SUPPRESS',
    }),
  );
  await cognito.send(
    new AdminSetUserPasswordCommand({ UserPoolId: USER_POOL_ID, Username: email, Password: password, Permanent: true }),
  );
  for (const group of options.groups ?? []) {
    await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: USER_POOL_ID, Username: email, GroupName: group }));
  }
  const { AuthenticationResult } = await cognito.send(
    new InitiateAuthCommand({
      ClientId: CLIENT_ID,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  return {
    email,
    password,
    idToken: AuthenticationResult!.IdToken!,
    accessToken: AuthenticationResult!.AccessToken!,
    refreshToken: AuthenticationResult!.RefreshToken!,
  };
}

const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

export function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header!, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>,
  };
}

export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(sign('RSA-SHA256', Buffer.from(input), key))}`;
}

/** cognito-local's own signing key (it ships in the package): lets a test mint an expired or wrong-audience token. */
export const issuerKey = createPrivateKey({
  key: (JSON.parse(readFileSync(require.resolve('cognito-local/lib/keys/cognitoLocal.private.json'), 'utf8')) as {
    jwk: import('node:crypto').JsonWebKey;
  }).jwk,
  format: 'jwk',
});

/** A key nobody trusts. */
export const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
