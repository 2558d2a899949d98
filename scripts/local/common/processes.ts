/** The emulators' processes: started with their output in a log, stopped with their children, probed until ready. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { mapLines } from './lines';

/** A child process of the local stack, in its own process group so that stopping it stops its children too. */
export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logDir: string;
  /** Each line of its standard output as the log should show it (lines.ts: longer lines pass as they are). */
  stdoutLines?: { map: (line: string) => string; maxLineBytes: number };
}

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

// Last resort if the parent exits without calling stop(): no emulator may outlive `npm start` or a test run.
process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

export function spawnManaged(options: SpawnOptions): ManagedProcess {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const log = createWriteStream(logFile, { flags: 'w' });
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // <name>.pid beside the log: tests that take an emulator down (an SES outage) find it there.
  if (child.pid !== undefined) writeFileSync(path.join(options.logDir, `${options.name}.pid`), String(child.pid));
  const lines = options.stdoutLines;
  const mapped = lines && child.stdout ? child.stdout.pipe(mapLines(lines.map, lines.maxLineBytes)) : undefined;
  (mapped ?? child.stdout)?.pipe(log, { end: false });
  // The mapped output reaches the log a little after the process exits: stop() ends the log only once it has.
  const mappedEnded = new Promise<void>((resolve) => (mapped ? mapped.once('end', resolve).once('error', () => resolve()) : resolve()));
  child.stderr?.pipe(log, { end: false });
  live.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
    child.once('error', () => {
      live.delete(child);
      resolve();
    });
  });

  return {
    name: options.name,
    child,
    logFile,
    async stop() {
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      // The group may still hold grandchildren (e.g. a worker the framework forked): make sure they are gone.
      killGroup(child, 'SIGKILL');
      await Promise.race([mappedEnded, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      log.end();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it resolves true, or fails after `timeoutMs` (also when the process dies first). */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  { timeoutMs = 60_000, process: proc }: { timeoutMs?: number; process?: ManagedProcess } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) {
      throw new Error(`${what}: the process exited (code ${proc.child.exitCode}); see ${proc.logFile}`);
    }
    if (await probe().catch(() => false)) return;
    await sleep(150);
  }
  throw new Error(`${what}: not ready after ${timeoutMs / 1000} s${proc ? `; see ${proc.logFile}` : ''}`);
}

export function portAcceptsConnections(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** node:http, not fetch: fetch refuses ports on the WHATWG "bad ports" list (6000 = API port at offset 3000). */
export function httpOk(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2_000, headers }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** Fails early with a clear message when another process (often a previous `npm start`) holds a port. */
export async function assertPortsFree(host: string, ports: Record<string, number>): Promise<void> {
  const busy: string[] = [];
  for (const [name, port] of Object.entries(ports)) {
    if (await portAcceptsConnections(host, port)) busy.push(`${name} (${port})`);
  }
  if (busy.length > 0) {
    throw new Error(
      `ports already in use: ${busy.join(', ')}. Is another local stack running? Stop it, or set LOCAL_PORT_OFFSET.`,
    );
  }
}
