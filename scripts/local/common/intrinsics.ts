/**
 * The resolved template as CloudFormation reads it, in one place so that every stand-in reads it alike: the intrinsic
 * functions the local stack meets — Ref, Fn::GetAtt (both forms), Fn::Sub, Fn::Join ("Intrinsic function reference",
 * AWS CloudFormation User Guide) — and the names the framework and the `local` stage give functions and resources.
 * What cannot be worked out locally is refused with an error: a guessed name would wire the stack to nothing.
 */
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../ports';
import type { CfnResource, ServiceConfig } from '../service-config';

/** `{ "Ref": "Id" }` → `Id`. */
export function refOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const ref = (value as { Ref?: unknown }).Ref;
  return typeof ref === 'string' ? ref : undefined;
}

export interface AttributeRef {
  logicalId: string;
  attribute: string;
}

/**
 * `{ "Fn::GetAtt": ["Id", "Attr"] }`, or the short form `{ "Fn::GetAtt": "Id.Attr" }` that YAML's `!GetAtt Id.Attr`
 * becomes. The logical id ends at the first dot: an attribute may hold dots itself (`Endpoint.Address`).
 */
export function getAttOf(value: unknown): AttributeRef | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const getAtt = (value as Record<string, unknown>)['Fn::GetAtt'];
  const dot = typeof getAtt === 'string' ? getAtt.indexOf('.') : -1;
  const [logicalId, attribute]: unknown[] =
    typeof getAtt === 'string' ? (dot < 0 ? [] : [getAtt.slice(0, dot), getAtt.slice(dot + 1)]) : Array.isArray(getAtt) ? (getAtt as unknown[]) : [];
  if (typeof logicalId !== 'string' || logicalId === '' || typeof attribute !== 'string' || attribute === '') return undefined;
  return { logicalId, attribute };
}

/** A resource's value here: `attribute` undefined for what `Ref` returns. Undefined when the stack does not know it. */
export type Lookup = (logicalId: string, attribute?: string) => string | undefined;

/** Pseudo parameters ("Pseudo parameters reference") with one value on the local stack. */
const PSEUDO: Record<string, string> = {
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT_ID,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** A template value as a string: literals as they are, Ref / GetAtt through `lookup`, Sub and Join worked out. */
export function resolve(value: unknown, lookup: Lookup): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const named = (logicalId: string, attribute?: string): string => {
    const found = lookup(logicalId, attribute) ?? (attribute === undefined ? PSEUDO[logicalId] : undefined);
    if (found !== undefined) return found;
    throw new Error(`cannot resolve ${JSON.stringify(value)} locally: ${attribute === undefined ? logicalId : `${logicalId}.${attribute}`} is unknown here`);
  };
  const ref = refOf(value);
  if (ref !== undefined) return named(ref);
  const attribute = getAttOf(value);
  if (attribute) return named(attribute.logicalId, attribute.attribute);
  const fn = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const join = fn['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    return (join[1] as unknown[]).map((item) => resolve(item, lookup)).join(join[0]);
  }
  const sub = fn['Fn::Sub'];
  const [text, variables = {}] = (typeof sub === 'string' ? [sub] : Array.isArray(sub) ? sub : []) as unknown[];
  if (typeof text === 'string' && typeof variables === 'object' && variables !== null) {
    return text.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`; // `${!Literal}` is written out as `${Literal}`
      if (Object.hasOwn(variables, name)) return resolve((variables as Record<string, unknown>)[name], lookup);
      const dot = name.indexOf('.');
      return dot < 0 ? named(name) : named(name.slice(0, dot), name.slice(dot + 1));
    });
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)} locally`);
}

// ---------------------------------------------------------------------------------------------------------------
// Names

/**
 * The framework's logical id of a function: `upload-url` → `UploadDashurlLambdaFunction` (osls
 * lib/plugins/aws/lib/naming.js: `-` → `Dash`, `_` → `Underscore`, then the first letter upper case).
 */
export function functionLogicalId(functionKey: string): string {
  const normalized = functionKey.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}

/** A function's name, which serverless-offline's Lambda API answers to: its `name`, else `<service>-<stage>-<key>`. */
export function functionName(config: ServiceConfig, functionKey: string): string {
  const declared = (config.functions[functionKey] as { name?: unknown } | undefined)?.name;
  return typeof declared === 'string' ? declared : `${config.service}-${config.provider.stage}-${functionKey}`;
}

/** The ARN of the function of that name on the local stack. */
export const lambdaArn = (name: string): string => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${name}`;

/** The key in serverless.yml of the function that `!GetAtt <Function>LambdaFunction.Arn` names, if it is one. */
export function functionKeyOf(config: ServiceConfig, value: unknown): string | undefined {
  const target = getAttOf(value);
  if (target?.attribute !== 'Arn') return undefined;
  return Object.keys(config.functions).find((key) => functionLogicalId(key) === target.logicalId);
}

/**
 * The queue (logical id) of an on-failure destination in serverless.yml — a function's or a stream event's
 * `destinations.onFailure`, as `{ type: sqs, arn: !GetAtt <Queue>.Arn }` or the bare GetAtt; undefined without one.
 * Any other destination (SNS, EventBridge, a function, an ARN outside the stack) has nothing to go to locally.
 */
export function onFailureQueueOf(onFailure: unknown, where: string): string | undefined {
  if (onFailure === undefined) return undefined;
  const { type, arn } =
    typeof onFailure === 'object' && onFailure !== null && 'arn' in onFailure
      ? (onFailure as { type?: unknown; arn: unknown })
      : { type: undefined, arn: onFailure };
  const target = getAttOf(arn);
  if ((type === undefined || type === 'sqs') && target?.attribute === 'Arn') return target.logicalId;
  throw new Error(`${where}: only an sqs on-failure destination of this stack (!GetAtt <Queue>.Arn) runs locally`);
}

/**
 * The name a resource gets on the local stack when its definition leaves the name to CloudFormation:
 * `<service>-<stage>-<kebab-case logical id>`, e.g. ContentBucket → serverless-blog-local-content-bucket.
 * serverless.yml's `local` params use the same rule.
 */
export function localPhysicalName(config: ServiceConfig, logicalId: string): string {
  const kebab = logicalId.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  return `${config.service}-${config.provider.stage}-${kebab}`;
}

/** The name a resource has locally: its literal name from the template (`prop`), else the local naming rule. */
export function physicalName(config: ServiceConfig, logicalId: string, resource: CfnResource, prop: string): string {
  const declared = resource.Properties?.[prop];
  return typeof declared === 'string' ? declared : localPhysicalName(config, logicalId);
}

/**
 * The ARN a queue or topic has on the local stack (fauxqs puts the account and the region in it); the `local` params
 * of serverless.yml spell it out the same way, e.g. `arn:aws:sns:us-east-1:000000000000:<name>`.
 */
export function localArn(service: 'sqs' | 'sns', name: string): string {
  return `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${name}`;
}
