/**
 * Sign-up, sign-in and sign-out through Amplify (the maintained Cognito client). The flow comes from config.json:
 * SRP against AWS, USER_PASSWORD_AUTH against cognito-local, which has no SRP. Tokens live where Amplify keeps them
 * (localStorage) and are refreshed by it.
 */
import { Amplify, defaultStorage, type ResourcesConfig } from '@aws-amplify/core';
import { confirmSignUp, fetchAuthSession, resendSignUpCode, signIn, signOut, signUp } from '@aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from '@aws-amplify/auth/cognito';
import type { SiteConfig } from './config';

let flow: SiteConfig['auth']['flow'] = 'USER_SRP_AUTH';

export function configureAuth(config: SiteConfig): void {
  flow = config.auth.flow;
  const auth: ResourcesConfig['Auth'] = {
    Cognito: {
      userPoolId: config.auth.userPoolId,
      userPoolClientId: config.auth.userPoolClientId,
      ...(config.auth.endpoint === undefined ? {} : { userPoolEndpoint: config.auth.endpoint }),
      loginWith: { email: true },
      signUpVerificationMethod: 'code',
    },
  };
  // What the `aws-amplify` umbrella package's Amplify.configure wires up, without pulling in its other categories
  // (storage, analytics, DataStore…): the Cognito token provider, keeping tokens in localStorage.
  cognitoUserPoolsTokenProvider.setAuthConfig(auth);
  cognitoUserPoolsTokenProvider.setKeyValueStorage(defaultStorage);
  Amplify.configure({ Auth: auth }, { Auth: { tokenProvider: cognitoUserPoolsTokenProvider } });
}

export interface SignedInUser {
  email: string;
  userId: string;
  /**
   * The Cognito groups of the access token (`cognito:groups`), the claim the API's routes check. Only for what the
   * page shows (the Dashboard link); the API decides.
   */
  groups: string[];
}

/**
 * The signed-in user from the ID token, or undefined. Never throws: a broken session is a signed-out one.
 * `refresh` asks Cognito for new tokens first, which carry the user's groups as they are now (a token keeps the
 * groups of when it was issued, for up to an hour).
 */
export async function currentUser(options: { refresh?: boolean } = {}): Promise<SignedInUser | undefined> {
  try {
    const { tokens } = await fetchAuthSession({ forceRefresh: options.refresh === true });
    const payload = tokens?.idToken?.payload;
    if (payload === undefined || typeof payload.sub !== 'string') return undefined;
    const groups = tokens?.accessToken.payload['cognito:groups'];
    return {
      userId: payload.sub,
      email: typeof payload.email === 'string' ? payload.email : payload.sub,
      groups: Array.isArray(groups) ? groups.filter((group): group is string => typeof group === 'string') : [],
    };
  } catch {
    return undefined;
  }
}

/** The access token for the HTTP API's JWT authorizer, refreshed by Amplify when it has expired. */
export async function accessToken(): Promise<string | undefined> {
  try {
    const { tokens } = await fetchAuthSession();
    return tokens?.accessToken.toString();
  } catch {
    return undefined;
  }
}

export type SignInResult = 'signed-in' | 'confirm-sign-up';

export async function signInWithPassword(email: string, password: string): Promise<SignInResult> {
  const { isSignedIn, nextStep } = await signIn({ username: email, password, options: { authFlowType: flow } });
  if (isSignedIn) return 'signed-in';
  if (nextStep.signInStep === 'CONFIRM_SIGN_UP') return 'confirm-sign-up';
  // MFA and new-password challenges are not enabled on this user pool.
  throw new Error(`Unexpected sign-in step ${nextStep.signInStep}`);
}

export async function register(email: string, password: string): Promise<void> {
  await signUp({ username: email, password, options: { userAttributes: { email } } });
}

export async function confirmRegistration(email: string, code: string): Promise<void> {
  await confirmSignUp({ username: email, confirmationCode: code });
}

export async function resendCode(email: string): Promise<void> {
  await resendSignUpCode({ username: email });
}

export async function signOutEverywhere(): Promise<void> {
  // Revokes the refresh token (the client has token revocation on) and forgets every token in this browser.
  await signOut();
}
