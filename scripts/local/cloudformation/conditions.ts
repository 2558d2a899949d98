/**
 * Conditions and the values that depend on them, as CloudFormation works them out at deploy time ("Condition
 * functions" and "Conditions syntax", CloudFormation User Guide): a template parameter is its Default (the framework
 * writes the stage params there), Fn::Equals compares the two values as text (a Number parameter's Ref is a string),
 * and Fn::If picks one of two values, `!Ref AWS::NoValue` leaving a property out. What this does not know is refused:
 * a guessed condition would build another stack than the one that deploys.
 */
import { refOf } from '../common/intrinsics';
import type { ServiceConfig } from '../service-config';

/** Parameters and Conditions of the resolved template (serverless.yml's resources). */
interface TemplateParts {
  Parameters?: Record<string, { Default?: unknown }>;
  Conditions?: Record<string, unknown>;
}

const partsOf = (config: ServiceConfig): TemplateParts => config.resources as TemplateParts;

/** A parameter's value (its Default) or a literal, for Fn::Equals. */
function valueOf(config: ServiceConfig, value: unknown, where: string): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  const ref = refOf(value);
  const parameter = ref === undefined ? undefined : partsOf(config).Parameters?.[ref];
  const fallback = parameter?.Default;
  if (typeof fallback === 'string' || typeof fallback === 'number' || typeof fallback === 'boolean') return String(fallback);
  throw new Error(`${where}: cannot work out ${JSON.stringify(value)} locally`);
}

function holds(config: ServiceConfig, expression: unknown, where: string, seen: readonly string[]): boolean {
  const fn = (typeof expression === 'object' && expression !== null ? expression : {}) as Record<string, unknown>;
  const [name, args] = Object.entries(fn)[0] ?? [];
  if (Object.keys(fn).length === 1 && Array.isArray(args)) {
    switch (name) {
      case 'Fn::Equals':
        if (args.length === 2) return valueOf(config, args[0], where) === valueOf(config, args[1], where);
        break;
      case 'Fn::Not':
        if (args.length === 1) return !holds(config, args[0], where, seen);
        break;
      case 'Fn::And':
        return args.every((arg) => holds(config, arg, where, seen));
      case 'Fn::Or':
        return args.some((arg) => holds(config, arg, where, seen));
    }
  }
  if (name === 'Condition' && typeof args === 'string') return conditionHolds(config, args, where, seen);
  throw new Error(`${where}: cannot evaluate the condition ${JSON.stringify(expression)} locally`);
}

/** Whether the named condition of the template holds on the local stage. */
export function conditionHolds(config: ServiceConfig, condition: string, where = condition, seen: readonly string[] = []): boolean {
  const expression = partsOf(config).Conditions?.[condition];
  if (expression === undefined) throw new Error(`${where}: the template has no condition ${condition}`);
  if (seen.includes(condition)) throw new Error(`${where}: condition ${condition} refers to itself`);
  return holds(config, expression, where, [...seen, condition]);
}

/** Marks a property that Fn::If left out (`!Ref AWS::NoValue`). */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/**
 * A property value with its Fn::If worked out (nested ones too) and Refs to template parameters replaced by their
 * value; NO_VALUE where the property is left out. Other intrinsics are returned as they are, for their reader.
 */
export function withConditions(config: ServiceConfig, value: unknown, where: string): unknown {
  if (Array.isArray(value)) return value.map((item) => withConditions(config, item, where)).filter((item) => item !== NO_VALUE);
  if (typeof value !== 'object' || value === null) return value;
  const ref = refOf(value);
  if (ref === 'AWS::NoValue') return NO_VALUE;
  const parameter = ref === undefined ? undefined : partsOf(config).Parameters?.[ref];
  if (parameter) {
    if (parameter.Default === undefined) throw new Error(`${where}: parameter ${ref} has no value locally`);
    return parameter.Default;
  }
  const fnIf = (value as Record<string, unknown>)['Fn::If'];
  if (fnIf !== undefined) {
    if (!Array.isArray(fnIf) || fnIf.length !== 3 || typeof fnIf[0] !== 'string') throw new Error(`${where}: malformed Fn::If ${JSON.stringify(fnIf)}`);
    return withConditions(config, conditionHolds(config, fnIf[0], where) ? fnIf[1] : fnIf[2], where);
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const resolved = withConditions(config, item, where);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}
