/**
 * `npm run admins` (scripts/admins.ts) against the local stack: a user it adds to `admins` gets the group in the tokens
 * of their next sign-in, and the API's admin route (PUT /users/{userId}/plan, which checks the same claim as
 * GET /reports/{name}) lets them past its admin check; `--remove` takes it away again. Also GetTokensFromRefreshToken,
 * how the web app (Amplify) refreshes tokens, e.g. on the Dashboard of a reader just made an admin.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { AdminListGroupsForUserCommand, GetTokensFromRefreshTokenCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { ROOT } from '../../scripts/local/service-config';
import { CLIENT_ID, cognito, createUser, decode, USER_POOL_ID, type TestUser } from './cognito';
import { apiUrl } from './local';

async function admins(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [require.resolve('tsx/cli'), 'scripts/admins.ts', ...args], {
      cwd: ROOT,
      env: process.env,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

async function signIn(user: TestUser): Promise<string> {
  const { AuthenticationResult } = await cognito.send(
    new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: user.email, PASSWORD: user.password } }),
  );
  return AuthenticationResult!.AccessToken!;
}

/** The admin route: past its admin check, an unknown user is 404; before it, 403 not_admin. */
async function changeSomeonesPlan(token: string): Promise<{ status: number; code: unknown }> {
  const response = await fetch(`${apiUrl}/users/${randomUUID()}/plan`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ plan: 'premium' }),
  });
  const body = (await response.json()) as { error?: { code?: unknown } };
  return { status: response.status, code: body.error?.code };
}

/** By the username (the pool signs in by e-mail, so it is the user's sub); cognito-local resolves no e-mail here. */
const groupsOf = async (user: TestUser) => {
  const username = String(decode(user.accessToken).payload.username);
  const { Groups } = await cognito.send(new AdminListGroupsForUserCommand({ UserPoolId: USER_POOL_ID, Username: username }));
  return Groups?.map((group) => group.GroupName);
};

describe('npm run admins', () => {
  it('adds a user to admins by e-mail, and their next tokens carry the group the API checks; --remove undoes it', async () => {
    // Prepare
    const user = await createUser();
    expect((await changeSomeonesPlan(user.accessToken)).code).toBe('not_admin');

    // Act
    const added = await admins('--stage', 'local', '--email', user.email);

    // Assess
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toContain(`${user.email} is in admins (user pool ${USER_POOL_ID})`);
    expect(await groupsOf(user)).toEqual(['admins']);
    const adminToken = await signIn(user);
    expect(decode(adminToken).payload['cognito:groups']).toEqual(['admins']);
    expect(await changeSomeonesPlan(adminToken)).toEqual({ status: 404, code: 'user_not_found' });

    // Act: and out again
    const removed = await admins('--stage', 'local', '--email', user.email, '--remove');

    // Assess
    expect(removed.code).toBe(0);
    expect(await groupsOf(user)).toEqual([]);
    expect(await changeSomeonesPlan(await signIn(user))).toEqual({ status: 403, code: 'not_admin' });
  }, 120_000);

  it('an address with no user: exit 1 and one sentence', async () => {
    const run = await admins('--stage', 'local', '--email', 'nobody@example.com');
    expect(run).toEqual({ code: 1, stdout: '', stderr: `no user with e-mail nobody@example.com in user pool ${USER_POOL_ID}\n` });
  }, 60_000);

  it('GetTokensFromRefreshToken (as Amplify refreshes): fresh tokens carry the groups as they are now, and no new refresh token', async () => {
    // Prepare: signed in before being made an admin
    const user = await createUser();
    expect(decode(user.idToken).payload['cognito:groups']).toBeUndefined();
    expect((await admins('--stage', 'local', '--email', user.email)).code).toBe(0);

    // Act
    const { AuthenticationResult: fresh } = await cognito.send(new GetTokensFromRefreshTokenCommand({ ClientId: CLIENT_ID, RefreshToken: user.refreshToken }));

    // Assess: the API's admin check passes with the refreshed token; rotation is off, so the refresh token stays
    expect(decode(fresh!.IdToken!).payload['cognito:groups']).toEqual(['admins']);
    expect(decode(fresh!.IdToken!).payload.sub).toBe(decode(user.idToken).payload.sub);
    expect(fresh).toMatchObject({ ExpiresIn: 3600, TokenType: 'Bearer' });
    expect(fresh!.RefreshToken).toBeUndefined();
    expect(await changeSomeonesPlan(fresh!.AccessToken!)).toEqual({ status: 404, code: 'user_not_found' });
  }, 60_000);

  it('GetTokensFromRefreshToken refuses a refresh token it did not issue (NotAuthorizedException)', async () => {
    await expect(cognito.send(new GetTokensFromRefreshTokenCommand({ ClientId: CLIENT_ID, RefreshToken: randomUUID() }))).rejects.toMatchObject({
      name: 'NotAuthorizedException',
    });
  });
});
