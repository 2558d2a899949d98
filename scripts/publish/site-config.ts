/**
 * The site's config.json, written by `npm run publish:site` beside the built pages: on AWS from the deployed stack's
 * CloudFormation outputs, locally from the local stack's ports. Pure, so both shapes are unit-tested; the result is
 * checked with the web app's own parser before it is published.
 */
import { UPLOAD_TYPES } from '../../functions/upload-url/upload-url';
import { parseConfig, type SiteConfig } from '../../web/src/config';

/** Stage parameters the site needs, as the framework resolves them for the stage (serverless.yml `params`). */
export interface SiteParams {
  maxUploadBytes: unknown;
  thumbnailWidths: unknown;
  thumbnailFormats: unknown;
}

/** The stack outputs config.json is made of; publish-site fails, naming them, if the stack lacks one. */
export const REQUIRED_OUTPUTS = ['HttpApiUrl', 'SiteUrl', 'UserPoolId', 'UserPoolClientId'] as const;

function shared(params: SiteParams): Pick<SiteConfig, 'uploads' | 'thumbnails'> {
  const widths = String(params.thumbnailWidths).split(',').map((width) => Number(width.trim()));
  const [format = ''] = String(params.thumbnailFormats).split(',').map((f) => f.trim());
  return {
    uploads: { maxBytes: Number(params.maxUploadBytes), types: Object.keys(UPLOAD_TYPES) },
    // The first format is the one every browser gets (the function writes every configured format).
    thumbnails: { widths, format },
  };
}

/** `releases` of config.json: the stage's release public keys (release-keys.ts), or nothing when it has none. */
function releases(keys: Record<string, string> | undefined): Pick<SiteConfig, 'releases'> {
  return keys === undefined || Object.keys(keys).length === 0 ? {} : { releases: { keys } };
}

export function deployedSiteConfig(input: {
  stage: string;
  region: string;
  outputs: ReadonlyMap<string, string>;
  params: SiteParams;
  /** keyId → SPKI PEM (keys/<stage>/releases/). */
  releaseKeys?: Record<string, string>;
}): SiteConfig {
  const missing = REQUIRED_OUTPUTS.filter((name) => !input.outputs.has(name));
  if (missing.length > 0) throw new Error(`the stack lacks the output(s) ${missing.join(', ')}`);
  const output = (name: (typeof REQUIRED_OUTPUTS)[number]) => input.outputs.get(name)!;
  return parseConfig({
    stage: input.stage,
    region: input.region,
    apiUrl: output('HttpApiUrl'),
    siteUrl: output('SiteUrl'),
    // SRP: the password never leaves the browser. The app client of a deployed stage allows nothing else.
    auth: { userPoolId: output('UserPoolId'), userPoolClientId: output('UserPoolClientId'), flow: 'USER_SRP_AUTH' },
    ...shared(input.params),
    // Every deployed stack has the analytics stream (resources/analytics.yml).
    analytics: true,
    ...releases(input.releaseKeys),
  });
}

export function localSiteConfig(input: {
  host: string;
  ports: { api: number; cognito: number; edge: number };
  userPoolId: string;
  userPoolClientId: string;
  /** Where cognito-local writes the sign-up codes it would have emailed, relative to the repository. */
  cognitoLog: string;
  params: SiteParams;
  /** keyId → SPKI PEM (keys/local/releases/, made by `npm start`). */
  releaseKeys?: Record<string, string>;
}): SiteConfig {
  return parseConfig({
    stage: 'local',
    // cognito-local ignores the region; Amplify wants one.
    region: 'us-east-1',
    apiUrl: `http://${input.host}:${input.ports.api}`,
    siteUrl: `http://${input.host}:${input.ports.edge}`,
    auth: {
      userPoolId: input.userPoolId,
      userPoolClientId: input.userPoolClientId,
      endpoint: `http://${input.host}:${input.ports.cognito}`,
      // cognito-local implements no SRP; the local app client alone also allows USER_PASSWORD_AUTH (serverless.yml).
      flow: 'USER_PASSWORD_AUTH',
      codeHint: `Running locally, no email is sent: cognito-local writes the code to ${input.cognitoLog}.`,
    },
    ...shared(input.params),
    // The local stack runs the stream and its delivery (scripts/local/kinesis/, scripts/local/firehose/).
    analytics: true,
    ...releases(input.releaseKeys),
  });
}
