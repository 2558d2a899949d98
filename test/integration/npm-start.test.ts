import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { HOST, localPorts } from '../../scripts/local/ports';
import { portAcceptsConnections } from '../../scripts/local/common/processes';
import { ROOT } from '../../scripts/local/service-config';

// A second stack beside the one global-setup started, as a developer runs it: `npm start`, use it, Ctrl-C.
const OFFSET = Number(process.env.LOCAL_PORT_OFFSET) + 200;
const ports = localPorts(OFFSET);

function npmStart(): {
  child: ChildProcess;
  output: () => string;
  ready: Promise<void>;
  stopped: Promise<void>;
  exited: Promise<number | null>;
} {
  // `npm start` in its own process group, so that a signal to the group is what a terminal's Ctrl-C sends.
  const child = spawn('npm', ['start'], {
    detached: true,
    cwd: ROOT,
    env: { ...process.env, LOCAL_PORT_OFFSET: String(OFFSET), LOCAL_STATE_DIR: path.join(ROOT, '.local', `test-start-${OFFSET}`) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Press Ctrl-C to stop.')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm start exited early (${code}):\n${output}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // No timer of its own: the test's time limit bounds the wait.
  const stopped = new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (output.includes('\nStopped.')) {
        clearInterval(poll);
        resolve();
      }
    }, 100);
  });
  return { child, output: () => output, ready, stopped, exited };
}

/** `npm run metrics -- --stage local` from another terminal, for this stack. */
function npmRunMetrics(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'metrics', '--', '--stage', 'local'], {
      cwd: ROOT,
      env: { ...process.env, LOCAL_PORT_OFFSET: String(OFFSET) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function listening(): Promise<string[]> {
  const open: string[] = [];
  for (const [name, port] of Object.entries(ports) as [string, number][]) if (await portAcceptsConnections(HOST, port)) open.push(name);
  return open;
}

describe('npm start', () => {
  it.each([
    ['Ctrl-C in a terminal (SIGINT to the process group)', 'SIGINT', 'group'],
    ['SIGTERM to the npm process alone (a process manager, an IDE\'s stop button, kill <pid>)', 'SIGTERM', 'npm'],
    ['SIGINT to the npm process alone', 'SIGINT', 'npm'],
  ] as const)('%s: prints the URL table, serves site and API, then frees every port', async (_how, signal, target) => {
    // Act
    const run = npmStart();
    await run.ready;
    const site = await fetch(`http://${HOST}:${ports.edge}/`);
    const health = await fetch(`http://${HOST}:${ports.api}/health`);
    const metrics = target === 'group' ? await npmRunMetrics() : undefined;
    process.kill(target === 'group' ? -run.child.pid! : run.child.pid!, signal);
    await run.exited; // npm relays the signal and ends; the stack shuts down behind it
    await run.stopped;
    const afterStop = target === 'group' ? await npmRunMetrics() : undefined;

    // Assess
    for (const label of ['Blog site', 'HTTP API', 'S3', 'DynamoDB', 'Cognito', 'SES inbox']) {
      expect(run.output()).toContain(label);
    }
    expect(run.output()).toContain(`http://${HOST}:${ports.edge}/`);
    expect(run.output()).toContain(`LOCAL_PORT_OFFSET=${OFFSET} npm run plan -- --stage local --email <their email> --plan premium`);
    expect(site.status).toBe(200);
    expect(health.status).toBe(200);
    expect(run.output()).toContain(`${signal} — stopping the local stack`);
    // The metric totals, on demand from another terminal and on the way out (their content: unit/local/metrics/).
    expect(run.output()).toMatch(/stopping the local stack…\n\nMetrics of stage local since \d\d:\d\d:\d\d UTC/);
    if (metrics) expect(metrics).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Metrics of stage local since /) as string });
    // GET /health ran the health function: its cold start, an EMF line Powertools printed, is counted under its flow.
    if (metrics) expect(metrics.stdout).toMatch(/\n {2}site — [^\n]*\n {4}ColdStart +\d+ +\(health \d+\)/);
    if (afterStop) expect(afterStop).toMatchObject({ code: 1, stderr: expect.stringMatching(/^The local stack is not running/) as string });
    expect(await listening()).toEqual([]);
  }, 180_000);
});
