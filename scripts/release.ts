/**
 * `npm run release -- --stage <stage> --channel <c> --version <semver> --file <path>` and
 * `npm run release -- --stage <stage> --channel <c> --rollback <version>`: the adapter around
 * scripts/releases/publish.ts. It finds the stage's releases bucket and distribution, reads the release signing key
 * from Secrets Manager (locally the stack's endpoint serves .local/keys/local/releases/) and the trusted public keys
 * from keys/<stage>/releases/, and prints what happened. The private key is never printed or logged.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { NoSuchBucket, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { importSigningKey, importVerifyKey, signDocument, type ReleaseKey } from '../web/src/releases/manifest';
import { bucketNames } from './local/cloudformation/buckets';
import { localPhysicalName } from './local/common/intrinsics';
import {
  HOST, LOCAL_CREDENTIALS, LOCAL_DISTRIBUTION_ID, LOCAL_REGION, localPorts, localS3ClientConfig, localUrl,
} from './local/ports';
import { LOCAL_RELEASE_KEY_NAME, isReleaseKeyName, releaseKeySecretName } from './local/secrets/keys';
import { loadServiceConfig, param, ROOT, type ServiceConfig } from './local/service-config';
import { progressReporter } from './releases/progress';
import {
  DEFAULT_MANIFEST_DAYS,
  DEFAULT_PART_SIZE,
  DEFAULT_QUEUE_SIZE,
  ReleaseError,
  publishRelease,
  rollbackRelease,
  type ReleaseOutcome,
  type ReleasePorts,
  type ReleaseSigner,
} from './releases/publish';
import { S3ReleaseStore } from './releases/s3-store';

const MIB = 1024 * 1024;

const USAGE = `Usage: npm run release -- --stage <stage> --channel <channel> --version <semver> --file <path> [options]
       npm run release -- --stage <stage> --channel <channel> --rollback <version> [options]

Publishes a file as a version of a channel: uploads it to the releases bucket (multipart, never over an existing
version), signs its manifest (Ed25519), updates the channel's index.json, releases/channels.json and, when the version
is the channel's newest, latest.json — in that order — then invalidates only /releases/<channel>/latest.json.
--rollback points latest.json back at a published version, re-signed.

Options:
  --stage <stage>        local: the stack of \`npm start\`; any other stage: stack <service>-<stage>
                         (outputs ReleasesBucketName and DistributionId)
  --key <name>           release signing key (default ${LOCAL_RELEASE_KEY_NAME}): secret <service>/<stage>/release-key/<name>;
                         its public half keys/<stage>/releases/<name>.public.pem must be there
  --days <n>             validity of the signatures (default: stage param releaseManifestDays, else ${DEFAULT_MANIFEST_DAYS})
  --part-size-mib <n>    multipart part size (default ${DEFAULT_PART_SIZE / MIB}, at least 5)
  --queue-size <n>       parts uploaded in parallel (default ${DEFAULT_QUEUE_SIZE})
  --region <region>      region of a deployed stage (default: AWS_REGION, else us-east-1)
  -h, --help             print this text

Exit status: 0 done; 1 refused or failed (the message says what was written, if anything); 2 usage;
3 published, but the CloudFront invalidation of latest.json failed (edges serve the old one for at most its 60 s).`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface Options {
  stage: string;
  channel: string;
  action: { kind: 'publish'; version: string; file: string } | { kind: 'rollback'; version: string };
  keyName: string;
  days?: number;
  partSize: number;
  queueSize: number;
  region: string;
}

function wholeNumber(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${option} takes a whole number, got ${value}`);
  return Number(value);
}

function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      stage: { type: 'string' },
      channel: { type: 'string' },
      version: { type: 'string' },
      file: { type: 'string' },
      rollback: { type: 'string' },
      key: { type: 'string', default: LOCAL_RELEASE_KEY_NAME },
      days: { type: 'string' },
      'part-size-mib': { type: 'string' },
      'queue-size': { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  if (!values.stage) throw new UsageError('--stage is required');
  if (!values.channel) throw new UsageError('--channel is required');
  if (!isReleaseKeyName(values.key)) throw new UsageError(`--key ${values.key}: a release key name is a-z, 0-9 and -`);
  let action: Options['action'];
  if (values.rollback !== undefined) {
    if (values.version !== undefined || values.file !== undefined) throw new UsageError('--rollback takes no --version or --file');
    action = { kind: 'rollback', version: values.rollback };
  } else {
    if (!values.version || !values.file) throw new UsageError('--version and --file are required (or --rollback <version>)');
    action = { kind: 'publish', version: values.version, file: path.resolve(values.file) };
  }
  return {
    stage: values.stage,
    channel: values.channel,
    action,
    keyName: values.key,
    days: wholeNumber(values.days, '--days'),
    partSize: (wholeNumber(values['part-size-mib'], '--part-size-mib') ?? DEFAULT_PART_SIZE / MIB) * MIB,
    queueSize: wholeNumber(values['queue-size'], '--queue-size') ?? DEFAULT_QUEUE_SIZE,
    region: values.region ?? process.env.AWS_REGION ?? 'us-east-1',
  };
}

/** Where the stage's releases live, and the clients that reach them. */
interface Target {
  store: S3ReleaseStore;
  secrets: SecretsManagerClient;
  invalidate: (paths: string[]) => Promise<string>;
  distributionId: string;
  /** The local stack: its own hints when something does not answer. */
  local: boolean;
  destroy: () => void;
}

async function resolveTarget(config: ServiceConfig, options: Options): Promise<Target> {
  if (options.stage === 'local') {
    const ports = localPorts();
    const s3 = new S3Client(localS3ClientConfig(process.env.AWS_ENDPOINT_URL_S3 ?? localUrl(ports.s3)));
    const local = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    const secrets = new SecretsManagerClient({ ...local, endpoint: process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? localUrl(ports.secrets) });
    const cloudFront = new CloudFrontClient({ ...local, endpoint: process.env.AWS_ENDPOINT_URL_CLOUDFRONT ?? localUrl(ports.cloudfront) });
    // The name the local stack gives the template's ReleasesBucket (resources/releases.yml).
    const bucket = bucketNames(config).get('ReleasesBucket') ?? localPhysicalName(config, 'ReleasesBucket');
    return {
      store: new S3ReleaseStore(s3, bucket),
      secrets,
      invalidate: invalidator(cloudFront, LOCAL_DISTRIBUTION_ID, options),
      distributionId: LOCAL_DISTRIBUTION_ID,
      local: true,
      destroy: () => [s3, secrets, cloudFront].forEach((client) => client.destroy()),
    };
  }
  const stackName = `${config.service}-${options.stage}`;
  const outputs = await stackOutputs(stackName, options.region);
  const bucket = outputs.get('ReleasesBucketName');
  const distributionId = outputs.get('DistributionId');
  if (bucket === undefined || distributionId === undefined) {
    const missing = ['ReleasesBucketName', 'DistributionId'].filter((name) => !outputs.has(name));
    throw new ReleaseError('not-found', `Stack ${stackName} (${options.region}) lacks the output(s) ${missing.join(', ')}: deploy the current serverless.yml first.`);
  }
  const s3 = new S3Client({ region: options.region });
  const secrets = new SecretsManagerClient({ region: options.region });
  // CloudFront is global; its API is in us-east-1 whatever the stack's region.
  const cloudFront = new CloudFrontClient({ region: 'us-east-1' });
  return {
    store: new S3ReleaseStore(s3, bucket),
    secrets,
    invalidate: invalidator(cloudFront, distributionId, options),
    distributionId,
    local: false,
    destroy: () => [s3, secrets, cloudFront].forEach((client) => client.destroy()),
  };
}

function invalidator(cloudFront: CloudFrontClient, distributionId: string, options: Options): (paths: string[]) => Promise<string> {
  return async (paths) => {
    const { Invalidation } = await cloudFront.send(
      new CreateInvalidationCommand({
        DistributionId: distributionId,
        InvalidationBatch: {
          CallerReference: `release-${options.stage}-${options.channel}-${Date.now()}`,
          Paths: { Quantity: paths.length, Items: paths },
        },
      }),
    );
    return Invalidation?.Id ?? '(no id returned)';
  };
}

async function stackOutputs(stackName: string, region: string): Promise<Map<string, string>> {
  const cloudFormation = new CloudFormationClient({ region });
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = Stacks?.[0]?.Outputs ?? [];
    return new Map(outputs.flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
  } catch (error) {
    // CloudFormation reports an unknown stack as a ValidationError "Stack with id … does not exist".
    if (error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message)) {
      throw new ReleaseError('not-found', `Stack ${stackName} does not exist in ${region}: deploy it first, or pass --region.`);
    }
    throw error;
  } finally {
    cloudFormation.destroy();
  }
}

/** keys/<stage>/releases/*.public.pem: the keys the site publishes, so the keys clients trust. */
async function trustedKeys(stage: string): Promise<Map<string, ReleaseKey>> {
  const dir = path.join(ROOT, 'keys', stage, 'releases');
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith('.public.pem'));
  } catch {
    files = [];
  }
  const keys = new Map<string, ReleaseKey>();
  for (const file of files) {
    keys.set(file.slice(0, -'.public.pem'.length), await importVerifyKey(readFileSync(path.join(dir, file), 'utf8')));
  }
  if (keys.size === 0) {
    throw new ReleaseError('key-mismatch', `No release public keys in ${path.relative(process.cwd(), dir) || dir}: make one with npm run keys -- --stage ${stage} --release`);
  }
  return keys;
}

/** The private key from Secrets Manager, imported once; only the signer holds it. */
async function signer(target: Target, config: ServiceConfig, options: Options): Promise<ReleaseSigner> {
  const secretName = releaseKeySecretName(config.service, options.stage, options.keyName);
  let pem: string | undefined;
  try {
    pem = (await target.secrets.send(new GetSecretValueCommand({ SecretId: secretName }))).SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      throw new ReleaseError('key-mismatch', `No secret ${secretName}: make the key with npm run keys -- --stage ${options.stage} --release --name ${options.keyName}`);
    }
    if (target.local && (error as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
      throw new ReleaseError('not-found', 'Nothing answers at the local Secrets Manager endpoint: start the local stack first (npm start).');
    }
    throw error;
  }
  let key: ReleaseKey;
  try {
    key = await importSigningKey(pem ?? '');
  } catch {
    // Not the import's message: it could quote what it was given.
    throw new ReleaseError('key-mismatch', `Secret ${secretName} is not an Ed25519 private key (PKCS #8 PEM)`);
  }
  return { keyId: options.keyName, sign: (document) => signDocument(document, key) };
}

function manifestDays(config: ServiceConfig, options: Options): number {
  if (options.days !== undefined) return options.days;
  const fromStage = param(config, 'releaseManifestDays');
  return fromStage === undefined ? DEFAULT_MANIFEST_DAYS : Number(fromStage);
}

function report(outcome: ReleaseOutcome, target: Target): number {
  const { manifest, invalidation } = outcome;
  // Stable lines; test/integration/releases.test.ts reads them.
  console.log(`Release: ${manifest.channel} ${manifest.version} ${manifest.file} ${manifest.size} bytes sha256 ${manifest.sha256}`);
  console.log(`Latest: ${outcome.latest}${outcome.latestWritten ? '' : ' (latest.json unchanged)'}`);
  if (invalidation === undefined) return 0;
  if ('id' in invalidation) {
    console.log(`Invalidation: ${invalidation.id} ${invalidation.path}`);
    return 0;
  }
  const retry = target.local
    ? 'start the local stack (npm start) if it is not running; nothing else needs redoing'
    : `retry with: aws cloudfront create-invalidation --distribution-id ${target.distributionId} --paths ${invalidation.path}`;
  console.error(
    `The release is complete in the bucket, but the CloudFront invalidation of ${invalidation.path} failed ` +
      `(${invalidation.error}): edges serve the previous latest.json until its max-age (60 s) ends. ${retry}`,
  );
  return 3;
}

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const config = await loadServiceConfig(options.stage);
  const target = await resolveTarget(config, options);
  try {
    const progress = progressReporter(process.stderr);
    const ports: ReleasePorts = {
      store: target.store,
      signer: await signer(target, config, options),
      trustedKeys: await trustedKeys(options.stage),
      invalidate: target.invalidate,
      now: () => new Date(),
      log: (line) => console.log(line),
      progress: (uploaded, total) => progress.update(uploaded, total),
    };
    const days = manifestDays(config, options);
    const outcome = options.action.kind === 'publish'
      ? await publishRelease(
        { channel: options.channel, version: options.action.version, filePath: options.action.file, manifestDays: days, partSize: options.partSize, queueSize: options.queueSize },
        ports,
      ).finally(() => progress.done())
      : await rollbackRelease({ channel: options.channel, version: options.action.version, manifestDays: days }, ports);
    return report(outcome, target);
  } catch (error) {
    if (error instanceof NoSuchBucket) {
      const hint = target.local ? ' Start the local stack first (npm start).' : '';
      throw new ReleaseError('not-found', `Bucket ${target.store.bucket} does not exist.${hint}`);
    }
    if (target.local && (error as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
      throw new ReleaseError('not-found', `Nothing answers at the local S3 (${HOST}): start the local stack first (npm start).`);
    }
    throw error;
  } finally {
    target.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // parseArgs throws a TypeError with an ERR_PARSE_ARGS_* code for unknown or malformed options.
    const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
    if (error instanceof UsageError || (error instanceof TypeError && code?.startsWith('ERR_PARSE_ARGS_'))) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    // Refusals print as their message; anything else keeps its stack for a bug report.
    console.error(error instanceof ReleaseError ? error.message : error);
    process.exitCode = 1;
  },
);
