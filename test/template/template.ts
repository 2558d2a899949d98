/**
 * Reads the packaged templates (written by ./global-setup.ts; the prod one unless told otherwise) and answers the
 * questions the template tests ask: resources by type or logical id, outputs, which resources a value references, and
 * every IAM policy statement.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

/** One `sls package` of the template tests: a stage the README documents, with the stage params it overrides. */
export interface TemplateBuild {
  /** Folder under .local/template/, and the name the tests report. */
  name: string;
  stage: string;
  /** `--param=<name>=<value>` overrides. */
  params: string[];
}

/**
 * The stages the README documents: dev and prod as they are, and dev with every optional switch on (premium files as
 * presigned S3 URLs, S3 Transfer Acceleration for uploads, AVIF thumbnails beside WebP, a provisioned analytics stream
 * instead of on-demand, Origin Shield for the releases origin and a shorter lifecycle for replaced pointers, and two
 * alarm params off their defaults, to show the alarms follow them). Not prod with the switches:
 * prod locks premium URLs to the viewer's IP, which S3 delivery cannot do (functions/signed-url/config.ts).
 */
export const TEMPLATE_BUILDS: readonly TemplateBuild[] = [
  { name: 'prod', stage: 'prod', params: [] },
  { name: 'dev', stage: 'dev', params: [] },
  {
    name: 'dev-all-switches',
    stage: 'dev',
    params: [
      'premiumDelivery=s3', 'uploadAcceleration=true', 'thumbnailFormats=webp,avif', 'analyticsShardCount=2',
      'releasesOriginShieldRegion=us-east-1', 'releasesNoncurrentDays=7',
      'functionErrorRatePercent=10', 'alarmDatapointsToAlarm=3', 'tracingMode=PassThrough',
    ],
  },
];

/** `sls package --package` target; our own folder, because `.serverless/` belongs to whoever deploys. */
export const packageDir = (build: string): string => path.join(ROOT, '.local', 'template', build);
export const templateFile = (build: string): string =>
  path.join(packageDir(build), 'cloudformation-template-update-stack.json');
export const PACKAGE_DIR = packageDir('prod');
export const TEMPLATE_FILE = templateFile('prod');

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface CfnResource {
  Type: string;
  Properties?: JsonObject;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface CfnOutput {
  Value: Json;
  Description?: string;
}

export interface CfnParameter {
  Type: string;
  Default?: Json;
  AllowedValues?: Json[];
  Description?: string;
}

export interface CfnTemplate {
  Parameters?: Record<string, CfnParameter>;
  Conditions?: Record<string, Json>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, CfnOutput>;
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: Json;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: Json;
  NotResource?: Json;
  Condition?: Record<string, Record<string, Json>>;
}

/** The inline policy of every function role that lets Lambda and the function's Tracer send traces (serverless.yml provider.tracing). */
export const TRACING_POLICY = 'traces';

/** One statement of an identity policy, with the roles it is attached to and where it is written. */
export interface IamStatement {
  /** `<logical id>` of the role or policy resource, plus `/<PolicyName>` for inline policies. */
  source: string;
  /** Logical ids of the roles the statement applies to. */
  roles: string[];
  statement: PolicyStatement;
}

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const PSEUDO_PARAMETER = /^AWS::/;

/**
 * Logical ids a value points at: `Ref`, `Fn::GetAtt` and the `${Id}` / `${Id.Attr}` names in `Fn::Sub` strings,
 * anywhere inside the value. Pseudo parameters (`AWS::Region`…) are left out.
 */
export function referencedIds(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isObject(node)) return;
    for (const [key, inner] of Object.entries(node)) {
      if (key === 'Ref' && typeof inner === 'string') found.add(inner);
      else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(inner) ? inner[0] : typeof inner === 'string' ? inner.split('.')[0] : undefined;
        if (typeof target === 'string') found.add(target);
      } else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        if (typeof text === 'string') {
          for (const match of text.matchAll(/\$\{([^}!]+)\}/g)) found.add((match[1] ?? '').split('.')[0] ?? '');
        }
        if (Array.isArray(inner)) visit(inner[1]);
      } else visit(inner);
    }
  };
  visit(value);
  return [...found].filter((id) => id !== '' && !PSEUDO_PARAMETER.test(id));
}

/** The `Fn::Sub` string of a value (the first element of the long form), if it is one. */
export function subString(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const sub = value['Fn::Sub'];
  const text = Array.isArray(sub) ? sub[0] : sub;
  return typeof text === 'string' ? text : undefined;
}

/**
 * What an S3 ARN in a policy points at: the bucket's logical id and whether it is the bucket itself or its objects
 * (`…/*`). Understands `Fn::GetAtt [Bucket, Arn]`, `Fn::Sub '${Bucket.Arn}/*'` and the `Fn::Join` forms the framework
 * and the resource files use.
 */
export function s3ArnTarget(value: unknown): { bucket: string; objects: boolean } | undefined {
  if (!isObject(value)) return undefined;
  const [bucket, ...others] = referencedIds(value);
  if (bucket === undefined || others.length > 0) return undefined;
  if ('Fn::GetAtt' in value) return { bucket, objects: false };
  const sub = subString(value);
  if (sub !== undefined) return { bucket, objects: sub.endsWith('/*') };
  const join = value['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) {
    const last = join[1][join[1].length - 1];
    return { bucket, objects: typeof last === 'string' && last.endsWith('/*') };
  }
  return undefined;
}

export class Template {
  constructor(readonly json: CfnTemplate) {}

  static load(file = TEMPLATE_FILE): Template {
    return new Template(JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate);
  }

  /** `[logicalId, resource]` pairs of one type, in template order. */
  resourcesOfType(type: string): Array<[string, CfnResource]> {
    return Object.entries(this.json.Resources).filter(([, resource]) => resource.Type === type);
  }

  /** A resource by logical id; throws (failing the test) when it is missing. */
  resource(logicalId: string): CfnResource {
    const resource = this.json.Resources[logicalId];
    if (!resource) throw new Error(`The template has no resource ${logicalId}`);
    return resource;
  }

  has(logicalId: string): boolean {
    return logicalId in this.json.Resources;
  }

  /** The properties of a resource, checking its type on the way. */
  properties(logicalId: string, type: string): JsonObject {
    const resource = this.resource(logicalId);
    if (resource.Type !== type) throw new Error(`${logicalId} is a ${resource.Type}, not a ${type}`);
    return resource.Properties ?? {};
  }

  /** Every resource type in the template, sorted. */
  types(): string[] {
    return [...new Set(Object.values(this.json.Resources).map((resource) => resource.Type))].sort();
  }

  outputs(): Record<string, CfnOutput> {
    return this.json.Outputs ?? {};
  }

  /** A template parameter by name; throws (failing the test) when it is missing. */
  parameter(name: string): CfnParameter {
    const parameter = this.json.Parameters?.[name];
    if (!parameter) throw new Error(`The template has no parameter ${name}`);
    return parameter;
  }

  /** The environment variables of a function. */
  functionEnvironment(functionLogicalId: string): JsonObject {
    const environment = this.properties(functionLogicalId, 'AWS::Lambda::Function').Environment;
    const variables = isObject(environment) ? environment.Variables : undefined;
    return isObject(variables) ? variables : {};
  }

  /** The statements of a resource-based policy (bucket policy, …) in `PolicyDocument`. */
  policyStatements(logicalId: string, type: string): PolicyStatement[] {
    const document = this.properties(logicalId, type).PolicyDocument;
    return isObject(document) ? (asArray(document.Statement) as unknown as PolicyStatement[]) : [];
  }

  /**
   * Every identity-policy statement in the template: inline `Policies` of roles, and `AWS::IAM::Policy` /
   * `AWS::IAM::ManagedPolicy` resources with the roles they are attached to.
   */
  iamStatements(): IamStatement[] {
    const statements: IamStatement[] = [];
    const add = (source: string, roles: string[], document: Json | undefined): void => {
      if (!isObject(document)) return;
      for (const statement of asArray(document.Statement)) {
        statements.push({ source, roles, statement: statement as unknown as PolicyStatement });
      }
    };
    for (const [id, role] of this.resourcesOfType('AWS::IAM::Role')) {
      for (const policy of asArray(role.Properties?.Policies)) {
        if (!isObject(policy)) continue;
        const name = typeof policy.PolicyName === 'string' ? policy.PolicyName : JSON.stringify(policy.PolicyName);
        add(`${id}/${name}`, [id], policy.PolicyDocument);
      }
    }
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
      for (const [id, policy] of this.resourcesOfType(type)) {
        add(id, referencedIds(policy.Properties?.Roles), policy.Properties?.PolicyDocument);
      }
    }
    return statements;
  }

  /**
   * The identity-policy statements that apply to one role (inline and attached), less the X-Ray rights every function
   * role has for active tracing (the inline policy TRACING_POLICY): tracing.test.ts checks those, exactly, for every
   * role, so a flow's test states what its function does. `{ tracing: true }` includes them.
   */
  roleStatements(roleLogicalId: string, options: { tracing?: boolean } = {}): IamStatement[] {
    this.properties(roleLogicalId, 'AWS::IAM::Role');
    return this.iamStatements().filter(
      (entry) => entry.roles.includes(roleLogicalId) && (options.tracing === true || entry.source !== `${roleLogicalId}/${TRACING_POLICY}`),
    );
  }

  /** The role a function runs with, from its `Role: !GetAtt <Role>.Arn`; undefined for a literal ARN. */
  functionRole(functionLogicalId: string): string | undefined {
    const role = this.properties(functionLogicalId, 'AWS::Lambda::Function').Role;
    return isObject(role) && 'Fn::GetAtt' in role ? referencedIds(role)[0] : undefined;
  }

  /** The log group a function writes to: `LoggingConfig.LogGroup` if set, else `/aws/lambda/<FunctionName>`. */
  functionLogGroup(functionLogicalId: string): [string, CfnResource] | undefined {
    const properties = this.properties(functionLogicalId, 'AWS::Lambda::Function');
    const loggingConfig = properties.LoggingConfig;
    const configured = isObject(loggingConfig) ? loggingConfig.LogGroup : undefined;
    const functionName = properties.FunctionName;
    const name = configured ?? (typeof functionName === 'string' ? `/aws/lambda/${functionName}` : undefined);
    if (name === undefined) return undefined;
    return this.resourcesOfType('AWS::Logs::LogGroup').find(
      ([id, group]) => group.Properties?.LogGroupName === name || referencedIds(name).includes(id),
    );
  }

  /**
   * Each queue of the template that receives failed work, with what sends it there: a redrive policy's
   * deadLetterTargetArn (`dead letters of <id>`, queues and SNS subscriptions alike), or the on-failure destination of
   * an event source mapping or of asynchronous invocations (`on-failure destination of <id>`).
   */
  failureQueues(): Map<string, string[]> {
    const queues = new Map<string, string[]>();
    const add = (value: Json | undefined, from: string): void => {
      const [id] = referencedIds(value);
      if (id !== undefined && this.json.Resources[id]?.Type === 'AWS::SQS::Queue') queues.set(id, [...(queues.get(id) ?? []), from]);
    };
    for (const [id, resource] of Object.entries(this.json.Resources)) {
      const redrive = resource.Properties?.RedrivePolicy;
      if (isObject(redrive)) add(redrive.deadLetterTargetArn, `dead letters of ${id}`);
    }
    for (const type of ['AWS::Lambda::EventSourceMapping', 'AWS::Lambda::EventInvokeConfig']) {
      for (const [id, resource] of this.resourcesOfType(type)) {
        const destination = resource.Properties?.DestinationConfig;
        if (isObject(destination) && isObject(destination.OnFailure)) add(destination.OnFailure.Destination, `on-failure destination of ${id}`);
      }
    }
    return queues;
  }
}
