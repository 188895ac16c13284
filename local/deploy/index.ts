// Deploys the synthesized CloudFormation template into the local emulators: what runs locally is
// what `cdk deploy` would create, names, ARNs, policies and substitutions included. This module
// only walks the template (order, intrinsics, conditions, outputs, redeploy); each resource type
// is deployed by its service's handler (local/<service>/cloudformation.ts), found in the registry.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assetPath, loadAssembly, type CfnTemplate, type StackAssembly } from './cdk-out.js';
import type { DeployedIdentity, DeployTargets, ResourceContext, ResourceHandler } from './handler.js';
import {
  dependencyOrder,
  evaluateConditions,
  IntrinsicError,
  pseudoParameters,
  resolveValue,
  type ResolveContext,
  type TemplateResource,
} from './intrinsics.js';
import { generatedName, genericIdentity, LOWER_ALPHANUMERIC, stableSuffix, type StackEnvironment } from './naming.js';
import { NO_LOCAL_MEANING, placeholderIdentity } from './no-local-meaning.js';
import { defaultRegistry, type ResourceRegistry } from './registry.js';

export { loadAssembly, assetPath } from './cdk-out.js';
export type { CfnTemplate, StackAssembly } from './cdk-out.js';
export type { AdminCall, DeployedIdentity, DeployTargets, ResourceContext, ResourceHandler } from './handler.js';
export { defaultRegistry, ResourceRegistry } from './registry.js';

export type ResourceStatus = 'created' | 'updated' | 'unchanged' | 'skipped';

export interface DeployedResource {
  logicalId: string;
  type: string;
  physicalId: string;
  ref: string;
  arn?: string;
  attributes: Record<string, unknown>;
  status: ResourceStatus;
  /** Hash of the resolved properties: an unchanged hash on redeploy means nothing to do. */
  hash: string;
  /** The resolved properties, kept for handlers that send them back on the next deployment (custom resources). */
  properties?: Record<string, unknown>;
}

export interface DeployedStack {
  stackName: string;
  stackId: string;
  accountId: string;
  region: string;
  outputs: Record<string, unknown>;
  resources: Record<string, DeployedResource>;
}

export interface DeployOptions {
  targets: DeployTargets;
  accountId: string;
  region: string;
  partition?: string;
  /** Template parameter overrides (Defaults apply otherwise). */
  parameters?: Record<string, string>;
  /** The previous deployment (from persisted state): unchanged resources are not touched. */
  previous?: DeployedStack;
  /** Handlers by resource type; default: every emulated service's. */
  registry?: ResourceRegistry;
  log?: (line: string) => void;
}

/** Deploys the stack of a cloud assembly directory (cdk.out). */
export async function deployAssembly(cdkOut: string, options: DeployOptions & { stackName?: string }): Promise<DeployedStack> {
  return deployStack(loadAssembly(cdkOut, options.stackName), options);
}

/** One deployment in progress. */
interface Walk {
  assembly: StackAssembly;
  targets: DeployTargets;
  registry: ResourceRegistry;
  env: StackEnvironment;
  stackId: string;
  resolve: ResolveContext;
  previous: Record<string, DeployedResource>;
  deployed: Record<string, DeployedResource>;
  shared: Map<string, unknown>;
  afterAll: Array<() => void | Promise<void>>;
  /** Types the local cloud does not run, and types no handler knows: type → count. */
  skipped: Map<string, number>;
  unknown: Map<string, number>;
  log: (line: string) => void;
}

/**
 * Creates, in dependency order, every resource of the template the local cloud can run, and
 * gives the others stable identities so references to them still resolve.
 */
export async function deployStack(assembly: StackAssembly, options: DeployOptions): Promise<DeployedStack> {
  const walk = startWalk(assembly, options);
  const { template } = assembly;
  for (const logicalId of dependencyOrder(template.Resources, Object.keys(template.Parameters ?? {}))) {
    const resource = template.Resources[logicalId]!;
    if (resource.Condition !== undefined && walk.resolve.conditions[resource.Condition] !== true) continue;
    walk.deployed[logicalId] = await deployResource(walk, logicalId, resource);
  }
  for (const step of walk.afterAll) await step();
  const outputs = resolveOutputs(template, walk.resolve);
  logSummary(walk);
  return { stackName: assembly.stackName, stackId: walk.stackId, accountId: options.accountId, region: options.region, outputs, resources: walk.deployed };
}

function startWalk(assembly: StackAssembly, options: DeployOptions): Walk {
  const { accountId, region } = options;
  const pseudo = pseudoParameters({ accountId, region, stackName: assembly.stackName, ...(options.partition ? { partition: options.partition } : {}) });
  const deployed: Record<string, DeployedResource> = {};
  const resolve: ResolveContext = {
    pseudo,
    parameters: resolveParameters(assembly.template, options.parameters),
    conditions: {},
    mappings: assembly.template.Mappings ?? {},
    ref(logicalId) {
      const resource = deployed[logicalId];
      if (resource === undefined) throw new IntrinsicError(`Ref to ${logicalId}, which is not deployed (unknown, or its condition is false)`);
      return resource.ref;
    },
    getAtt(logicalId, attribute) {
      const resource = deployed[logicalId];
      if (resource === undefined) throw new IntrinsicError(`Fn::GetAtt on ${logicalId}, which is not deployed`);
      if (!(attribute in resource.attributes)) throw new IntrinsicError(`${logicalId} (${resource.type}) has no attribute ${attribute} locally`);
      return resource.attributes[attribute];
    },
  };
  resolve.conditions = evaluateConditions(assembly.template.Conditions, resolve);
  return {
    assembly,
    targets: options.targets,
    registry: options.registry ?? defaultRegistry(),
    env: { accountId, region, partition: pseudo.partition, urlSuffix: pseudo.urlSuffix, stackName: assembly.stackName },
    stackId: pseudo.stackId,
    resolve,
    previous: options.previous?.stackName === assembly.stackName ? options.previous.resources : {},
    deployed,
    shared: new Map(),
    afterAll: [],
    skipped: new Map(),
    unknown: new Map(),
    log: options.log ?? (() => undefined),
  };
}

function resolveParameters(template: CfnTemplate, overrides: Record<string, string> = {}): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    const value = overrides[name] ?? parameter.Default;
    if (value === undefined) throw new Error(`Template parameter ${name} has no Default; pass it in parameters`);
    values[name] = typeof value === 'string' && parameter.Type?.startsWith('List<') ? value.split(',') : value;
  }
  return values;
}

/** Resolves, hashes and (unless unchanged since the previous deployment) deploys one resource. */
async function deployResource(walk: Walk, logicalId: string, resource: TemplateResource): Promise<DeployedResource> {
  const type = resource.Type;
  let props: Record<string, unknown>;
  try {
    props = resolveValue(resource.Properties ?? {}, walk.resolve) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`Cannot resolve the properties of ${logicalId} (${type}): ${error instanceof Error ? error.message : String(error)}`);
  }
  const handler = walk.registry.handlerFor(type);
  const assetSource = assetPath(walk.assembly, resource.Metadata, handler?.assetKey?.(props));
  const hash = hashOf({ type, props, asset: assetSource !== undefined ? assetFingerprint(assetSource) : undefined });
  const before = walk.previous[logicalId];
  if (handler?.persistent === true && before?.type === type && before.hash === hash) return { ...before, status: 'unchanged' };
  let identity: DeployedIdentity;
  try {
    const previous = before?.type === type ? before : undefined;
    identity = handler !== undefined ? await handler.deploy(props, contextFor(walk, logicalId, type, assetSource, previous)) : withoutHandler(walk, type, logicalId, props);
  } catch (error) {
    throw new Error(`Deploying ${logicalId} (${type}) failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (identity.skipped === true && handler !== undefined) count(walk.skipped, type);
  const status: ResourceStatus = identity.skipped === true ? 'skipped' : before !== undefined ? 'updated' : 'created';
  const { physicalId, ref, arn, attributes } = identity;
  return { logicalId, type, physicalId, ref, ...(arn !== undefined ? { arn } : {}), attributes, status, hash, ...(handler?.keepsProperties === true ? { properties: props } : {}) };
}

/** A type no handler deploys: a known cloud-only type, or one the local cloud does not know. */
function withoutHandler(walk: Walk, type: string, logicalId: string, props: Record<string, unknown>): DeployedIdentity {
  count(NO_LOCAL_MEANING.has(type) ? walk.skipped : walk.unknown, type);
  return { ...placeholderIdentity(type, logicalId, props, walk.env), skipped: true };
}

function count(counts: Map<string, number>, type: string): void {
  counts.set(type, (counts.get(type) ?? 0) + 1);
}

function contextFor(walk: Walk, logicalId: string, type: string, assetSource: string | undefined, previous: DeployedResource | undefined): ResourceContext {
  const { env } = walk;
  return {
    logicalId,
    type,
    env,
    stackId: walk.stackId,
    ...(previous !== undefined && { previous: { physicalId: previous.physicalId, ...(previous.properties !== undefined && { properties: previous.properties }) } }),
    targets: walk.targets,
    assetSource,
    log: walk.log,
    physicalName: (explicit, maxLength) => (typeof explicit === 'string' ? explicit : generatedName(env.stackName, logicalId, maxLength)),
    stableId: (length, options = {}) =>
      stableSuffix(`${env.stackName}/${logicalId}${options.salt !== undefined ? `/${options.salt}` : ''}`, length, options.lowercase ? LOWER_ALPHANUMERIC : undefined),
    genericIdentity: () => genericIdentity(type, logicalId, generatedName(env.stackName, logicalId), env),
    shared<T>(key: string, create: () => T): T {
      if (!walk.shared.has(key)) walk.shared.set(key, create());
      return walk.shared.get(key) as T;
    },
    afterAll: (step) => void walk.afterAll.push(step),
  };
}

function resolveOutputs(template: CfnTemplate, resolve: ResolveContext): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition !== undefined && resolve.conditions[output.Condition] !== true) continue;
    outputs[name] = resolveValue(output.Value, resolve);
  }
  return outputs;
}

function logSummary(walk: Walk): void {
  const counts = { created: 0, updated: 0, unchanged: 0 };
  for (const resource of Object.values(walk.deployed)) if (resource.status !== 'skipped') counts[resource.status] += 1;
  walk.log(`deployed ${walk.env.stackName}: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged`);
  const list = (types: Map<string, number>) => [...types].map(([type, n]) => `${type} x${n}`).join(', ');
  if (walk.skipped.size > 0) walk.log(`skipped (no local meaning): ${list(walk.skipped)}`);
  if (walk.unknown.size > 0) walk.log(`not emulated (no local handler; references get placeholder values): ${list(walk.unknown)}`);
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/** Size and mtime of an asset (every file of a directory): a rebuilt bundle counts as a change. */
function assetFingerprint(path: string): string {
  if (!existsSync(path)) return 'missing';
  const entries: string[] = [];
  const walk = (current: string): void => {
    const stat = statSync(current);
    if (!stat.isDirectory()) {
      entries.push(`${current}:${stat.size}:${stat.mtimeMs}`);
      return;
    }
    for (const name of readdirSync(current)) walk(join(current, name));
  };
  walk(path);
  return hashOf(entries.sort());
}
