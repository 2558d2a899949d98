/**
 * `npm run publish:site -- --stage <stage>`: the adapter around scripts/publish/diff.ts. It builds the web app
 * (web/, Vite), writes its config.json from the stage's stack, lists the content bucket, uploads what changed with
 * its headers, deletes what the site no longer has (keeping the previous publish's hashed assets once more, for pages
 * loaded just before) and, on a deployed stage, invalidates the stale CloudFront paths.
 * It also puts the generated premium samples in the premium bucket. Run with --help for the options.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { DescribeStacksCommand, CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
  type ObjectIdentifier,
} from '@aws-sdk/client-s3';
import { HOST, localPorts, localS3ClientConfig } from './local/ports';
import { loadServiceConfig, param, ROOT, type ServiceConfig } from './local/service-config';
import { localPhysicalName } from './local/common/intrinsics';
import {
  PROTECTED_PREFIXES,
  PUBLISH_MANIFEST_KEY,
  RUNTIME_CONFIG_KEY,
  SitePlanError,
  invalidationPaths,
  isHtml,
  isPublishable,
  planPublish,
  type LocalFile,
  type PublishPlan,
  type RemoteObject,
} from './publish/diff';
import { readReleaseKeys, releaseKeysDir } from './publish/release-keys';
import { sampleMedia } from './publish/sample-media';
import { deployedSiteConfig, localSiteConfig, REQUIRED_OUTPUTS, type SiteParams } from './publish/site-config';
import type { SiteConfig } from '../web/src/config';

const USAGE = `Usage: npm run publish:site -- --stage <stage> [options]
       tsx scripts/publish-site.ts --stage <stage> [options]

Builds the web app (web/ → web/dist, Vite) and uploads it to the stage's content bucket with a config.json made
from the stage's stack (API URL, user pool, app client): only files whose content changed, each with its
Content-Type and Cache-Control. Deletes objects the site no longer has, except under ${PROTECTED_PREFIXES.join(', ')}
(written by other features). On a deployed stage, then invalidates the changed paths on CloudFront.
Also generates the premium samples (${'premium/samples/'}: a JPEG and an MP4) and uploads them to the premium bucket
if they are missing or differ; nothing else in that bucket is touched.

Options:
  --stage <stage>    local: the stack of \`npm start\` (AWS_ENDPOINT_URL_S3, else 127.0.0.1:<s3 port>);
                     any other stage: the buckets, distribution and outputs of stack <service>-<stage>
  --dir <folder>     publish this already built folder instead of building web/
  --region <region>  region of a deployed stage (default: AWS_REGION, else us-east-1)
  --skip-samples     do not generate or upload the premium samples
  --dry-run          print what would change and change nothing
  --force            upload every file, e.g. after a change of the Cache-Control policy
  -h, --help         print this text`;

/** Where \`vite build\` writes the site (web/vite.config.mts). */
const BUILD_DIR = path.join(ROOT, 'web', 'dist');
const SAMPLES_PREFIX = 'premium/samples/';

/** Parallel PUTs: enough to hide per-request latency, few enough to stay clear of throttling and socket limits. */
const UPLOAD_CONCURRENCY = 8;
/** DeleteObjects accepts at most 1,000 keys per request. */
const DELETE_BATCH = 1000;

/** A failure the user can fix (missing stack, bucket or folder); printed as its message alone. */
class PublishError extends Error {
  override readonly name = 'PublishError';
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface Options {
  stage: string;
  /** A prebuilt folder; undefined means: build web/ first. */
  dir?: string;
  region: string;
  samples: boolean;
  dryRun: boolean;
  force: boolean;
}

/** Where the site goes: a bucket, and on a deployed stage the distribution in front of it. */
interface Target {
  description: string;
  bucket: string;
  premiumBucket: string;
  s3: S3Client;
  /** Set for the local S3 only; on AWS the SDK resolves it. */
  endpoint?: string;
  invalidate?: (paths: string[]) => Promise<string>;
  /** The site's runtime settings for this stage (config.json). */
  siteConfig: SiteConfig;
}

/** A file to publish, with its bytes (the site is small; generated files have no path on disk). */
type SourceFile = LocalFile & { body: Buffer };

function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      stage: { type: 'string' },
      dir: { type: 'string' },
      region: { type: 'string' },
      'skip-samples': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  if (values.stage === undefined || values.stage.trim() === '') throw new UsageError('--stage is required');
  return {
    stage: values.stage,
    dir: values.dir === undefined ? undefined : path.resolve(values.dir),
    region: values.region ?? process.env.AWS_REGION ?? 'us-east-1',
    samples: !values['skip-samples'],
    dryRun: values['dry-run'],
    force: values.force,
  };
}

function siteParams(config: ServiceConfig): SiteParams {
  return {
    maxUploadBytes: param(config, 'maxUploadBytes'),
    thumbnailWidths: param(config, 'thumbnailWidths'),
    thumbnailFormats: param(config, 'thumbnailFormats'),
  };
}

/** The local stack's ports as `npm start` passes them down (LOCAL_*_PORT), else those of LOCAL_PORT_OFFSET. */
function localPort(name: 'api' | 'cognito' | 'edge'): number {
  const fromStack = process.env[`LOCAL_${name.toUpperCase()}_PORT`];
  return fromStack === undefined ? localPorts()[name] : Number(fromStack);
}

async function resolveTarget(options: Options): Promise<Target> {
  // The framework's own view of serverless.yml: the service name, and for `local` the bucket naming rule.
  const config = await loadServiceConfig(options.stage);
  // The release keys clients trust; none (no folder) means the site offers no downloads.
  const releaseKeys = await readReleaseKeys(releaseKeysDir(options.stage));
  if (options.stage === 'local') {
    const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? `http://${HOST}:${localPorts().s3}`;
    const bucket = localPhysicalName(config, 'ContentBucket');
    const s3 = new S3Client(localS3ClientConfig(endpoint));
    const stateDir = process.env.LOCAL_STATE_DIR ?? path.join(ROOT, '.local', 'local');
    const siteConfig = localSiteConfig({
      host: HOST,
      ports: { api: localPort('api'), cognito: localPort('cognito'), edge: localPort('edge') },
      userPoolId: String(param(config, 'userPoolId')),
      userPoolClientId: String(param(config, 'userPoolClientId')),
      cognitoLog: path.relative(ROOT, path.join(stateDir, 'logs', 'cognito.log')),
      params: siteParams(config),
      releaseKeys,
    });
    const premiumBucket = localPhysicalName(config, 'PremiumBucket');
    // The local edge caches only behaviours with a template cache policy (scripts/local/edge/cache.ts); the site's
    // behaviours use managed policies and are served uncached, so there is nothing to invalidate.
    return { description: `s3://${bucket} at ${endpoint}`, bucket, premiumBucket, s3, endpoint, siteConfig };
  }

  const stackName = `${config.service}-${options.stage}`;
  const outputs = await stackOutputs(stackName, options.region);
  const bucket = outputs.get('ContentBucketName');
  const distributionId = outputs.get('DistributionId');
  const premiumBucket = outputs.get('PremiumBucketName');
  const needed = ['ContentBucketName', 'DistributionId', 'PremiumBucketName', ...REQUIRED_OUTPUTS];
  if (bucket === undefined || distributionId === undefined || premiumBucket === undefined || needed.some((name) => !outputs.has(name))) {
    const missing = needed.filter((name) => !outputs.has(name));
    throw new PublishError(
      `Stack ${stackName} (${options.region}) lacks the output(s) ${missing.join(', ')}: ` +
        `deploy the current serverless.yml first (npx sls deploy --stage ${options.stage}).`,
    );
  }
  const cloudFront = new CloudFrontClient({ region: options.region });
  return {
    description: `s3://${bucket} (stack ${stackName}, distribution ${distributionId})`,
    bucket,
    premiumBucket,
    siteConfig: deployedSiteConfig({ stage: options.stage, region: options.region, outputs, params: siteParams(config), releaseKeys }),
    s3: new S3Client({ region: options.region }),
    invalidate: async (paths) => {
      const { Invalidation } = await cloudFront.send(
        new CreateInvalidationCommand({
          DistributionId: distributionId,
          InvalidationBatch: {
            CallerReference: `publish-site-${options.stage}-${Date.now()}`,
            Paths: { Quantity: paths.length, Items: paths },
          },
        }),
      );
      return Invalidation?.Id ?? '(no id returned)';
    },
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
      throw new PublishError(`Stack ${stackName} does not exist in ${region}: deploy it first, or pass --region.`);
    }
    if (error instanceof Error && error.name === 'CredentialsProviderError') {
      throw new PublishError(`No AWS credentials to read stack ${stackName} (set AWS_PROFILE): ${error.message}`);
    }
    throw error;
  }
}

function sourceFile(key: string, body: Buffer): SourceFile {
  return { key, body, size: body.length, md5: createHash('md5').update(body).digest('hex') };
}

/** `vite build` of web/ into web/dist, in its own process (Vite is ESM; this script runs as CommonJS). */
async function buildSite(): Promise<string> {
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  try {
    await promisify(execFile)(process.execPath, [vite, 'build', '--config', 'web/vite.config.mts', '--logLevel', 'warn'], {
      cwd: ROOT,
      env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
      timeout: 300_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string };
    throw new PublishError(`vite build of web/ failed:\n${output.stderr ?? ''}${output.stdout ?? ''}`);
  }
  return BUILD_DIR;
}

/** Every file under `dir` with its object key (relative, `/`-separated), MD5 and size. */
async function readSite(dir: string): Promise<Map<string, SourceFile>> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new PublishError(`Site folder ${dir} does not exist or is not a folder.`);

  const files = new Map<string, SourceFile>();
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const file = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        await walk(file);
        continue;
      }
      const key = path.relative(dir, file).split(path.sep).join('/');
      if (!entry.isFile() || !isPublishable(key)) continue;
      files.set(key, sourceFile(key, await readFile(file)));
    }
  };
  await walk(dir);
  if (files.size === 0) {
    // Publishing nothing would delete the whole site.
    throw new PublishError(`Site folder ${dir} has no files; refusing to publish an empty site.`);
  }
  return files;
}

async function listBucket(target: Target, stage: string, bucket = target.bucket, prefix?: string): Promise<RemoteObject[]> {
  const objects: RemoteObject[] = [];
  try {
    for await (const page of paginateListObjectsV2({ client: target.s3 }, { Bucket: bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) objects.push({ key: object.Key, etag: object.ETag, size: object.Size });
      }
    }
  } catch (error) {
    const code = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.name) : undefined;
    // The local stack creates its buckets; publishing does not, so that a typo cannot make a stray one.
    const hint = stage === 'local' ? ' Start the local stack first: npm start' : '';
    if (code === 'ECONNREFUSED') throw new PublishError(`Nothing answers at ${target.endpoint}.${hint}`);
    if (code === 'NoSuchBucket') {
      const where = target.endpoint === undefined ? '' : ` at ${target.endpoint}`;
      throw new PublishError(`Bucket ${bucket} does not exist${where}.${hint}`);
    }
    throw error;
  }
  return objects;
}

// Hand-rolled because it is ten lines and no pool library is a dependency of this project.
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function apply(
  target: Target, plan: PublishPlan, files: Map<string, SourceFile>, bucket = target.bucket,
): Promise<void> {
  // Two phases, so that no page goes live before the assets it references have been uploaded.
  for (const phase of [plan.uploads.filter((u) => !isHtml(u.key)), plan.uploads.filter((u) => isHtml(u.key))]) {
    await forEachLimited(phase, UPLOAD_CONCURRENCY, async (upload) => {
      const source = files.get(upload.key);
      if (source === undefined) throw new Error(`No local file for ${upload.key}`);
      await target.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: upload.key,
          // A Buffer rather than a stream: the SDK can resend it on a retry.
          Body: source.body,
          ContentType: upload.contentType,
          CacheControl: upload.cacheControl,
          // S3 rejects the PUT if the bytes it received do not have this digest.
          ContentMD5: Buffer.from(upload.md5, 'hex').toString('base64'),
        }),
      );
      console.log(`  ${upload.reason.padEnd(8)}${upload.key}  ${formatBytes(upload.size)}  ${upload.cacheControl}`);
    });
  }

  for (let start = 0; start < plan.deletes.length; start += DELETE_BATCH) {
    const batch: ObjectIdentifier[] = plan.deletes.slice(start, start + DELETE_BATCH).map((Key) => ({ Key }));
    const { Errors } = await target.s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }),
    );
    if (Errors !== undefined && Errors.length > 0) {
      const detail = Errors.map((e) => `${e.Key}: ${e.Code} ${e.Message}`).join('; ');
      throw new PublishError(`Could not delete ${Errors.length} object(s): ${detail}`);
    }
    for (const { Key } of batch) console.log(`  deleted ${Key}`);
  }
}

/** The keys of the previous publish, or undefined before the first one (or when the manifest is unreadable). */
async function readManifest(target: Target): Promise<Set<string> | undefined> {
  try {
    const object = await target.s3.send(new GetObjectCommand({ Bucket: target.bucket, Key: PUBLISH_MANIFEST_KEY }));
    const { keys } = JSON.parse((await object.Body?.transformToString()) ?? '{}') as { keys?: unknown };
    return Array.isArray(keys) && keys.every((key) => typeof key === 'string') ? new Set(keys) : undefined;
  } catch (error) {
    if (error instanceof NoSuchKey || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

async function writeManifest(target: Target, keys: Iterable<string>): Promise<void> {
  await target.s3.send(
    new PutObjectCommand({
      Bucket: target.bucket,
      Key: PUBLISH_MANIFEST_KEY,
      Body: `${JSON.stringify({ keys: [...keys].sort() }, null, 2)}\n`,
      ContentType: 'application/json',
      CacheControl: 'no-store',
    }),
  );
}

/**
 * The generated premium samples, uploaded where missing or different. Never a delete: the premium bucket holds the
 * operator's own content, which the site knows nothing about.
 */
async function publishSamples(target: Target, options: Options): Promise<void> {
  const samples = new Map((await sampleMedia()).map((sample) => [sample.key, sourceFile(sample.key, sample.body)]));
  const remote = await listBucket(target, options.stage, target.premiumBucket, SAMPLES_PREFIX);
  const plan = planPublish([...samples.values()], remote, { force: options.force, protectedPrefixes: [] });
  const uploads = { ...plan, deletes: [] };
  if (!options.dryRun) await apply(target, uploads, samples, target.premiumBucket);
  console.log(
    `Premium samples in s3://${target.premiumBucket}/${SAMPLES_PREFIX}: ${plan.uploads.length} uploaded, ` +
      `${plan.unchanged.length} unchanged${options.dryRun ? ' (dry run, nothing changed)' : ''}`,
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function main(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  if (options === 'help') {
    console.log(USAGE);
    return;
  }

  const target = await resolveTarget(options);
  const dir = options.dir ?? (await buildSite());
  const files = await readSite(dir);
  if (files.has(RUNTIME_CONFIG_KEY)) throw new PublishError(`${dir} has a ${RUNTIME_CONFIG_KEY} of its own; publish:site writes it.`);
  files.set(RUNTIME_CONFIG_KEY, sourceFile(RUNTIME_CONFIG_KEY, Buffer.from(`${JSON.stringify(target.siteConfig, null, 2)}\n`)));
  const remote = await listBucket(target, options.stage);
  const plan = planPublish([...files.values()], remote, { force: options.force, previousSite: await readManifest(target) });
  const bytes = plan.uploads.reduce((sum, upload) => sum + upload.size, 0);

  console.log(`${options.dryRun ? 'Dry run: would publish' : 'Publishing'} ${dir} → ${target.description}`);
  if (options.dryRun) {
    for (const upload of plan.uploads) console.log(`  ${upload.reason.padEnd(8)}${upload.key}  ${upload.contentType}`);
    for (const key of plan.deletes) console.log(`  delete  ${key}`);
  } else {
    await apply(target, plan, files);
    await writeManifest(target, files.keys());
  }
  for (const key of plan.retained) console.log(`  kept    ${key}  (the previous publish's; deleted by the next one)`);

  // One stable line; test/integration/publish-site.test.ts reads it.
  console.log(
    `Summary: ${plan.uploads.length} uploaded (${bytes} bytes), ${plan.unchanged.length} unchanged, ` +
      `${plan.deletes.length} deleted, ${plan.retained.length} kept from the previous publish` +
      `${options.dryRun ? ' (dry run, nothing changed)' : ''}`,
  );

  if (options.samples) await publishSamples(target, options);

  const paths = invalidationPaths(plan);
  if (target.invalidate === undefined || paths.length === 0) return;
  if (options.dryRun) {
    console.log(`Would invalidate ${paths.join(' ')}`);
    return;
  }
  const id = await target.invalidate(paths);
  console.log(`CloudFront invalidation ${id} for ${paths.join(' ')} (takes a minute or two to finish)`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // parseArgs throws a TypeError with an ERR_PARSE_ARGS_* code for unknown or malformed options.
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  if (error instanceof UsageError || (error instanceof TypeError && code?.startsWith('ERR_PARSE_ARGS_'))) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  // Errors the user can fix print as their message; anything else keeps its stack for a bug report.
  console.error(error instanceof PublishError || error instanceof SitePlanError ? error.message : error);
  process.exitCode = 1;
});
