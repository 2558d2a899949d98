/**
 * cfn-lint, the linter of AWS's own CloudFormation tooling, over the packaged template of every build in
 * TEMPLATE_BUILDS (dev, prod, dev with every optional switch on). It knows each property's schema as the services
 * enforce it (e.g. IAM's character set for a role's Description), so an error here is a deploy that would stop.
 * No error may remain; each warning is fixed in resources/*.yml / serverless.yml or listed in cfn-lint-ignores.json:
 *   { "rule": "W3005", "resources": ["*LambdaFunction"], "message": "'*FunctionRole' dependency …", "reason": "…" }
 * `resources` (logical ids) and `message` are optional; `*` matches any characters. An entry that matches no warning
 * of any build fails the run. Without cfn-lint on the machine the tests fail and say how to install it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isObject, ROOT, TEMPLATE_BUILDS, templateFile } from './template';

const CFN_LINT = process.env.CFN_LINT ?? 'cfn-lint';
const INSTALL = 'pip install cfn-lint';
const IGNORES_FILE = path.join(__dirname, 'cfn-lint-ignores.json');
/** Every stage deploys to the provider's default region (serverless.yml `provider.region`). */
const REGION = 'us-east-1';
/** cfn-lint's exit code is a bit set: 2 errors, 4 warnings, 8 informational found; 1 (alone or with others) a failure to lint. */
const EXIT_LINT_FAILED = 1;

interface Finding {
  file: string;
  rule: string;
  level: 'Error' | 'Warning' | 'Informational';
  message: string;
  /** The logical id when the finding is inside `Resources`. */
  resource?: string;
  line: number;
}

interface Ignore {
  rule: string;
  resources?: string[];
  message?: string;
  reason: string;
}

/** Fails with what to do, never skips: the template tests are part of `npm test` and `.ci/run`. */
function runCfnLint(files: string[]): Finding[] {
  const result = spawnSync(CFN_LINT, ['--regions', REGION, '--format', 'json', '--', ...files], {
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error && 'code' in result.error && result.error.code === 'ENOENT') {
    throw new Error(
      `The template tests need cfn-lint (${CFN_LINT}) and it is not on PATH. Install it with \`${INSTALL}\` ` +
        '(Python 3.9+), or point CFN_LINT at a cfn-lint executable.',
    );
  }
  if (result.error) throw result.error;
  if (result.status === null || (result.status & EXIT_LINT_FAILED) !== 0) {
    throw new Error(`cfn-lint exited ${String(result.status ?? result.signal)}:\n${result.stderr}${result.stdout}`);
  }
  return parseFindings(result.stdout);
}

function parseFindings(stdout: string): Finding[] {
  const raw = JSON.parse(stdout) as unknown;
  if (!Array.isArray(raw)) throw new Error(`cfn-lint printed no JSON list:\n${stdout}`);
  return raw.map((entry: unknown): Finding => {
    const item = isObject(entry) ? entry : {};
    const rule = isObject(item.Rule) ? item.Rule.Id : undefined;
    const location = isObject(item.Location) ? item.Location : {};
    const where = Array.isArray(location.Path) ? location.Path : [];
    const start = isObject(location.Start) ? location.Start.LineNumber : undefined;
    const level = item.Level;
    if (typeof rule !== 'string' || typeof item.Message !== 'string' || typeof item.Filename !== 'string') {
      throw new Error(`cfn-lint printed a finding this test cannot read: ${JSON.stringify(entry)}`);
    }
    if (level !== 'Error' && level !== 'Warning' && level !== 'Informational') {
      throw new Error(`cfn-lint printed an unknown level: ${JSON.stringify(entry)}`);
    }
    return {
      file: path.resolve(ROOT, item.Filename),
      rule,
      level,
      message: item.Message,
      resource: where[0] === 'Resources' && typeof where[1] === 'string' ? where[1] : undefined,
      line: typeof start === 'number' ? start : 0,
    };
  });
}

const pattern = (text: string): RegExp =>
  new RegExp(`^${text.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');

const ignores = (ignore: Ignore, finding: Finding): boolean =>
  finding.level === 'Warning' &&
  ignore.rule === finding.rule &&
  (ignore.resources === undefined ||
    ignore.resources.some((resource) => finding.resource !== undefined && pattern(resource).test(finding.resource))) &&
  (ignore.message === undefined || pattern(ignore.message).test(finding.message));

const describeFinding = ({ rule, resource, message, line }: Finding): string =>
  `${rule} ${resource ?? '(template)'} (line ${line}): ${message}`;

const ignoreList = JSON.parse(readFileSync(IGNORES_FILE, 'utf8')) as Ignore[];
const isIgnored = (finding: Finding): boolean => ignoreList.some((ignore) => ignores(ignore, finding));

describe('cfn-lint (packaged templates)', () => {
  let findings: Finding[] = [];
  const findingsOf = (build: string): Finding[] => findings.filter((finding) => finding.file === templateFile(build));

  beforeAll(() => {
    // Act: one run for every template (cfn-lint's start-up is most of its time).
    findings = runCfnLint(TEMPLATE_BUILDS.map((build) => templateFile(build.name)));

    for (const build of TEMPLATE_BUILDS) {
      const own = findingsOf(build.name);
      const count = (level: Finding['level']): number => own.filter((finding) => finding.level === level).length;
      const ignored = own.filter(isIgnored).length;
      console.log(
        `cfn-lint ${build.name}: ${count('Error')} errors, ${count('Warning')} warnings (${ignored} on the ignore list)`,
      );
    }
  }, 320_000);

  describe.each(TEMPLATE_BUILDS.map((build) => build.name))('%s template', (build) => {
    it('has no error (CloudFormation or the service would refuse it)', () => {
      const errors = findingsOf(build).filter((finding) => finding.level === 'Error');
      expect(errors.map(describeFinding)).toEqual([]);
    });

    it('has every warning fixed or on the ignore list', () => {
      const warnings = findingsOf(build).filter((finding) => finding.level === 'Warning' && !isIgnored(finding));
      expect(warnings.map(describeFinding)).toEqual([]);
    });
  });

  it('has no stale ignore entry: each entry, and each resource it names, matches a warning', () => {
    const stale = ignoreList.flatMap((ignore) => {
      const matched = findings.filter((finding) => ignores(ignore, finding));
      if (matched.length === 0) return [`${ignore.rule}${ignore.message === undefined ? '' : ` ${ignore.message}`}: no warning`];
      return (ignore.resources ?? [])
        .filter((resource) => !matched.some((finding) => finding.resource !== undefined && pattern(resource).test(finding.resource)))
        .map((resource) => `${ignore.rule}: ${resource} has no such warning`);
    });
    expect(stale).toEqual([]);
  });
});

describe('cfn-lint ignore list', () => {
  it('has well-formed entries: a warning rule, a one-line reason, no duplicates', () => {
    for (const ignore of ignoreList) {
      expect(Object.keys(ignore).filter((key) => !['rule', 'resources', 'message', 'reason'].includes(key))).toEqual([]);
      // Errors are never ignored: each one is a deploy that stops.
      expect(ignore.rule).toMatch(/^W\d{4}$/);
      expect(ignore.reason).toMatch(/^[^\n]{20,300}$/);
      if (ignore.resources !== undefined) expect(ignore.resources.length).toBeGreaterThan(0);
    }
    const keys = ignoreList.map(({ rule, resources, message }) => JSON.stringify([rule, resources, message]));
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('cfn-lint result parsing', () => {
  it('reports a role description IAM refuses as an error, and a DependsOn a GetAtt implies as a warning, on their resources', () => {
    // Prepare: the em dash that stopped the first deploy, and the framework's redundant DependsOn.
    const canaryFile = path.join(ROOT, '.local', 'template', 'cfn-lint-canary.json');
    mkdirSync(path.dirname(canaryFile), { recursive: true });
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    };
    const canary = {
      AWSTemplateFormatVersion: '2010-09-09',
      Resources: {
        DashRole: { Type: 'AWS::IAM::Role', Properties: { Description: 'GET /health — logs', AssumeRolePolicyDocument: trust } },
        AsciiRole: { Type: 'AWS::IAM::Role', Properties: { Description: 'GET /health - logs', AssumeRolePolicyDocument: trust } },
        Queue: { Type: 'AWS::SQS::Queue', DependsOn: ['AsciiRole'], Properties: { Tags: [{ Key: 'role', Value: { 'Fn::GetAtt': ['AsciiRole', 'Arn'] } }] } },
      },
    };
    writeFileSync(canaryFile, JSON.stringify(canary, null, 2));

    // Act
    const found = runCfnLint([canaryFile]);

    // Assess
    expect(found.filter((finding) => finding.level === 'Error').map(({ rule, resource }) => [rule, resource])).toEqual([
      ['E3031', 'DashRole'],
    ]);
    const warnings = found.filter((finding) => finding.level === 'Warning');
    expect(warnings.map(({ rule, resource }) => [rule, resource])).toEqual([['W3005', 'Queue']]);
    expect(isIgnored(warnings[0]!)).toBe(false);
  });
});
