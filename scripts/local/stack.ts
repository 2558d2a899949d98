/**
 * The local stack: the stand-ins of stage `local` in the order they start (stand-in.ts); they stop in reverse. The
 * environment every process gets (localEnv) and the table `npm start` prints are made from the same list.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { apiFront } from './api';
import { athena } from './athena';
import { resources } from './cloudformation';
import { template } from './cloudformation/template';
import { cognito } from './cognito';
import { dynamodbLocal } from './dynamodb';
import { edge } from './edge';
import { firehose } from './firehose';
import { kinesis } from './kinesis';
import { offline } from './lambda';
import { messaging } from './messaging';
import { metrics } from './metrics';
import type { MetricsSnapshot } from './metrics/totals';
import { queuePollers } from './queues';
import { topicDeliveries } from './topics';
import { HOST, LOCAL_REGION, LOCAL_S3_CREDENTIALS, localPorts, type LocalPorts } from './ports';
import { s3, s3Events } from './s3';
import { schedules } from './schedules';
import { secretsManager } from './secrets';
import { ROOT, type ServiceConfig } from './service-config';
import { ses } from './ses';
import { LocalClients } from './common/clients';
import { assertPortsFree } from './common/processes';
import { stackStarter, startInOrder, stopInReverse, type StandIn, type Started, type Step } from './stand-in';
import { streamPollers } from './streams';

/** In start order. The first step's emulators read no template: they start while the framework resolves it. */
export const STACK: readonly Step[] = [
  [template, dynamodbLocal, s3, messaging, ses, metrics],
  secretsManager,
  [cognito, kinesis],
  resources,
  athena,
  offline,
  apiFront,
  streamPollers,
  queuePollers,
  topicDeliveries,
  s3Events,
  schedules,
  firehose,
  edge,
];

/** What every emulator, function and SDK client of the stack gets: the standard endpoint variables, no code branches. */
export function localEnv(ports: LocalPorts): Record<string, string> {
  const common = {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    // One set of credentials for every emulator: s3rver checks signatures against exactly these.
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    // The emulators and `sls` run on this machine's Node 20; the functions run on nodejs24.x on AWS.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  };
  const own = STACK.flat().map((standIn: StandIn<unknown>) => standIn.env?.(ports) ?? {});
  return Object.assign(common, ...own) as Record<string, string>;
}

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
  config: ServiceConfig;
  env: Record<string, string>;
  logDir: string;
  /** `npm start`'s table: each label with its URL (and note), by the stand-ins' ranks. */
  table: [string, string][];
  /** The URL of each stand-in that has one, by name. */
  urls: Record<string, string>;
  /** The functions' metric totals since the stack started (metrics/). */
  metrics(): MetricsSnapshot;
  /** Resolves when any emulator process exits on its own (a crash). */
  crashed: Promise<string>;
  stop(): Promise<void>;
}

export async function startLocalStack(options: StackOptions = {}): Promise<LocalStack> {
  const ports = localPorts(options.portOffset);
  const state = options.stateDir ?? path.join(ROOT, '.local', 'local');
  const logs = path.join(state, 'logs');
  if (options.fresh) rmSync(state, { recursive: true, force: true });
  mkdirSync(logs, { recursive: true });
  const env = { ...process.env, ...localEnv(ports) };
  const clients = new LocalClients(env);
  let crash: (why: string) => void = () => undefined;
  const crashed = new Promise<string>((resolve) => (crash = resolve));
  const onProgress = options.onProgress ?? (() => undefined);
  const base = { host: HOST, ports, dirs: { state, logs }, env, clients, onProgress, onCrash: (why: string) => crash(why) };
  const { start, use } = stackStarter({ ...base, config: () => use(template) });

  let started: Started[];
  try {
    await assertPortsFree(HOST, { ...ports });
    started = await startInOrder(STACK, start);
  } catch (error) {
    clients.destroy();
    throw error;
  }
  const shown = started.filter(({ standIn, running }) => standIn.row && running.url);
  shown.sort((a, b) => a.standIn.row!.rank - b.standIn.row!.rank);
  return {
    ports,
    config: use(template),
    env: localEnv(ports),
    logDir: logs,
    table: shown.map(({ standIn, running }) => [standIn.row!.label, [running.url, running.note].filter(Boolean).join('  ')]),
    urls: Object.fromEntries(started.flatMap(({ standIn, running }) => (running.url ? [[standIn.name, running.url]] : []))),
    metrics: () => use(metrics).totals.snapshot(),
    crashed,
    async stop() {
      await stopInReverse(started);
      clients.destroy();
    },
  };
}
