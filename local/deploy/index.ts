// Deploys the synthesized CloudFormation template into the local emulators: what runs locally is
// what `cdk deploy` would create, names, ARNs, policies and substitutions included.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RestApiDefinition, RestApiRoute } from '../apigateway/routes.js';
import { AwsServiceError, type AwsResponse, type PolicyDocument, type ServiceName } from '../core/types.js';
import type { FunctionInput } from '../lambda/index.js';
import { assetPath, loadAssembly, type CfnTemplate, type StackAssembly } from './cdk-out.js';
import {
  dependencyOrder,
  evaluateConditions,
  IntrinsicError,
  pseudoParameters,
  resolveValue,
  type PseudoParameters,
  type ResolveContext,
} from './intrinsics.js';
import { identityOf, type ResourceIdentity } from './resources.js';

export { loadAssembly, assetPath } from './cdk-out.js';
export type { CfnTemplate, StackAssembly } from './cdk-out.js';

/** The emulator operations the deployer needs (structural, so tests can pass fakes). */
export interface DeployTargets {
  iam: {
    createRole(
      accountId: string,
      input: { roleName: string; path?: string; assumeRolePolicyDocument: PolicyDocument; description?: string; tags?: Array<{ Key: string; Value: string }> },
    ): { arn: string };
    putRolePolicy(accountId: string, roleName: string, policyName: string, document: PolicyDocument): void;
    attachRolePolicy(accountId: string, roleName: string, policyArn: string): void;
    sessionForService(roleArn: string, servicePrincipal: string): { accessKeyId: string; secretAccessKey: string; sessionToken: string };
    /** Used on redeploy when the role already exists. */
    updateAssumeRolePolicy?(accountId: string, roleName: string, document: PolicyDocument): void;
    createPolicy?(accountId: string, input: { policyName: string; path?: string; document: PolicyDocument; description?: string }): { arn: string };
  };
  dynamodb: { createTable(tableName: string, props: never): Promise<{ arn: string }> };
  events: {
    createEventBus(name: string): { arn: string };
    putRule(input: {
      name: string;
      eventBusName?: string;
      eventPattern: unknown;
      state?: 'ENABLED' | 'DISABLED';
      description?: string;
      targets: Array<{ id: string; arn: string; roleArn?: string; input?: string }>;
    }): { arn: string };
  };
  lambda: { createFunction(input: FunctionInput): { arn: string } | Promise<{ arn: string }> };
  sfn: { createStateMachine(input: { name: string; definition: string; roleArn: string }): { arn: string } | Promise<{ arn: string }> };
  /** Receives each REST API's route table once all its methods are known. */
  apigateway?: { registerApi(api: RestApiDefinition): void };
  /** An admin call into a service, for operations outside the direct API (updates on redeploy). */
  call?: (service: ServiceName, action: string, params: Record<string, unknown>) => Promise<AwsResponse>;
}

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
}

export interface DeployedStack {
  stackName: string;
  stackId: string;
  accountId: string;
  region: string;
  outputs: Record<string, unknown>;
  resources: Record<string, DeployedResource>;
  apis: RestApiDefinition[];
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
  log?: (line: string) => void;
}

/** Types that only matter in the cloud (logging, permissions the local cloud does not model, CDK bookkeeping). */
const NO_LOCAL_MEANING = 'no local meaning';

/** Types whose state survives a restart in the emulators' snapshots (so an unchanged one is skipped). */
const PERSISTENT_TYPES = new Set([
  'AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::DynamoDB::Table', 'AWS::Events::EventBus',
  'AWS::Events::Rule', 'AWS::StepFunctions::StateMachine',
]);

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

function isAlreadyExists(error: unknown): boolean {
  const name = error instanceof Error ? `${error.name} ${(error as { code?: string }).code ?? ''}` : '';
  return /AlreadyExists|EntityAlreadyExists|ResourceInUse|Conflict/.test(name);
}

function str(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new Error(`${what} must be a string, got ${JSON.stringify(value)}`);
}

function asPolicy(value: unknown, what: string): PolicyDocument {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (parsed === null || typeof parsed !== 'object' || !('Statement' in parsed)) throw new Error(`${what} is not a policy document`);
  return parsed as PolicyDocument;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) out[key] = typeof item === 'string' ? item : JSON.stringify(item);
  }
  return out;
}

/** Deploys the stack of a cloud assembly directory (cdk.out). */
export async function deployAssembly(cdkOut: string, options: DeployOptions & { stackName?: string }): Promise<DeployedStack> {
  return deployStack(loadAssembly(cdkOut, options.stackName), options);
}

interface ApiUnderConstruction {
  logicalId: string;
  definition: RestApiDefinition;
  rootResourceId: string;
  paths: Map<string, string>;
}

/**
 * Creates, in dependency order, every resource of the template the local cloud can run, and
 * gives the others stable identities so references to them still resolve.
 */
export async function deployStack(assembly: StackAssembly, options: DeployOptions): Promise<DeployedStack> {
  const { template } = assembly;
  const { targets, accountId, region } = options;
  const log = options.log ?? (() => undefined);
  const pseudo: PseudoParameters = pseudoParameters({ accountId, region, stackName: assembly.stackName, ...(options.partition ? { partition: options.partition } : {}) });
  const env = { accountId, region, partition: pseudo.partition, urlSuffix: pseudo.urlSuffix, stackName: assembly.stackName };
  const parameters = resolveParameters(template, options.parameters);
  const deployed: Record<string, DeployedResource> = {};
  const skippedTypes = new Map<string, number>();
  const apis = new Map<string, ApiUnderConstruction>();
  const previous = options.previous?.stackName === assembly.stackName ? options.previous.resources : {};

  const ctx: ResolveContext = {
    pseudo,
    parameters,
    conditions: {},
    mappings: template.Mappings ?? {},
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
  ctx.conditions = evaluateConditions(template.Conditions, ctx);

  const order = dependencyOrder(template.Resources, Object.keys(template.Parameters ?? {}));
  for (const logicalId of order) {
    const resource = template.Resources[logicalId]!;
    if (resource.Condition !== undefined && ctx.conditions[resource.Condition] !== true) continue;
    let props: Record<string, unknown>;
    try {
      props = resolveValue(resource.Properties ?? {}, ctx) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`Cannot resolve the properties of ${logicalId} (${resource.Type}): ${error instanceof Error ? error.message : String(error)}`);
    }
    const identity = identityOf(resource.Type, logicalId, props, env);
    const assetSource = assetPath(assembly, resource.Metadata, (props.Code as { S3Key?: unknown } | undefined)?.S3Key ?? (props.DefinitionS3Location as { Key?: unknown } | undefined)?.Key);
    const hash = hashOf({ type: resource.Type, props, asset: assetSource !== undefined ? assetFingerprint(assetSource) : undefined });
    const before = previous[logicalId];
    const unchanged = before !== undefined && before.type === resource.Type && before.hash === hash && PERSISTENT_TYPES.has(resource.Type);
    const record: DeployedResource = {
      logicalId,
      type: resource.Type,
      physicalId: identity.physicalId,
      ref: identity.ref,
      ...(identity.arn !== undefined ? { arn: identity.arn } : {}),
      attributes: identity.attributes,
      status: unchanged ? 'unchanged' : before !== undefined ? 'updated' : 'created',
      hash,
    };
    try {
      if (!unchanged) {
        const handled = await createResource(resource.Type, logicalId, props, identity, { targets, accountId, assetSource, apis, deployed, log, pseudo });
        if (handled === NO_LOCAL_MEANING) {
          record.status = 'skipped';
          skippedTypes.set(resource.Type, (skippedTypes.get(resource.Type) ?? 0) + 1);
        } else if (handled !== undefined) {
          record.arn = handled;
          if ('Arn' in record.attributes) record.attributes.Arn = handled;
        }
      }
    } catch (error) {
      throw new Error(`Deploying ${logicalId} (${resource.Type}) failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    deployed[logicalId] = record;
  }

  for (const api of apis.values()) {
    targets.apigateway?.registerApi(api.definition);
  }

  const outputs: Record<string, unknown> = {};
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition !== undefined && ctx.conditions[output.Condition] !== true) continue;
    outputs[name] = resolveValue(output.Value, ctx);
  }

  const counts = { created: 0, updated: 0, unchanged: 0 };
  for (const r of Object.values(deployed)) if (r.status !== 'skipped') counts[r.status] += 1;
  log(`deployed ${assembly.stackName}: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged`);
  if (skippedTypes.size > 0) {
    log(`skipped (${NO_LOCAL_MEANING}): ${[...skippedTypes].map(([type, n]) => `${type} x${n}`).join(', ')}`);
  }
  return {
    stackName: assembly.stackName,
    stackId: pseudo.stackId,
    accountId,
    region,
    outputs,
    resources: deployed,
    apis: [...apis.values()].map((api) => api.definition),
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

interface CreateContext {
  targets: DeployTargets;
  accountId: string;
  assetSource: string | undefined;
  apis: Map<string, ApiUnderConstruction>;
  deployed: Record<string, DeployedResource>;
  log: (line: string) => void;
  pseudo: PseudoParameters;
}

/**
 * Creates one resource. Returns the ARN the emulator reported (when it has one), undefined when
 * there is nothing to report, or NO_LOCAL_MEANING for types the local cloud does not run.
 */
async function createResource(
  type: string,
  logicalId: string,
  props: Record<string, unknown>,
  identity: ResourceIdentity,
  c: CreateContext,
): Promise<string | undefined> {
  const { targets, accountId } = c;
  switch (type) {
    case 'AWS::IAM::Role': {
      const roleName = identity.physicalId;
      const trust = asPolicy(props.AssumeRolePolicyDocument, `${logicalId}.AssumeRolePolicyDocument`);
      let arn = identity.arn;
      try {
        arn = targets.iam.createRole(accountId, {
          roleName,
          ...(typeof props.Path === 'string' ? { path: props.Path } : {}),
          assumeRolePolicyDocument: trust,
          ...(typeof props.Description === 'string' ? { description: props.Description } : {}),
          ...(Array.isArray(props.Tags) ? { tags: props.Tags as Array<{ Key: string; Value: string }> } : {}),
        }).arn;
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        // The role survived a restart: bring its trust policy up to date.
        if (targets.iam.updateAssumeRolePolicy !== undefined) targets.iam.updateAssumeRolePolicy(accountId, roleName, trust);
        else await targets.call?.('iam', 'UpdateAssumeRolePolicy', { RoleName: roleName, PolicyDocument: JSON.stringify(trust) });
      }
      for (const policy of (props.Policies ?? []) as Array<{ PolicyName: string; PolicyDocument: unknown }>) {
        targets.iam.putRolePolicy(accountId, roleName, str(policy.PolicyName, 'PolicyName'), asPolicy(policy.PolicyDocument, `${logicalId} inline policy`));
      }
      for (const policyArn of (props.ManagedPolicyArns ?? []) as string[]) {
        try {
          targets.iam.attachRolePolicy(accountId, roleName, policyArn);
        } catch (error) {
          // AWS managed policies (e.g. AWSLambdaBasicExecutionRole) may be unknown locally; they
          // only grant CloudWatch Logs and similar, which the local cloud does not model.
          if (!policyArn.includes(':iam::aws:policy/')) throw error;
          c.log(`note: ${logicalId}: AWS managed policy ${policyArn} not attached locally (${error instanceof Error ? error.message : String(error)})`);
        }
      }
      return arn;
    }
    case 'AWS::IAM::Policy': {
      const document = asPolicy(props.PolicyDocument, `${logicalId}.PolicyDocument`);
      const policyName = str(props.PolicyName, `${logicalId}.PolicyName`);
      for (const role of (props.Roles ?? []) as string[]) targets.iam.putRolePolicy(accountId, role, policyName, document);
      if ((props.Users as unknown[] | undefined)?.length || (props.Groups as unknown[] | undefined)?.length) {
        c.log(`note: ${logicalId}: policies on IAM users/groups are not modelled locally`);
      }
      return undefined;
    }
    case 'AWS::IAM::ManagedPolicy': {
      const document = asPolicy(props.PolicyDocument, `${logicalId}.PolicyDocument`);
      const path = typeof props.Path === 'string' ? props.Path : '/';
      try {
        if (targets.iam.createPolicy !== undefined) {
          targets.iam.createPolicy(accountId, {
            policyName: identity.physicalId,
            path,
            document,
            ...(typeof props.Description === 'string' ? { description: props.Description } : {}),
          });
        } else {
          if (targets.call === undefined) throw new Error('AWS::IAM::ManagedPolicy needs createPolicy or the IAM query API');
          const created = await targets.call('iam', 'CreatePolicy', { PolicyName: identity.physicalId, Path: path, PolicyDocument: JSON.stringify(document) });
          if (created.status >= 400) throw new AwsServiceError(created.body.includes('EntityAlreadyExists') ? 'EntityAlreadyExists' : 'CreatePolicyFailed', created.body);
        }
      } catch (error) {
        // A changed document on redeploy would need a new policy version; the local cloud keeps the first.
        if (!isAlreadyExists(error)) throw error;
        c.log(`note: ${logicalId}: managed policy ${identity.physicalId} exists; its document is not updated locally`);
      }
      for (const role of (props.Roles ?? []) as string[]) targets.iam.attachRolePolicy(accountId, role, identity.ref);
      return identity.arn;
    }
    case 'AWS::DynamoDB::Table': {
      if (props.PointInTimeRecoverySpecification !== undefined || props.DeletionProtectionEnabled !== undefined || props.TimeToLiveSpecification !== undefined) {
        c.log(`note: ${logicalId}: PITR, deletion protection and TTL have no dynalite counterpart and are ignored locally`);
      }
      return (await targets.dynamodb.createTable(identity.physicalId, props as never)).arn;
    }
    case 'AWS::Events::EventBus': {
      try {
        return targets.events.createEventBus(identity.physicalId).arn;
      } catch (error) {
        if (isAlreadyExists(error)) return identity.arn;
        throw error;
      }
    }
    case 'AWS::Events::Rule': {
      if (props.ScheduleExpression !== undefined && props.EventPattern === undefined) {
        c.log(`note: ${logicalId}: scheduled rules do not fire locally`);
        return NO_LOCAL_MEANING;
      }
      const targetsProp = (props.Targets ?? []) as Array<Record<string, unknown>>;
      for (const target of targetsProp) {
        if (target.InputTransformer !== undefined || target.InputPath !== undefined) {
          c.log(`note: ${logicalId}: target ${String(target.Id)} uses InputPath/InputTransformer, which the local EventBridge does not apply`);
        }
      }
      const busName = typeof props.EventBusName === 'string' ? props.EventBusName.split('/').pop() : undefined;
      return targets.events.putRule({
        name: identity.physicalId,
        ...(busName !== undefined ? { eventBusName: busName } : {}),
        eventPattern: props.EventPattern,
        state: props.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
        ...(typeof props.Description === 'string' ? { description: props.Description } : {}),
        targets: targetsProp.map((target) => ({
          id: str(target.Id, 'Target Id'),
          arn: str(target.Arn, 'Target Arn'),
          ...(typeof target.RoleArn === 'string' ? { roleArn: target.RoleArn } : {}),
          ...(typeof target.Input === 'string' ? { input: target.Input } : {}),
        })),
      }).arn;
    }
    case 'AWS::Lambda::Function': {
      if (c.assetSource === undefined || !statSync(c.assetSource).isDirectory()) {
        throw new Error(`no bundled code found for ${logicalId} (aws:asset:path metadata or asset manifest entry); run \`npx cdk synth\``);
      }
      const roleArn = str(props.Role, `${logicalId}.Role`);
      const credentials = targets.iam.sessionForService(roleArn, 'lambda.amazonaws.com');
      const created = await targets.lambda.createFunction({
        name: identity.physicalId,
        codeDir: c.assetSource,
        handler: typeof props.Handler === 'string' ? props.Handler : 'index.handler',
        environment: stringMap((props.Environment as { Variables?: unknown } | undefined)?.Variables),
        timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : 3,
        ...(typeof props.MemorySize === 'number' ? { memoryMb: props.MemorySize } : {}),
        roleArn,
        credentials,
      });
      return created.arn;
    }
    case 'AWS::StepFunctions::StateMachine': {
      const definition = stateMachineDefinition(logicalId, props, c.assetSource);
      const roleArn = str(props.RoleArn, `${logicalId}.RoleArn`);
      const name = str(identity.attributes.Name, 'state machine name');
      try {
        return (await targets.sfn.createStateMachine({ name, definition, roleArn })).arn;
      } catch (error) {
        if (!isAlreadyExists(error) || targets.call === undefined) throw error;
        // It exists from a previous run with another definition: update it in place, as CFN would.
        const updated = await targets.call('states', 'UpdateStateMachine', { stateMachineArn: identity.arn, definition, roleArn });
        if (updated.status >= 400) throw new Error(`UpdateStateMachine failed: ${updated.body}`, { cause: error });
        return identity.arn;
      }
    }
    case 'AWS::ApiGateway::RestApi': {
      c.apis.set(logicalId, {
        logicalId,
        definition: { apiId: identity.physicalId, name: typeof props.Name === 'string' ? props.Name : logicalId, stageName: 'prod', routes: [] },
        rootResourceId: str(identity.attributes.RootResourceId, 'RootResourceId'),
        paths: new Map([[str(identity.attributes.RootResourceId, 'RootResourceId'), '/']]),
      });
      return undefined;
    }
    case 'AWS::ApiGateway::Resource': {
      const api = apiOf(c.apis, props.RestApiId, logicalId);
      const parentPath = api.paths.get(str(props.ParentId, `${logicalId}.ParentId`));
      if (parentPath === undefined) throw new Error(`parent resource ${String(props.ParentId)} not found`);
      api.paths.set(identity.physicalId, `${parentPath === '/' ? '' : parentPath}/${str(props.PathPart, `${logicalId}.PathPart`)}`);
      return undefined;
    }
    case 'AWS::ApiGateway::Method': {
      const api = apiOf(c.apis, props.RestApiId, logicalId);
      const resourcePath = api.paths.get(str(props.ResourceId, `${logicalId}.ResourceId`));
      if (resourcePath === undefined) throw new Error(`resource ${String(props.ResourceId)} not found`);
      const integration = (props.Integration ?? {}) as Record<string, unknown>;
      const uri = typeof integration.Uri === 'string' ? integration.Uri : '';
      const functionArn = /\/functions\/(arn:[^/]+)\/invocations/.exec(uri)?.[1];
      const route: RestApiRoute = {
        httpMethod: str(props.HttpMethod, `${logicalId}.HttpMethod`).toUpperCase(),
        resourcePath,
        authorizationType: typeof props.AuthorizationType === 'string' ? props.AuthorizationType : 'NONE',
        integrationType: typeof integration.Type === 'string' ? integration.Type : 'MOCK',
        ...(functionArn !== undefined ? { functionArn } : {}),
      };
      api.definition.routes.push(route);
      return undefined;
    }
    case 'AWS::ApiGateway::Stage': {
      apiOf(c.apis, props.RestApiId, logicalId).definition.stageName = identity.physicalId;
      return undefined;
    }
    case 'AWS::ApiGateway::Deployment': {
      if (typeof props.StageName === 'string') apiOf(c.apis, props.RestApiId, logicalId).definition.stageName = props.StageName;
      return NO_LOCAL_MEANING;
    }
    default:
      return NO_LOCAL_MEANING;
  }
}

function apiOf(apis: Map<string, ApiUnderConstruction>, restApiId: unknown, logicalId: string): ApiUnderConstruction {
  for (const api of apis.values()) if (api.definition.apiId === restApiId) return api;
  throw new Error(`${logicalId} belongs to REST API ${String(restApiId)}, which is not in this template`);
}

/** DefinitionString / Definition / DefinitionS3Location (an asset file), with DefinitionSubstitutions applied. */
export function stateMachineDefinition(logicalId: string, props: Record<string, unknown>, assetSource: string | undefined): string {
  let definition: string;
  if (typeof props.DefinitionString === 'string') definition = props.DefinitionString;
  else if (props.Definition !== undefined) definition = JSON.stringify(props.Definition);
  else if (props.DefinitionS3Location !== undefined) {
    if (assetSource === undefined) throw new Error(`${logicalId}: DefinitionS3Location does not match any asset of the assembly`);
    definition = readFileSync(assetSource, 'utf8');
  } else throw new Error(`${logicalId} has no definition`);
  const substitutions = (props.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
  definition = definition.replace(/\$\{([^}]+)\}/g, (whole, key: string) => {
    const value = substitutions[key];
    if (value === undefined) return whole;
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
  const missing = /\$\{([A-Za-z0-9_]+)\}/.exec(definition);
  if (missing !== null) throw new Error(`${logicalId}: definition placeholder \${${missing[1]}} has no DefinitionSubstitutions entry`);
  return definition;
}
