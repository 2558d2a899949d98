/**
 * `npm start`: the whole application on this machine, no AWS account. Starts every emulator, creates the tables
 * and buckets from resources/*.yml, serves the HTTP API (serverless-offline) and the site (local edge), publishes
 * the sample site, then prints where everything is. Ctrl-C (or SIGTERM, or the end of npm) stops all of it.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { localPorts } from './ports';
import { ROOT } from './service-config';
import { renderSummary } from './metrics/totals';
import { startLocalStack, type LocalStack } from './stack';

// The SDK's notice that Node 20 will be unsupported by future releases; the functions run on nodejs24.x.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const started = Date.now();
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function progress(step: string, phase: 'start' | 'done', ms?: number): void {
  if (phase === 'start') console.log(`  … ${step}`);
  else console.log(`  ✔ ${step} (${seconds(ms ?? 0)})`);
}

function publishSite(stack: LocalStack): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [require.resolve('tsx/cli'), path.join(ROOT, 'scripts', 'publish-site.ts'), '--stage', 'local'],
      { cwd: ROOT, env: { ...process.env, ...stack.env }, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`publish:site exited with ${code}`))));
  });
}

/** `sls invoke local --stage local` reads .env.local (useDotenv), so a debugged function talks to this stack. */
function writeDotenv(stack: LocalStack): void {
  const lines = Object.entries(stack.env).map(([key, value]) => `${key}=${value}`);
  writeFileSync(
    path.join(ROOT, '.env.local'),
    `# Written by npm start: the local stack's endpoints for \`sls invoke local --stage local\`.\n${lines.join('\n')}\n`,
  );
}

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, url]) => `  ${name.padEnd(width)}  ${url}`).join('\n');
}

async function main(): Promise<void> {
  console.log('Starting the local stack (stage local)…');
  const stack = await startLocalStack({ stateDir: process.env.LOCAL_STATE_DIR, onProgress: progress });
  let stopping = false;
  const shutdown = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${why} — stopping the local stack…`);
    console.log(`\n${renderSummary(stack.metrics())}\n`);
    await stack.stop();
    console.log('Stopped.');
    process.exit(code);
  };
  // `on`, not `once`: a terminal's Ctrl-C reaches this process twice (directly, and relayed by npm); a second signal
  // with no listener would kill it mid-shutdown and leave the emulators running. `npm start` execs this process
  // (package.json), so a signal sent to npm's process alone — an IDE's stop button, `kill <pid>` — is relayed here.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void shutdown(signal, 0));
  }
  // And if npm dies without relaying (SIGKILL), this process is re-parented: stop then too, rather than leave every
  // emulator serving with nobody to stop it.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown('the parent process (npm) exited', 0);
  }, 500).unref();
  void stack.crashed.then((why) => shutdown(why, 1));

  try {
    const publishing = 'Building the site (web/) and publishing it with the premium samples';
    progress(publishing, 'start');
    const t = Date.now();
    await publishSite(stack);
    progress(publishing, 'done', Date.now() - t);
    // Only the default stack (no port offset) speaks for .env.local; a second stack must not redirect it.
    if (stack.ports.api === localPorts(0).api) writeDotenv(stack);
  } catch (error) {
    console.error(error);
    await shutdown('publishing the site failed', 1);
    return;
  }

  console.log(`\nLocal stack ready in ${seconds(Date.now() - started)}\n`);
  console.log(table([...stack.table, ['Logs', path.relative(ROOT, stack.logDir) + '/']]));
  const offset = Number(process.env.LOCAL_PORT_OFFSET ?? 0);
  const env = offset === 0 ? '' : `LOCAL_PORT_OFFSET=${offset} `;
  console.log(`\nOpen the blog at ${stack.urls.edge} — sign up on its Account page; the sign-up code is in ${path.relative(ROOT, stack.logDir)}/cognito.log`);
  console.log(`Make a user premium:  ${env}npm run plan -- --stage local --email <their email> --plan premium`);
  console.log(`Make a user an admin (the Dashboard):  ${env}npm run admins -- --stage local --email <their email>`);
  console.log('Debug a function: npx sls invoke local --stage local -f health');
  console.log('Press Ctrl-C to stop.');
}

main().catch((error: unknown) => {
  console.error(`\nThe local stack did not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
