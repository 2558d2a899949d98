import { apiUrl } from './local';
import { CLIENT_ID, createUser, decode, ISSUER, issuerKey, signJwt, strangerKey, type TestUser } from './cognito';

const me = (token?: string) =>
  fetch(`${apiUrl}/me`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

describe('the HTTP API JWT authorizer, locally as on AWS', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await createUser({ groups: ['admins'] });
  }, 30_000);

  it('lets a signed-in user through with an ID token, and the function sees the verified claims', async () => {
    // Act
    const response = await me(user.idToken);

    // Assess
    expect(response.status).toBe(200);
    const body = (await response.json()) as { userId: string; email: string; groups: string[] };
    expect(body).toEqual({ userId: decode(user.idToken).payload.sub, email: user.email, groups: ['admins'] });
  });

  it('accepts an access token too (its client_id is the audience)', async () => {
    // Act
    const response = await me(user.accessToken);

    // Assess
    expect(response.status).toBe(200);
  });

  it('accepts a token minted with the issuer key (the control for the refusals below)', async () => {
    // Prepare
    const { header, payload } = decode(user.idToken);

    // Act
    const response = await me(signJwt(header, { ...payload, exp: Math.floor(Date.now() / 1000) + 300 }, issuerKey));

    // Assess
    expect(response.status).toBe(200);
  });

  it.each([
    ['no token', () => undefined],
    ['a malformed token', () => 'not-a-jwt'],
    [
      'a forged token (claims changed, signature kept)',
      () => {
        const [h, , s] = user.idToken.split('.');
        const payload = { ...decode(user.idToken).payload, email: 'someone-else@example.com' };
        return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
      },
    ],
    [
      'a token signed by another key with the same kid',
      () => signJwt(decode(user.idToken).header, decode(user.idToken).payload, strangerKey),
    ],
    [
      'an expired token',
      () => {
        const { header, payload } = decode(user.idToken);
        const now = Math.floor(Date.now() / 1000);
        return signJwt(header, { ...payload, iat: now - 7200, exp: now - 3600 }, issuerKey);
      },
    ],
    [
      'a token for another app client',
      () => {
        const { header, payload } = decode(user.idToken);
        return signJwt(header, { ...payload, aud: 'someotherclient' }, issuerKey);
      },
    ],
    [
      'a token from another issuer',
      () => {
        const { header, payload } = decode(user.idToken);
        return signJwt(header, { ...payload, iss: ISSUER.replace('local_serverlessBlog', 'local_other') }, issuerKey);
      },
    ],
  ])('answers 401 for %s', async (_case, token) => {
    // Act
    const response = await me(token());

    // Assess
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
  });

  it('keeps public routes public', async () => {
    // Act
    const response = await fetch(`${apiUrl}/health`);

    // Assess
    expect(response.status).toBe(200);
    expect(CLIENT_ID).toBe(decode(user.idToken).payload.aud);
  });
});
