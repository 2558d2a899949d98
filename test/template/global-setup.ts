/**
 * Builds each template of TEMPLATE_BUILDS once per test run, e.g. `sls package --stage prod --package
 * .local/template/prod`. Offline and without AWS credentials; the template tests then read the JSON it writes.
 * One at a time: the packagings of one stage build in the same esbuild work folder (`.esbuild/package/<stage>`) and
 * remove it when done, so two at once would zip each other's half-built bundles.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { packageDir, ROOT, TEMPLATE_BUILDS, type TemplateBuild } from './template';

/**
 * Per build. One took 80-110 s on this shared 2-core machine (esbuild ~40 s, npm for the external `sharp` ~25 s, zips
 * ~20 s).
 */
const TIME_LIMIT_MS = Number(process.env.TEMPLATE_PACKAGE_TIMEOUT_MS ?? 240_000);

function packageEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    // Dummy keys: packaging needs none, and with none the SDK would probe the instance metadata endpoint.
    AWS_ACCESS_KEY_ID: 'template-test',
    AWS_SECRET_ACCESS_KEY: 'template-test',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  for (const name of ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE']) delete env[name];
  return env;
}

/** Runs sls in its own process group, so the time limit also ends the npm it may start. */
function runPackage(build: TemplateBuild): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  const sls = require.resolve('osls/bin/serverless.js');
  const args = [
    sls,
    'package',
    '--stage',
    build.stage,
    ...build.params.map((param) => `--param=${param}`),
    '--package',
    path.relative(ROOT, packageDir(build.name)),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: packageEnv(), detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // osls sometimes prints a startup error and never exits: end the group we started (negative pid).
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, TIME_LIMIT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

async function packageBuild(build: TemplateBuild): Promise<void> {
  const started = Date.now();
  const { code, output, timedOut } = await runPackage(build);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const what = `sls package of the ${build.name} template`;
  if (timedOut) throw new Error(`${what} did not finish within ${TIME_LIMIT_MS / 1000} s; its output:\n${output}`);
  if (code !== 0) throw new Error(`${what} failed (exit ${String(code)}) after ${seconds} s; its output:\n${output}`);
  console.log(`\n${build.name} template packaged in ${seconds} s (${path.relative(ROOT, packageDir(build.name))})`);
}

export default async function globalSetup(): Promise<void> {
  // A failed build must not leave the previous run's templates for the tests to read.
  for (const build of TEMPLATE_BUILDS) rmSync(packageDir(build.name), { recursive: true, force: true });
  for (const build of TEMPLATE_BUILDS) await packageBuild(build);
}
