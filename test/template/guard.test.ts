/**
 * AWS Control Tower proactive controls (cfn-guard rules shipped in @cdklabs/cdk-validator-cfnguard) against the
 * packaged prod template. The rules of every service whose resource types appear in the template run; each failure
 * is either fixed in resources/*.yml / serverless.yml or waived, with a reason, in guard-waivers.json:
 *   { "rule": "CT.S3.PR.9", "resources": ["ContentBucket"], "reason": "…" }
 * `rule` is the control id (or the rule name / file); without `resources` the waiver covers every resource, and `*`
 * in a resource matches any characters. A waiver that no longer matches a failure fails the run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isObject, ROOT, Template, TEMPLATE_FILE } from './template';

const LIBRARY = path.join(ROOT, 'node_modules', '@cdklabs', 'cdk-validator-cfnguard');
const RULES_DIR = path.join(LIBRARY, 'rules', 'control-tower', 'cfn-guard');
const METADATA_DIR = path.join(LIBRARY, 'rules', 'control-tower', 'metadata');
const WAIVERS_FILE = path.join(__dirname, 'guard-waivers.json');
/** cfn-guard exit codes: 0 all rules pass or skip, 19 some rule failed; anything else is an error (bad input…). */
const EXIT_PASS = 0;
const EXIT_FAIL = 19;

/** One Control Tower control: a .guard file with one primary rule, and what its metadata says it evaluates. */
interface Control {
  service: string;
  file: string;
  id: string;
  ruleName: string;
  evaluatedTypes: string[];
}

interface Failure {
  control: Control;
  /** Logical id of the non-compliant resource, or `(template)` when the rule names none. */
  resource: string;
}

interface Waiver {
  rule: string;
  resources?: string[];
  reason: string;
}

type Status = 'PASS' | 'SKIP' | 'FAIL';

interface GuardReport {
  not_compliant: unknown[];
  compliant: string[];
  not_applicable: string[];
}

/** `AWS::S3::Bucket` → `AWS::S3`. */
const namespaceOf = (type: string): string => type.split('::').slice(0, 2).join('::');

function guardBinary(): string {
  const os = { linux: 'ubuntu', darwin: 'macos' }[process.platform as string];
  const arch = { x64: 'x86_64', arm64: 'aarch64' }[process.arch as string];
  const binary = path.join(LIBRARY, 'bin', os ?? process.platform, arch ?? process.arch, 'cfn-guard');
  if (!existsSync(binary)) throw new Error(`No cfn-guard binary for ${process.platform}/${process.arch} at ${binary}`);
  return binary;
}

function loadControls(): Control[] {
  const controls: Control[] = [];
  for (const service of readdirSync(RULES_DIR).sort()) {
    for (const file of readdirSync(path.join(RULES_DIR, service)).filter((name) => name.endsWith('.guard')).sort()) {
      const source = readFileSync(path.join(RULES_DIR, service, file), 'utf8');
      // The primary rule is declared twice (template and hook) under one name; helpers have no `when`.
      const ruleNames = [...new Set([...source.matchAll(/^rule\s+(\w+)\s+when\b/gm)].map((match) => match[1] ?? ''))];
      if (ruleNames.length !== 1) throw new Error(`${service}/${file}: expected one primary rule, found ${ruleNames.join(', ')}`);
      const metadataFile = path.join(METADATA_DIR, service, file.replace(/\.guard$/, '.metadata.json'));
      const metadata = JSON.parse(readFileSync(metadataFile, 'utf8')) as { Id: string; EvaluatedResourceTypes: string[] };
      controls.push({
        service,
        file: `${service}/${file}`,
        id: metadata.Id,
        ruleName: ruleNames[0] ?? '',
        evaluatedTypes: metadata.EvaluatedResourceTypes,
      });
    }
  }
  return controls;
}

/** The services (rule folders) that evaluate a resource type of one of the template's namespaces. */
function servicesFor(types: string[], controls: Control[]): string[] {
  const namespaces = new Set(types.map(namespaceOf));
  const services = controls
    .filter((control) => control.evaluatedTypes.some((type) => namespaces.has(namespaceOf(type))))
    .map((control) => control.service);
  return [...new Set(services)].sort();
}

function runGuard(dataFile: string, services: string[]): GuardReport[] {
  const args = ['validate', '--data', dataFile, ...services.flatMap((service) => ['--rules', path.join(RULES_DIR, service)])];
  const result = spawnSync(guardBinary(), [...args, '--output-format', 'json', '--structured', '--show-summary', 'none'], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== EXIT_PASS && result.status !== EXIT_FAIL) {
    throw new Error(`cfn-guard exited ${String(result.status ?? result.signal)}:\n${result.stderr}${result.stdout}`);
  }
  return JSON.parse(result.stdout) as GuardReport[];
}

/** Logical ids under every `path` of a cfn-guard result tree (`/Resources/<id>/…`). */
function resourcePaths(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((child) => resourcePaths(child, found));
  else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      const match = key === 'path' && typeof value === 'string' ? /^\/Resources\/([^/]+)/.exec(value) : null;
      if (match?.[1]) found.add(match[1]);
      else resourcePaths(value, found);
    }
  }
  return found;
}

/** Per control: PASS, SKIP or FAIL, and the (control, resource) failures. */
function evaluate(
  reports: GuardReport[],
  controls: Control[],
  template: Template,
): { statuses: Map<Control, Status>; failures: Failure[]; reported: Set<string> } {
  const byRuleName = new Map(controls.map((control) => [control.ruleName, control]));
  const failures: Failure[] = [];
  for (const entry of reports.flatMap((report) => report.not_compliant)) {
    const name = isObject(entry) && isObject(entry.Rule) ? entry.Rule.name : undefined;
    const control = typeof name === 'string' ? byRuleName.get(name) : undefined;
    if (!control) throw new Error(`cfn-guard reported a failure of an unknown rule: ${JSON.stringify(name)}`);
    // Paths of other resources appear where a rule follows a reference; keep the types the control evaluates.
    const resources = [...resourcePaths(entry)].filter((id) =>
      control.evaluatedTypes.includes(template.json.Resources[id]?.Type ?? ''),
    );
    for (const resource of resources.length > 0 ? resources.sort() : ['(template)']) {
      if (!failures.some((known) => known.control === control && known.resource === resource)) failures.push({ control, resource });
    }
  }
  const compliant = new Set(reports.flatMap((report) => report.compliant));
  const reported = new Set([
    ...compliant,
    ...reports.flatMap((report) => report.not_applicable),
    ...failures.map((failure) => failure.control.ruleName),
  ]);
  const statuses = new Map<Control, Status>(
    controls.map((control) => [
      control,
      failures.some((failure) => failure.control === control) ? 'FAIL' : compliant.has(control.ruleName) ? 'PASS' : 'SKIP',
    ]),
  );
  return { statuses, failures, reported };
}

const namesControl = (rule: string, control: Control): boolean =>
  [control.id, control.ruleName, control.file, path.basename(control.file, '.guard')].includes(rule);

/** `*` in a waived resource stands for any characters, so one waiver can cover what the framework generates per function. */
const resourcePattern = (pattern: string): RegExp =>
  new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

const waives = (waiver: Waiver, failure: Failure): boolean =>
  namesControl(waiver.rule, failure.control) &&
  (waiver.resources === undefined || waiver.resources.some((pattern) => resourcePattern(pattern).test(failure.resource)));

const describeFailure = ({ control, resource }: Failure): string => `${control.id} (${control.file}) ${resource}`;

const waivers = JSON.parse(readFileSync(WAIVERS_FILE, 'utf8')) as Waiver[];
const isWaived = (failure: Failure): boolean => waivers.some((waiver) => waives(waiver, failure));
const controls = loadControls();
const template = Template.load();

describe('cfn-guard (Control Tower proactive controls)', () => {
  const services = servicesFor(template.types(), controls);
  const selected = controls.filter((control) => services.includes(control.service));
  let result: ReturnType<typeof evaluate>;

  beforeAll(() => {
    // Act
    result = evaluate(runGuard(TEMPLATE_FILE, services), selected, template);

    const statuses = [...result.statuses.entries()];
    const count = (status: Status): number => statuses.filter(([, value]) => value === status).length;
    const failedControls = new Set(result.failures.filter((failure) => !isWaived(failure)).map((failure) => failure.control));
    const covered = new Set(controls.flatMap((control) => control.evaluatedTypes.map(namespaceOf)));
    const uncovered = [...new Set(template.types().map(namespaceOf))].filter((namespace) => !covered.has(namespace));
    console.log(
      `cfn-guard: ${selected.length} rules run (${services.join(', ')}) — ${count('PASS')} passed, ${count('SKIP')} skipped, ` +
        `${count('FAIL') - failedControls.size} waived, ${failedControls.size} failed` +
        (uncovered.length > 0 ? `; no Control Tower rules for ${uncovered.join(', ')}` : ''),
    );
  });

  it('selects the rules of every service in the template', () => {
    // The services of today's template; new resource types add theirs through servicesFor.
    expect(services).toEqual(
      expect.arrayContaining(['apigateway', 'cloudfront', 'cloudwatch', 'identityandaccessmanagement', 'lambda', 's3']),
    );
  });

  it('has every selected rule evaluated by cfn-guard', () => {
    const unreported = selected.filter((control) => !result.reported.has(control.ruleName));
    expect(unreported.map((control) => control.file)).toEqual([]);
  });

  it('has every failure fixed or waived', () => {
    const unwaived = result.failures.filter((failure) => !isWaived(failure));
    expect(unwaived.map(describeFailure)).toEqual([]);
  });

  it('has no stale waiver: each waiver, and each resource it names, matches a failure', () => {
    const stale = waivers.flatMap((waiver) => {
      const matched = result.failures.filter((failure) => waives(waiver, failure));
      if (matched.length === 0) return [`${waiver.rule}: no failure`];
      return (waiver.resources ?? [])
        .filter((pattern) => !matched.some((failure) => resourcePattern(pattern).test(failure.resource)))
        .map((pattern) => `${waiver.rule}: ${pattern} does not fail`);
    });
    expect(stale).toEqual([]);
  });

  it('has well-formed waivers: a known rule, a one-line reason, no duplicates', () => {
    for (const waiver of waivers) {
      expect(Object.keys(waiver).filter((key) => !['rule', 'resources', 'reason'].includes(key))).toEqual([]);
      expect(selected.some((control) => namesControl(waiver.rule, control))).toBe(true);
      expect(waiver.reason).toMatch(/^[^\n]{20,300}$/);
      if (waiver.resources !== undefined) expect(waiver.resources.length).toBeGreaterThan(0);
    }
    expect(new Set(waivers.map((waiver) => waiver.rule)).size).toBe(waivers.length);
  });
});

describe('cfn-guard result parsing', () => {
  it('attributes a failure to the rule and the resource that fail', () => {
    // Prepare: one bucket without and one with a public access block.
    const canaryFile = path.join(ROOT, '.local', 'template', 'guard-canary.json');
    mkdirSync(path.dirname(canaryFile), { recursive: true });
    const publicAccessBlock = { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true };
    const canary = {
      Resources: {
        OpenBucket: { Type: 'AWS::S3::Bucket', Properties: {} },
        ClosedBucket: { Type: 'AWS::S3::Bucket', Properties: { PublicAccessBlockConfiguration: publicAccessBlock } },
      },
    };
    writeFileSync(canaryFile, JSON.stringify(canary));
    const s3Controls = controls.filter((control) => control.service === 's3');

    // Act
    const { statuses, failures } = evaluate(runGuard(canaryFile, ['s3']), s3Controls, new Template(canary));

    // Assess
    const statusOf = (id: string): Status | undefined =>
      [...statuses.entries()].find(([control]) => control.id === id)?.[1];
    expect(statusOf('CT.S3.PR.1')).toBe('FAIL');
    expect(failures.filter((failure) => failure.control.id === 'CT.S3.PR.1').map((failure) => failure.resource)).toEqual([
      'OpenBucket',
    ]);
    expect(statusOf('CT.S3.PR.12')).toBe('SKIP'); // the template has no access point
  });
});
