/**
 * Cold start: the prod bundles as `sls package --stage prod` zips them, each unzipped and its handler module loaded in
 * fresh Node processes (what Lambda's init phase does before the first invocation), rounds interleaved so machine
 * noise hits all functions alike. Reported: bundle bytes and the median load time as a ratio to `health`'s, the
 * smallest bundle, measured in the same run. Targets (issue #11): every bundle but thumbnails' ≤ 300 KB minified and
 * its load ≤ 5× health's; thumbnails (with sharp) reported beside them.
 *
 * COLDSTART_PACKAGE_DIR=<dir> measures the zips of an earlier `sls package --package <dir>` instead of packaging.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import type { BenchTable } from './run';

const ROOT = path.resolve(__dirname, '..');
const ROUNDS = Number(process.env.COLDSTART_ROUNDS ?? 15);
const MAX_BUNDLE_BYTES = 300 * 1024;
const MAX_LOAD_RATIO = 5;
const BASELINE = 'health';

interface FunctionState {
  handler: string;
  environment?: Record<string, unknown>;
}
interface PackagedState {
  service: { provider: { environment?: Record<string, unknown> }; functions: Record<string, FunctionState> };
}

interface Bundle {
  name: string;
  dir: string;
  modulePath: string;
  env: NodeJS.ProcessEnv;
  jsBytes: number;
  mapBytes: number;
  zipBytes: number;
  native: string | undefined;
}

function packageProd(): string {
  const dir = path.join(ROOT, '.local', 'bench', 'coldstart');
  rmSync(dir, { recursive: true, force: true });
  const sls = require.resolve('osls/bin/serverless.js');
  const env = {
    ...process.env,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  console.log(`packaging the prod stage into ${path.relative(ROOT, dir)} …`);
  const result = spawnSync(process.execPath, [sls, 'package', '--stage', 'prod', '--package', path.relative(ROOT, dir)], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (result.status !== 0) throw new Error(`sls package failed (${String(result.status)}):\n${result.stdout}${result.stderr}`);
  return dir;
}

/**
 * A deployed function's environment with CloudFormation values (Ref, Fn::Sub, …) replaced by plain stand-ins of the
 * same shape: config modules read and check their variables at load time, and no value is looked up.
 */
function standIn(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value !== null && typeof value === 'object') {
    const sub = (value as Record<string, unknown>)['Fn::Sub'];
    const template: unknown = Array.isArray(sub) ? (sub as unknown[])[0] : sub;
    if (typeof template === 'string') return template.replace(/\$\{[^}]+\}/g, 'bench');
    if (typeof (value as Record<string, unknown>).Ref === 'string') return `bench-${String((value as { Ref: string }).Ref)}`;
  }
  return 'bench';
}

const hostPlatform = `${process.platform}-${process.arch}`;

async function unpack(name: string, fn: FunctionState, state: PackagedState, packageDir: string): Promise<Bundle> {
  const zipPath = path.join(packageDir, `${name}.zip`);
  const zip = await JSZip.loadAsync(readFileSync(zipPath));
  const dir = mkdtempSync(path.join(tmpdir(), `coldstart-${name}-`));
  for (const entry of Object.values(zip.files)) {
    const target = path.join(dir, entry.name);
    if (entry.dir) continue;
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, await entry.async('nodebuffer'));
  }
  const modulePath = path.join(dir, `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.js`);
  // A bundle packaged for Lambda's arm64 cannot load its sharp on another machine: the host's build of the same
  // version stands in (the JS loaded is the packaged one; only the native addon differs).
  const natives = Object.keys(zip.files)
    .map((file) => /^node_modules\/@img\/sharp-([a-z0-9]+-[a-z0-9]+)\//.exec(file)?.[1])
    .filter((platform): platform is string => platform !== undefined);
  const native = natives[0];
  if (native !== undefined && native !== hostPlatform) {
    for (const pkg of [`sharp-${hostPlatform}`, `sharp-libvips-${hostPlatform}`]) {
      cpSync(path.join(ROOT, 'node_modules', '@img', pkg), path.join(dir, 'node_modules', '@img', pkg), { recursive: true });
    }
  }
  const variables = { ...state.service.provider.environment, ...fn.environment };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SESSION_TOKEN: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: `serverless-blog-prod-${name}`,
    // The SDK's warning about this machine's Node 20 (Lambda runs nodejs24.x, where it prints none).
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, standIn(value)])),
  };
  const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);
  return {
    name,
    dir,
    modulePath,
    env,
    jsBytes: size(modulePath),
    mapBytes: size(`${modulePath}.map`),
    zipBytes: size(zipPath),
    native,
  };
}

/** One fresh process: ms from `require` of the handler module to its return, with a handler exported. */
const LOAD = `
const { performance } = require('node:perf_hooks');
const started = performance.now();
const mod = require(process.argv[1]);
const ms = performance.now() - started;
if (typeof mod.handler !== 'function') throw new Error('no handler exported');
process.stdout.write(String(ms));
`;

function loadOnce(bundle: Bundle): number {
  const out = execFileSync(process.execPath, ['-e', LOAD, bundle.modulePath], {
    cwd: bundle.dir,
    env: bundle.env,
    encoding: 'utf8',
  });
  return Number(out);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

/** The coldstart section of `npm run bench` (bench/run.ts). */
export async function coldstartBench(): Promise<BenchTable> {
  const packageDir = process.env.COLDSTART_PACKAGE_DIR
    ? path.resolve(process.env.COLDSTART_PACKAGE_DIR)
    : packageProd();
  const state = JSON.parse(readFileSync(path.join(packageDir, 'serverless-state.json'), 'utf8')) as PackagedState;
  const bundles: Bundle[] = [];
  try {
    for (const [name, fn] of Object.entries(state.service.functions)) bundles.push(await unpack(name, fn, state, packageDir));
    if (!bundles.some((bundle) => bundle.name === BASELINE)) throw new Error(`no ${BASELINE} bundle in ${packageDir}`);
    const samples = new Map<string, number[]>(bundles.map((bundle) => [bundle.name, []]));
    for (const bundle of bundles) loadOnce(bundle); // warm-up: the file system cache, not the measure
    for (let round = 0; round < ROUNDS; round++) {
      // A different function goes first each round, so no function always follows the same neighbour.
      for (let i = 0; i < bundles.length; i++) {
        const bundle = bundles[(i + round) % bundles.length];
        if (bundle) samples.get(bundle.name)?.push(loadOnce(bundle));
      }
    }
    const medians = new Map(bundles.map((bundle) => [bundle.name, median(samples.get(bundle.name) ?? [])]));
    const base = medians.get(BASELINE) ?? Number.NaN;
    const rows = bundles.map((bundle) => {
      const ms = medians.get(bundle.name) ?? Number.NaN;
      const ratio = ms / base;
      const verdict =
        bundle.native !== undefined
          ? `with sharp (${bundle.native}${bundle.native === hostPlatform ? '' : `; ${hostPlatform} build loaded here`})`
          : [
              bundle.jsBytes <= MAX_BUNDLE_BYTES ? 'size ok' : 'size OVER 300 KB',
              ratio <= MAX_LOAD_RATIO ? 'load ok' : `load OVER ${MAX_LOAD_RATIO}×`,
            ].join(', ');
      return [bundle.name, kb(bundle.jsBytes), kb(bundle.mapBytes), kb(bundle.zipBytes), ms.toFixed(1), `${ratio.toFixed(2)}×`, verdict];
    });
    return {
      title: 'Cold start — prod bundles loaded in fresh Node processes, median ms to require the handler module',
      headers: ['function', 'handler.js', '.js.map', 'zip', 'load ms', `× ${BASELINE}`, 'targets: ≤ 300 KB, ≤ 5×'],
      rows,
      notes: [
        `${ROUNDS} interleaved rounds after one warm-up; the function's deployed environment, NODE_OPTIONS included.`,
        `Bundles from ${packageDir.startsWith(ROOT) ? path.relative(ROOT, packageDir) : packageDir}; ratios are what to compare across machines.`,
      ],
    };
  } finally {
    for (const bundle of bundles) rmSync(bundle.dir, { recursive: true, force: true });
  }
}
