// CloudFormation types of IAM: roles (trust policy, inline and managed policies), inline policies
// and customer managed policies, created in the stack's account.
import { AwsServiceError, type PolicyDocument } from '../core/types.js';
import type { DeployedIdentity, ResourceContext, ResourceHandler } from '../deploy/handler.js';
import { generatedName } from '../deploy/naming.js';
import { isAlreadyExists, requireString } from '../deploy/properties.js';

/** The IAM operations the deployer needs (structural, so tests can pass fakes). */
export interface IamDeployTarget {
  createRole(
    accountId: string,
    input: { roleName: string; path?: string; assumeRolePolicyDocument: PolicyDocument; description?: string; tags?: Array<{ Key: string; Value: string }> },
  ): { arn: string };
  putRolePolicy(accountId: string, roleName: string, policyName: string, document: PolicyDocument): void;
  attachRolePolicy(accountId: string, roleName: string, policyArn: string): void;
  /** Credentials of the role as a service (e.g. Lambda) assumes it. */
  sessionForService(roleArn: string, servicePrincipal: string): { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  /** Used on redeploy when the role already exists. */
  updateAssumeRolePolicy?(accountId: string, roleName: string, document: PolicyDocument): void;
  createPolicy?(accountId: string, input: { policyName: string; path?: string; document: PolicyDocument; description?: string }): { arn: string };
}

function asPolicy(value: unknown, what: string): PolicyDocument {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (parsed === null || typeof parsed !== 'object' || !('Statement' in parsed)) throw new Error(`${what} is not a policy document`);
  return parsed as PolicyDocument;
}

function pathOf(props: Record<string, unknown>): string {
  return typeof props.Path === 'string' ? props.Path : '/';
}

/** Creates the role, or (it survived a restart) brings its trust policy up to date. Returns the emulator's ARN when it created one. */
async function createOrUpdateRole(roleName: string, trust: PolicyDocument, props: Record<string, unknown>, ctx: ResourceContext): Promise<string | undefined> {
  const { iam } = ctx.targets;
  try {
    return iam.createRole(ctx.env.accountId, {
      roleName,
      ...(typeof props.Path === 'string' ? { path: props.Path } : {}),
      assumeRolePolicyDocument: trust,
      ...(typeof props.Description === 'string' ? { description: props.Description } : {}),
      ...(Array.isArray(props.Tags) ? { tags: props.Tags as Array<{ Key: string; Value: string }> } : {}),
    }).arn;
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    if (iam.updateAssumeRolePolicy !== undefined) iam.updateAssumeRolePolicy(ctx.env.accountId, roleName, trust);
    else await ctx.targets.call?.('iam', 'UpdateAssumeRolePolicy', { RoleName: roleName, PolicyDocument: JSON.stringify(trust) });
    return undefined;
  }
}

function attachManagedPolicies(roleName: string, policyArns: string[], ctx: ResourceContext): void {
  for (const policyArn of policyArns) {
    try {
      ctx.targets.iam.attachRolePolicy(ctx.env.accountId, roleName, policyArn);
    } catch (error) {
      // AWS managed policies (e.g. AWSLambdaBasicExecutionRole) may be unknown locally; they
      // only grant CloudWatch Logs and similar, which the local cloud does not model.
      if (!policyArn.includes(':iam::aws:policy/')) throw error;
      ctx.log(`note: ${ctx.logicalId}: AWS managed policy ${policyArn} not attached locally (${error instanceof Error ? error.message : String(error)})`);
    }
  }
}

const role: ResourceHandler = {
  type: 'AWS::IAM::Role',
  persistent: true,
  async deploy(props, ctx): Promise<DeployedIdentity> {
    const roleName = ctx.physicalName(props.RoleName, 64);
    const trust = asPolicy(props.AssumeRolePolicyDocument, `${ctx.logicalId}.AssumeRolePolicyDocument`);
    const arn = (await createOrUpdateRole(roleName, trust, props, ctx)) ?? `arn:${ctx.env.partition}:iam::${ctx.env.accountId}:role${pathOf(props)}${roleName}`;
    for (const policy of (props.Policies ?? []) as Array<{ PolicyName: string; PolicyDocument: unknown }>) {
      const document = asPolicy(policy.PolicyDocument, `${ctx.logicalId} inline policy`);
      ctx.targets.iam.putRolePolicy(ctx.env.accountId, roleName, requireString(policy.PolicyName, 'PolicyName'), document);
    }
    attachManagedPolicies(roleName, (props.ManagedPolicyArns ?? []) as string[], ctx);
    return { physicalId: roleName, ref: roleName, arn, attributes: { Arn: arn, RoleId: `AROA${ctx.stableId(17)}` } };
  },
};

const policy: ResourceHandler = {
  type: 'AWS::IAM::Policy',
  persistent: true,
  deploy(props, ctx) {
    const document = asPolicy(props.PolicyDocument, `${ctx.logicalId}.PolicyDocument`);
    const policyName = requireString(props.PolicyName, `${ctx.logicalId}.PolicyName`);
    for (const roleName of (props.Roles ?? []) as string[]) ctx.targets.iam.putRolePolicy(ctx.env.accountId, roleName, policyName, document);
    if ((props.Users as unknown[] | undefined)?.length || (props.Groups as unknown[] | undefined)?.length) {
      ctx.log(`note: ${ctx.logicalId}: policies on IAM users/groups are not modelled locally`);
    }
    // Ref of an inline policy is a generated id, not its PolicyName.
    const id = generatedName(ctx.env.stackName, ctx.logicalId.slice(0, 5), 64);
    return { physicalId: id, ref: id, attributes: {} };
  },
};

async function createManagedPolicy(name: string, path: string, document: PolicyDocument, props: Record<string, unknown>, ctx: ResourceContext): Promise<void> {
  const { iam } = ctx.targets;
  if (iam.createPolicy !== undefined) {
    iam.createPolicy(ctx.env.accountId, { policyName: name, path, document, ...(typeof props.Description === 'string' ? { description: props.Description } : {}) });
    return;
  }
  if (ctx.targets.call === undefined) throw new Error('AWS::IAM::ManagedPolicy needs createPolicy or the IAM query API');
  const created = await ctx.targets.call('iam', 'CreatePolicy', { PolicyName: name, Path: path, PolicyDocument: JSON.stringify(document) });
  if (created.status >= 400) throw new AwsServiceError(created.body.includes('EntityAlreadyExists') ? 'EntityAlreadyExists' : 'CreatePolicyFailed', created.body);
}

const managedPolicy: ResourceHandler = {
  type: 'AWS::IAM::ManagedPolicy',
  persistent: true,
  async deploy(props, ctx) {
    const name = ctx.physicalName(props.ManagedPolicyName, 128);
    const path = pathOf(props);
    const arn = `arn:${ctx.env.partition}:iam::${ctx.env.accountId}:policy${path}${name}`;
    try {
      await createManagedPolicy(name, path, asPolicy(props.PolicyDocument, `${ctx.logicalId}.PolicyDocument`), props, ctx);
    } catch (error) {
      // A changed document on redeploy would need a new policy version; the local cloud keeps the first.
      if (!isAlreadyExists(error)) throw error;
      ctx.log(`note: ${ctx.logicalId}: managed policy ${name} exists; its document is not updated locally`);
    }
    for (const roleName of (props.Roles ?? []) as string[]) ctx.targets.iam.attachRolePolicy(ctx.env.accountId, roleName, arn);
    return { physicalId: name, ref: arn, arn, attributes: { PolicyArn: arn } };
  },
};

export const iamResourceHandlers: ResourceHandler[] = [role, policy, managedPolicy];
