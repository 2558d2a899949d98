/**
 * The one shape of every piece of the local stack — an emulator it launches (DynamoDB Local, s3rver, fauxqs, SES,
 * cognito-local, serverless-offline) or a stand-in of its own (the API front, the edge, the stream pollers…). stack.ts
 * lists them in the order they start; they stop in reverse. Adding one: a folder, its ports (ports.ts), an entry.
 */
import path from 'node:path';
import type { LocalPorts } from './ports';
import type { ServiceConfig } from './service-config';
import type { LocalClients } from './common/clients';
import { fileLogger, type Logger } from './common/log';
import { spawnManaged, type ManagedProcess, type SpawnOptions } from './common/processes';

export interface StandIn<T = void> {
  /** Names its log, logs/<name>.log, and a process's pid file, logs/<name>.pid. */
  readonly name: string;
  /** The line `npm start` prints while it starts; none: it starts without one. */
  readonly title?: string;
  /** Its row in `npm start`'s table (rows sorted by rank), showing the URL it runs at. */
  readonly row?: { label: string; rank: number };
  /** What every process and SDK client of the stack gets from it: standard endpoint variables, its ports. */
  env?(ports: LocalPorts): Record<string, string>;
  start(ctx: StackContext): Promise<Running<T>>;
}

/** A started stand-in: where it answers, what later ones may use, and how it stops. */
export type Running<T = void> = {
  url?: string;
  /** Shown after the URL in `npm start`'s table. */
  note?: string;
  stop(): Promise<void>;
} & ([T] extends [void] ? { provides?: undefined } : { provides: T });

/** What a stand-in starts with. */
export interface StackContext {
  readonly host: string;
  readonly ports: LocalPorts;
  /** Emulator state (kept between runs of `npm start`) and the logs. */
  readonly dirs: { state: string; logs: string };
  /** process.env with the stack's environment (localEnv) over it. */
  readonly env: NodeJS.ProcessEnv;
  /** serverless.yml for stage local as the framework resolves it; there once the template stand-in has started. */
  readonly config: ServiceConfig;
  /** SDK clients for the local endpoints, made on first use and destroyed when the stack stops. */
  readonly clients: LocalClients;
  /** This stand-in's log, logs/<name>.log. */
  readonly log: Logger;
  /**
   * A child process of this stand-in, in logs/<name>.log and .pid (state folder and stack environment unless given);
   * stopped if the stand-in fails to start, and watched: its exit while the stack runs is a crash.
   */
  spawn(options: Pick<SpawnOptions, 'command' | 'args'> & Partial<SpawnOptions>): ManagedProcess;
  /** What a stand-in started before this one provides. */
  use<T>(standIn: StandIn<T>): T;
}

/** One entry of the list: a stand-in, or several that start together. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list of stand-ins providing different things
export type Step = StandIn<any> | readonly StandIn<any>[];

export interface Started {
  standIn: StandIn<unknown>;
  running: Running<unknown>;
}

/**
 * Starts the steps in order, the stand-ins of one step together. If one fails, what has started stops (in reverse)
 * once the others of its step have settled, and the error is thrown.
 */
export async function startInOrder(steps: readonly Step[], start: (standIn: StandIn<unknown>) => Promise<Running<unknown>>): Promise<Started[]> {
  const started: Started[] = [];
  for (const step of steps) {
    const group: readonly StandIn<unknown>[] = Array.isArray(step) ? step : [step];
    const results = await Promise.allSettled(group.map(async (standIn) => ({ standIn, running: await start(standIn) })));
    for (const result of results) if (result.status === 'fulfilled') started.push(result.value);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) {
      await stopInReverse(started);
      throw failed.reason;
    }
  }
  return started;
}

/** Stops each started stand-in, the last started first; one that fails to stop does not keep the others running. */
export async function stopInReverse(started: Started[]): Promise<void> {
  for (const { running } of started.splice(0).reverse()) await running.stop().catch(() => undefined);
}

/** What the stand-ins of one stack share. */
export interface StackBase extends Pick<StackContext, 'host' | 'ports' | 'dirs' | 'env' | 'clients'> {
  config: () => ServiceConfig;
  onProgress: (title: string, phase: 'start' | 'done', ms?: number) => void;
  /** Called when a process of a stand-in exits on its own. */
  onCrash: (why: string) => void;
}

/**
 * Starts the stand-ins of one stack, each with a context of its own (its log, its processes) around `base`: prints
 * its progress line, keeps what it provides for use(), and stops its processes if its start fails.
 */
export function stackStarter(base: StackBase): { start: (standIn: StandIn<unknown>) => Promise<Running<unknown>>; use: StackContext['use'] } {
  const provided = new Map<StandIn<unknown>, unknown>();
  const use = <T,>(standIn: StandIn<T>): T => {
    if (!provided.has(standIn)) throw new Error(`${standIn.name} is used before it has started: see the order in stack.ts`);
    return provided.get(standIn) as T;
  };
  const start = async (standIn: StandIn<unknown>) => {
    const { host, ports, dirs, env, clients } = base;
    const own: ManagedProcess[] = [];
    const ctx: StackContext = {
      host, ports, dirs, env, clients, use,
      get config() {
        return base.config();
      },
      log: fileLogger(path.join(dirs.logs, `${standIn.name}.log`)),
      spawn: (options) => {
        const proc = spawnManaged({ name: standIn.name, cwd: dirs.state, env, logDir: dirs.logs, ...options });
        proc.child.once('exit', (code, signal) => base.onCrash(`${proc.name} exited (${signal ?? code}); see ${proc.logFile}`));
        own.push(proc);
        return proc;
      },
    };
    const began = Date.now();
    if (standIn.title) base.onProgress(standIn.title, 'start');
    try {
      const running = await standIn.start(ctx);
      provided.set(standIn, running.provides);
      if (standIn.title) base.onProgress(standIn.title, 'done', Date.now() - began);
      return running;
    } catch (error) {
      await Promise.all(own.map((proc) => proc.stop()));
      throw error;
    }
  };
  return { start, use };
}
