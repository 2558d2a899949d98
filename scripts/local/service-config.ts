/** serverless.yml and its resources/*.yml as the framework resolves them for a stage (`sls print`), and what is read from it. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';

const run = promisify(execFile);

export const ROOT = path.resolve(__dirname, '..', '..');

/** A CloudFormation resource as written in resources/*.yml after the framework resolved its ${...} variables. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
}

/** The parts of the resolved serverless.yml that the local stack reads. */
export interface ServiceConfig {
  service: string;
  provider: { stage: string; environment?: Record<string, unknown> };
  params: Record<string, Record<string, unknown>>;
  functions: Record<string, { handler: string; environment?: Record<string, unknown>; events?: unknown[] }>;
  resources: { Resources: Record<string, CfnResource>; Outputs?: Record<string, unknown> };
}

/**
 * Resolves serverless.yml (and every resources/*.yml it includes) for a stage with the framework itself, so the
 * local stack is built from exactly the definitions that deploy. `sls print` needs no network or credentials.
 */
/** A stage names the stack (`<service>-<stage>`): letters, digits and hyphens, as CloudFormation stack names allow. */
export const isStageName = (stage: string): boolean => /^[A-Za-z][A-Za-z0-9-]{0,63}$/.test(stage);

export async function loadServiceConfig(stage: string, env: NodeJS.ProcessEnv = {}): Promise<ServiceConfig> {
  if (!isStageName(stage)) throw new Error(`not a stage name: ${JSON.stringify(stage)} (letters, digits and hyphens)`);
  const sls = path.join(ROOT, 'node_modules', '.bin', 'sls');
  const { stdout } = await run(sls, ['print', '--stage', stage, '--format', 'json'], {
    cwd: ROOT,
    timeout: 120_000,
    maxBuffer: 32 * 1024 * 1024,
    // `env`: the local stack's ports, which serverless.yml reads for the `local` stage (e.g. the token issuer URL).
    env: { ...process.env, ...env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
  });
  const config = JSON.parse(stdout) as ServiceConfig;
  config.resources ??= { Resources: {} };
  return config;
}

/** The value of a stage parameter as the framework resolves it (stage section over `default`). */
export function param(config: ServiceConfig, name: string): unknown {
  const stage = config.provider.stage;
  return config.params[stage]?.[name] ?? config.params.default?.[name];
}

export function resourcesOfType(config: ServiceConfig, type: string): [string, CfnResource][] {
  return Object.entries(config.resources.Resources).filter(([, r]) => r.Type === type);
}
