// CloudFormation intrinsic functions, evaluated the way CloudFormation does at deploy time, so the
// local cloud can deploy the synthesized template itself rather than a hand-written copy of it.
import { createHash } from 'node:crypto';

/** Returned by `Ref: AWS::NoValue` (directly or through Fn::If): the property or element disappears. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export interface PseudoParameters {
  accountId: string;
  region: string;
  partition: string;
  urlSuffix: string;
  stackName: string;
  stackId: string;
}

export interface ResolveContext {
  pseudo: PseudoParameters;
  /** Parameter values by name (Defaults already applied). */
  parameters: Record<string, unknown>;
  /** Evaluated conditions by name. */
  conditions: Record<string, boolean>;
  mappings: Record<string, Record<string, Record<string, unknown>>>;
  /** `Ref` of a resource: its physical id (or what CloudFormation returns for its type). */
  ref(logicalId: string): unknown;
  /** `Fn::GetAtt` of a resource. */
  getAtt(logicalId: string, attribute: string): unknown;
}

export class IntrinsicError extends Error {
  override name = 'IntrinsicError';
}

const PSEUDO: Record<string, (p: PseudoParameters) => unknown> = {
  'AWS::AccountId': (p) => p.accountId,
  'AWS::Region': (p) => p.region,
  'AWS::Partition': (p) => p.partition,
  'AWS::URLSuffix': (p) => p.urlSuffix,
  'AWS::StackName': (p) => p.stackName,
  'AWS::StackId': (p) => p.stackId,
  'AWS::NotificationARNs': () => [],
};

export function pseudoParameters(input: { accountId: string; region: string; stackName: string; partition?: string }): PseudoParameters {
  const partition = input.partition ?? 'aws';
  const id = createHash('sha256').update(`${input.accountId}/${input.region}/${input.stackName}`).digest('hex');
  const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
  return {
    accountId: input.accountId,
    region: input.region,
    partition,
    urlSuffix: partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    stackName: input.stackName,
    stackId: `arn:${partition}:cloudformation:${input.region}:${input.accountId}:stack/${input.stackName}/${uuid}`,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The single key of an intrinsic-function object, or undefined for a plain object. */
function intrinsicName(value: Record<string, unknown>): string | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0]!;
  return key === 'Ref' || key === 'Condition' || key.startsWith('Fn::') ? key : undefined;
}

function asString(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new IntrinsicError(`${where} expects a string, got ${JSON.stringify(value)}`);
}

function asList(value: unknown, where: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new IntrinsicError(`${where} expects a list, got ${JSON.stringify(value)}`);
}

function splitGetAtt(arg: unknown): [string, string] {
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    if (dot < 0) throw new IntrinsicError(`Fn::GetAtt "${arg}" needs LogicalId.Attribute`);
    return [arg.slice(0, dot), arg.slice(dot + 1)];
  }
  const list = asList(arg, 'Fn::GetAtt');
  return [asString(list[0], 'Fn::GetAtt logical id'), asString(list[1], 'Fn::GetAtt attribute')];
}

/** `Ref` of a name: pseudo parameter, template parameter, or resource. */
export function resolveRef(name: string, ctx: ResolveContext): unknown {
  if (name === 'AWS::NoValue') return NO_VALUE;
  const pseudo = PSEUDO[name];
  if (pseudo !== undefined) return pseudo(ctx.pseudo);
  if (name.startsWith('AWS::')) throw new IntrinsicError(`Unknown pseudo parameter ${name}`);
  if (Object.prototype.hasOwnProperty.call(ctx.parameters, name)) return ctx.parameters[name];
  return ctx.ref(name);
}

/** Fn::Sub: `${Name}` is a Ref, `${Res.Attr}` a GetAtt, `${!Literal}` stays `${Literal}`. */
function substitute(template: string, variables: Record<string, unknown>, ctx: ResolveContext): string {
  return template.replace(/\$\{([^}]*)\}/g, (_whole, inner: string) => {
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    const name = inner.trim();
    let value: unknown;
    if (Object.prototype.hasOwnProperty.call(variables, name)) value = variables[name];
    else if (name.includes('.') && !name.startsWith('AWS::')) {
      const dot = name.indexOf('.');
      value = ctx.getAtt(name.slice(0, dot), name.slice(dot + 1));
    } else value = resolveRef(name, ctx);
    return asString(value, `Fn::Sub \${${name}}`);
  });
}

export function evaluateCondition(value: unknown, ctx: ResolveContext): boolean {
  const resolved = resolveValue(value, ctx);
  if (typeof resolved === 'boolean') return resolved;
  if (resolved === 'true' || resolved === 'false') return resolved === 'true';
  throw new IntrinsicError(`A condition must evaluate to a boolean, got ${JSON.stringify(resolved)}`);
}

function conditionValue(name: string, ctx: ResolveContext): boolean {
  if (!(name in ctx.conditions)) throw new IntrinsicError(`Unknown condition ${name}`);
  return ctx.conditions[name]!;
}

type Intrinsic = (arg: unknown, ctx: ResolveContext) => unknown;

/** Each intrinsic function, given its (unresolved) argument. */
const INTRINSICS: Record<string, Intrinsic> = {
  Ref: (arg, ctx) => resolveRef(asString(arg, 'Ref'), ctx),
  Condition: (arg, ctx) => conditionValue(asString(arg, 'Condition'), ctx),
  'Fn::GetAtt': (arg, ctx) => {
    const [logicalId, attribute] = splitGetAtt(resolveValue(arg, ctx));
    return ctx.getAtt(logicalId, attribute);
  },
  'Fn::Join': (arg, ctx) => {
    const [delimiter, list] = asList(arg, 'Fn::Join');
    const items = asList(resolveValue(list, ctx), 'Fn::Join values');
    return items.map((item) => asString(item, 'Fn::Join value')).join(asString(delimiter, 'Fn::Join delimiter'));
  },
  'Fn::Sub': (arg, ctx) => {
    if (typeof arg === 'string') return substitute(arg, {}, ctx);
    const [template, variables] = asList(arg, 'Fn::Sub');
    const resolvedVariables = resolveValue(variables ?? {}, ctx);
    if (!isObject(resolvedVariables)) throw new IntrinsicError('Fn::Sub variables must be a map');
    return substitute(asString(template, 'Fn::Sub template'), resolvedVariables, ctx);
  },
  'Fn::Select': (arg, ctx) => {
    const [index, list] = asList(arg, 'Fn::Select');
    const i = Number(resolveValue(index, ctx));
    const items = asList(resolveValue(list, ctx), 'Fn::Select list');
    if (!Number.isInteger(i) || i < 0 || i >= items.length) throw new IntrinsicError(`Fn::Select index ${String(index)} out of range (${items.length} items)`);
    return items[i];
  },
  'Fn::Split': (arg, ctx) => {
    const [delimiter, source] = asList(arg, 'Fn::Split');
    return asString(resolveValue(source, ctx), 'Fn::Split source').split(asString(delimiter, 'Fn::Split delimiter'));
  },
  'Fn::If': (arg, ctx) => {
    const [condition, whenTrue, whenFalse] = asList(arg, 'Fn::If');
    return resolveValue(conditionValue(asString(condition, 'Fn::If condition'), ctx) ? whenTrue : whenFalse, ctx);
  },
  'Fn::Equals': (arg, ctx) => {
    const [a, b] = asList(arg, 'Fn::Equals');
    return JSON.stringify(resolveValue(a, ctx)) === JSON.stringify(resolveValue(b, ctx));
  },
  'Fn::Not': (arg, ctx) => !evaluateCondition(asList(arg, 'Fn::Not')[0], ctx),
  'Fn::And': (arg, ctx) => asList(arg, 'Fn::And').every((item) => evaluateCondition(item, ctx)),
  'Fn::Or': (arg, ctx) => asList(arg, 'Fn::Or').some((item) => evaluateCondition(item, ctx)),
  'Fn::FindInMap': (arg, ctx) => {
    const [map, top, second] = asList(resolveValue(arg, ctx), 'Fn::FindInMap').map((part) => asString(part, 'Fn::FindInMap key'));
    const value = ctx.mappings[map!]?.[top!]?.[second!];
    if (value === undefined) throw new IntrinsicError(`Fn::FindInMap ${map}/${top}/${second} not found`);
    return value;
  },
  'Fn::Base64': (arg, ctx) => Buffer.from(asString(resolveValue(arg, ctx), 'Fn::Base64'), 'utf8').toString('base64'),
  'Fn::GetAZs': (arg, ctx) => {
    const region = asString(resolveValue(arg, ctx), 'Fn::GetAZs') || ctx.pseudo.region;
    return ['a', 'b', 'c'].map((zone) => `${region}${zone}`);
  },
  'Fn::Length': (arg, ctx) => asList(resolveValue(arg, ctx), 'Fn::Length').length,
  'Fn::ToJsonString': (arg, ctx) => JSON.stringify(resolveValue(arg, ctx)),
  'Fn::ImportValue': () => {
    throw new IntrinsicError('Fn::ImportValue is not supported by the local cloud (it deploys a single stack)');
  },
};

function resolveIntrinsic(name: string, arg: unknown, ctx: ResolveContext): unknown {
  const intrinsic = INTRINSICS[name];
  if (intrinsic === undefined) throw new IntrinsicError(`Unsupported intrinsic function ${name}`);
  return intrinsic(arg, ctx);
}

/** Resolves every intrinsic in `value`; AWS::NoValue removes the property or list element. */
export function resolveValue(value: unknown, ctx: ResolveContext): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => resolveValue(item, ctx)).filter((item) => item !== NO_VALUE);
  }
  if (!isObject(value)) return value;
  const name = intrinsicName(value);
  if (name !== undefined) return resolveIntrinsic(name, value[name], ctx);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const resolved = resolveValue(item, ctx);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

/** Evaluates a template's Conditions section (conditions may reference each other). */
export function evaluateConditions(
  conditions: Record<string, unknown> | undefined,
  base: Omit<ResolveContext, 'conditions'>,
): Record<string, boolean> {
  const results: Record<string, boolean> = {};
  const pending = new Set<string>();
  const ctx: ResolveContext = { ...base, conditions: results };
  const visit = (name: string): boolean => {
    if (name in results) return results[name]!;
    if (pending.has(name)) throw new IntrinsicError(`Condition ${name} refers to itself`);
    const definition = conditions?.[name];
    if (definition === undefined) throw new IntrinsicError(`Unknown condition ${name}`);
    pending.add(name);
    for (const dependency of conditionReferences(definition)) visit(dependency);
    results[name] = evaluateCondition(definition, ctx);
    pending.delete(name);
    return results[name]!;
  };
  for (const name of Object.keys(conditions ?? {})) visit(name);
  return results;
}

function conditionReferences(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => conditionReferences(item, into));
  else if (isObject(value)) {
    if (typeof value.Condition === 'string' && Object.keys(value).length === 1) into.add(value.Condition);
    for (const item of Object.values(value)) conditionReferences(item, into);
  }
  return into;
}

/** Logical ids that `value` refers to (Ref, Fn::GetAtt, Fn::Sub), excluding pseudo parameters. */
export function referencedLogicalIds(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    value.forEach((item) => referencedLogicalIds(item, into));
    return into;
  }
  if (!isObject(value)) return into;
  const name = intrinsicName(value);
  if (name === 'Ref' && typeof value.Ref === 'string') {
    if (!value.Ref.startsWith('AWS::')) into.add(value.Ref);
    return into;
  }
  if (name === 'Fn::GetAtt') {
    const arg = value['Fn::GetAtt'];
    if (typeof arg === 'string' || (Array.isArray(arg) && typeof arg[0] === 'string')) into.add(splitGetAtt(arg)[0]);
    else referencedLogicalIds(arg, into);
    return into;
  }
  if (name === 'Fn::Sub') {
    const arg = value['Fn::Sub'];
    const [template, variables] = typeof arg === 'string' ? [arg, {}] : Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : [undefined, {}];
    const local = isObject(variables) ? new Set(Object.keys(variables)) : new Set<string>();
    if (typeof template === 'string') {
      for (const match of template.matchAll(/\$\{([^}!][^}]*)\}/g)) {
        const ref = match[1]!.trim();
        if (local.has(ref) || ref.startsWith('AWS::')) continue;
        into.add(ref.includes('.') ? ref.slice(0, ref.indexOf('.')) : ref);
      }
    }
    referencedLogicalIds(variables, into);
    return into;
  }
  for (const item of Object.values(value)) referencedLogicalIds(item, into);
  return into;
}

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
  Metadata?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/**
 * Orders resources so each comes after everything it refers to or DependsOn (Kahn's algorithm,
 * ties broken by template order so the result is stable). Parameters are not resources.
 */
export function dependencyOrder(resources: Record<string, TemplateResource>, parameters: Iterable<string> = []): string[] {
  const params = new Set(parameters);
  const ids = Object.keys(resources);
  const dependencies = new Map<string, Set<string>>();
  for (const id of ids) {
    const resource = resources[id]!;
    const deps = referencedLogicalIds(resource.Properties ?? {});
    const dependsOn = resource.DependsOn === undefined ? [] : Array.isArray(resource.DependsOn) ? resource.DependsOn : [resource.DependsOn];
    dependsOn.forEach((dep) => deps.add(dep));
    for (const dep of deps) {
      if (params.has(dep)) deps.delete(dep);
      else if (!(dep in resources)) throw new IntrinsicError(`Resource ${id} refers to unknown resource or parameter ${dep}`);
    }
    deps.delete(id);
    dependencies.set(id, deps);
  }
  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < ids.length) {
    const ready = ids.find((id) => !done.has(id) && [...dependencies.get(id)!].every((dep) => done.has(dep)));
    if (ready === undefined) {
      const stuck = ids.filter((id) => !done.has(id));
      throw new IntrinsicError(`Circular dependency between resources: ${stuck.join(', ')}`);
    }
    done.add(ready);
    order.push(ready);
  }
  return order;
}
