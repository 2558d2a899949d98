/**
 * Where the local stack listens: one port per name, read by the stand-ins that listen there (stand-in.ts). Every port
 * moves together with LOCAL_PORT_OFFSET, so the integration tests (offset 100) can run while a developer's `npm start`
 * (offset 0) is up.
 */
export interface LocalPorts {
  dynamodb: number;
  s3: number;
  cognito: number;
  ses: number;
  /** The API front that verifies JWTs (what clients call)… */
  api: number;
  /** …and serverless-offline behind it. */
  apiBackend: number;
  lambda: number;
  edge: number;
  /** SNS and SQS (fauxqs serves both on one port). */
  messaging: number;
  secrets: number;
  /** kinesis-local: plain HTTP (what the stack and the functions use) and TLS (it always opens both). */
  kinesis: number;
  kinesisTls: number;
  athena: number;
  /** The schedule rules' endpoint (list, run one now). */
  schedules: number;
  /** The CloudFront API of the local edge (CreateInvalidation), apart from the port viewers use, as on AWS. */
  cloudfront: number;
  /** The metric totals of the functions' EMF lines (metrics/), for `npm run metrics`. */
  metrics: number;
}

export const HOST = '127.0.0.1';

/** The address of a local endpoint on `port`. */
export const localUrl = (port: number): string => `http://${HOST}:${port}`;

const BASE: LocalPorts = {
  dynamodb: 8000, s3: 4569, cognito: 9229, ses: 8005, api: 3000, apiBackend: 3003, lambda: 3002, edge: 8080,
  messaging: 4566, secrets: 4584, kinesis: 4567, kinesisTls: 4568, athena: 4585, schedules: 4586,
  cloudfront: 4587, metrics: 4588,
};

export function localPorts(offset = Number(process.env.LOCAL_PORT_OFFSET ?? 0)): LocalPorts {
  if (!Number.isInteger(offset) || offset < 0 || offset > 10_000) {
    throw new Error(`LOCAL_PORT_OFFSET must be an integer from 0 to 10000, got ${offset}`);
  }
  const shifted = { ...BASE };
  for (const name of Object.keys(shifted) as (keyof LocalPorts)[]) {
    shifted[name] += offset;
    if (BLOCKED_PORTS.has(shifted[name])) {
      throw new Error(
        `LOCAL_PORT_OFFSET ${offset} puts ${name} on port ${shifted[name]}, which browsers and Node's fetch refuse; pick another offset`,
      );
    }
  }
  return shifted;
}

/** The "bad ports" of the Fetch standard above 1024: browsers and Node's fetch refuse to connect to them. */
const BLOCKED_PORTS = new Set([
  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** The local distribution's id: what `DistributionId` is on AWS, for the local CloudFront API. */
export const LOCAL_DISTRIBUTION_ID = 'ELOCALEDGE0001';

/** s3rver accepts only these credentials. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
/** Any credentials do for the other emulators; the SDK just needs some. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'us-east-1';
/** SDK client settings for an emulator at `endpoint` (s3rver's credentials work for every emulator here). */
export const localClientConfig = (endpoint: string | undefined) => ({ endpoint, region: LOCAL_REGION, credentials: LOCAL_S3_CREDENTIALS });

/**
 * For the local S3: path-style URLs (s3rver has no per-bucket host names), and checksums only where S3 requires them
 * (with the SDK's default streamed checksums s3rver stored the checksum trailer as part of the object).
 */
export const localS3ClientConfig = (endpoint: string | undefined) =>
  ({ ...localClientConfig(endpoint), forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' }) as const;

/** The account id the local emulators put in ARNs. */
export const LOCAL_ACCOUNT_ID = '000000000000';
