// Helpers for the end-to-end suite: the real synthesized stack on the local cloud, driven through
// HTTP (SigV4) and the real AWS SDK clients.
import { join } from 'node:path';
import { PutRuleCommand, PutTargetsCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient, ListPoliciesCommand, ListRolesCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startLocalCloud, type LocalCloud } from '../../local/cloud.js';
import { createManagementRole } from '../../scripts/management-role.js';
import { synthesizeIfChanged } from '../../scripts/synth.js';
import { signedFetch, type Credentials, type SignedResponse } from '../../local/signed-fetch.js';

export type { LocalCloud } from '../../local/cloud.js';

export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');
export const CDK_OUT = join(PROJECT_ROOT, 'cdk.out');

/** The product's event bus and source (docs/CONTRACTS.md). */
export const PRODUCT_BUS = 'capa-provider-onboarding';

/** Synthesizes cdk.out unless it was synthesized from exactly the current sources (scripts/synth.ts). */
export function ensureSynthesized(): void {
  synthesizeIfChanged(PROJECT_ROOT);
}

/** Every line the deployed functions wrote, with the function's name. */
export class FunctionLog {
  private readonly lines: { functionName: string; line: string }[] = [];

  readonly sink = (functionName: string, line: string): void => {
    this.lines.push({ functionName, line });
  };

  /** A position to read from later, so a test sees only what was logged after it started. */
  mark(): number {
    return this.lines.length;
  }

  since(mark: number): { functionName: string; line: string }[] {
    return this.lines.slice(mark);
  }
}

/**
 * A local cloud on free ports deploying this repo's cdk.out. Each describe block starts its own,
 * with the propagation delay, retry scale and function environment its tests rely on spelled out.
 */
type CloudOptions = NonNullable<Parameters<typeof startLocalCloud>[0]>;

export async function startTestCloud(options: CloudOptions & Required<Pick<CloudOptions, 'propagationDelayMs'>>): Promise<LocalCloud> {
  // The management cluster role the stack expects beside it is created after each deploy, as `npm start` does.
  const cloud = await startLocalCloud({ port: 0, apiPort: 0, quiet: true, cdkOut: CDK_OUT, afterDeploy: createManagementRole, ...options });
  await settleDeploymentRollout(cloud);
  return cloud;
}

/**
 * The policy rollout the deployment itself started (Custom::PolicyRollout) runs in the background;
 * it is let end (bounded), so that what a test then observes (logs, events, executions) is its own.
 */
async function settleDeploymentRollout(cloud: LocalCloud, timeoutMs = 60_000): Promise<void> {
  const rollout = Object.values(cloud.stack.resources).find((resource) => resource.type === 'AWS::StepFunctions::StateMachine' && resource.logicalId.startsWith('PolicyRollout'));
  if (rollout?.arn === undefined) return;
  const running = cloud.sfn.listExecutions(rollout.arn, 'RUNNING').map((execution) => cloud.sfn.waitForExecution(execution.executionArn));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([Promise.all(running), timeout]);
  clearTimeout(timer);
}

/** The path of a workspace's providers, and of one provider (`<workspace>.<name>`) in it. */
export const providersPath = (workspace: string): string => `/workspaces/${workspace}/providers`;
export function providerPath(providerId: string): string {
  const [workspace = '', name = ''] = providerId.split('.');
  return `${providersPath(workspace)}/${name}`;
}

export function api(cloud: LocalCloud, credentials: Credentials = cloud.adminCredentials) {
  const call = (method: string, path: string, init: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<SignedResponse> =>
    signedFetch(`${cloud.apiUrl}${path}`, { method, ...init }, credentials, cloud.region);
  return {
    /** Creates `spec`: its workspace goes in the path, the rest is the body. */
    post: ({ workspace, ...body }: { workspace: string } & Record<string, unknown>) => call('POST', providersPath(workspace), { body }),
    postRaw: (workspace: string, rawBody: string) => call('POST', providersPath(workspace), { rawBody }),
    get: (providerId: string) => call('GET', providerPath(providerId)),
    getUrl: (url: string) => signedFetch(url, {}, credentials, cloud.region),
    /** `query` is the query string, with its `?`. */
    list: (workspace: string, query = '') => call('GET', `${providersPath(workspace)}${query}`),
    /** DELETE the provider; `query` is the query string, with its `?`. */
    delete: (providerId: string, query = '') => call('DELETE', `${providerPath(providerId)}${query}`),
    clusterIdentity: (providerId: string, headers: Record<string, string> = {}) => call('GET', `${providerPath(providerId)}/cluster-identity`, { headers }),
    verify: (providerId: string) => call('POST', `${providerPath(providerId)}/verifications`),
  };
}

export interface ProviderBody {
  providerId: string;
  status: string;
  reason: string | null;
  message: string | null;
  roleArn: string;
  roleName: string;
  externalId: string;
  executionArn: string;
  attempt: number;
}

/**
 * Polls GET /workspaces/{workspace}/providers/{name} until the provider is READY or FAILED and its execution has ended: the
 * registry is updated before the event is published and the last log line written, so a test that
 * reads events or logs waits for the end of the execution, not only for the status.
 */
export async function waitForProvider(cloud: LocalCloud, providerId: string, timeoutMs = 60_000): Promise<ProviderBody> {
  const sfn = new SFNClient(clientConfig(cloud));
  return eventually(
    `${providerId} READY or FAILED with its execution ended`,
    async () => {
      const response = await api(cloud).get(providerId);
      const provider = response.body as ProviderBody;
      if (response.status !== 200 || (provider.status !== 'READY' && provider.status !== 'FAILED')) return undefined;
      const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn: provider.executionArn }));
      return status === 'RUNNING' ? undefined : provider;
    },
    timeoutMs,
  );
}

export function clientConfig(cloud: LocalCloud) {
  return { endpoint: cloud.endpoint, region: cloud.region, credentials: cloud.adminCredentials };
}

/** Credentials of a session in a member account's bootstrap role, optionally narrowed by a session policy. */
export async function bootstrapSession(cloud: LocalCloud, accountId: string, sessionPolicy?: unknown): Promise<IAMClient> {
  const sts = new STSClient(clientConfig(cloud));
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`,
      RoleSessionName: 'e2e-inspect',
      ...(sessionPolicy !== undefined ? { Policy: JSON.stringify(sessionPolicy) } : {}),
    }),
  );
  return new IAMClient({
    endpoint: cloud.endpoint,
    region: cloud.region,
    maxAttempts: 1,
    credentials: {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken,
    },
  });
}

/** An IAM client acting in a member account through its bootstrap role, as an administrator would. */
export function memberIam(cloud: LocalCloud, accountId: string): Promise<IAMClient> {
  return bootstrapSession(cloud, accountId);
}

/** Every role and customer managed policy of the account, as `<path><name>` with a kind prefix. */
export async function iamInventory(iam: IAMClient): Promise<string[]> {
  const { Roles = [] } = await iam.send(new ListRolesCommand({}));
  const { Policies = [] } = await iam.send(new ListPoliciesCommand({ Scope: 'Local' }));
  return [...Roles.map((role) => `role ${role.Path}${role.RoleName}`), ...Policies.map((policy) => `policy ${policy.Path}${policy.PolicyName}`)].sort();
}

/** The ARNs of roles and policies under the product's path in the account. */
export async function providerResourcesIn(iam: IAMClient): Promise<string[]> {
  const roles = await iam.send(new ListRolesCommand({ PathPrefix: '/capa-providers/' }));
  const policies = await iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/capa-providers/' }));
  return [...(roles.Roles ?? []).map((role) => role.Arn!), ...(policies.Policies ?? []).map((policy) => policy.Arn!)];
}

function deployedOfType(cloud: LocalCloud, type: string) {
  return Object.values(cloud.stack.resources).filter((resource) => resource.type === type);
}

export function onboardingStateMachineArn(cloud: LocalCloud): string {
  // The stack has several (onboarding, offboarding, verification, rotation): the onboarding one is its workflow construct's.
  const machine = deployedOfType(cloud, 'AWS::StepFunctions::StateMachine').find((resource) => resource.logicalId.startsWith('OnboardingWorkflow'));
  if (!machine?.arn) throw new Error('The stack has no onboarding state machine');
  return machine.arn;
}

export function registryTableName(cloud: LocalCloud): string {
  const [table] = deployedOfType(cloud, 'AWS::DynamoDB::Table');
  if (!table) throw new Error('The stack has no table');
  return table.physicalId;
}

/** The deployed function names, by the logical-id prefix of the construct that defines them. */
export function deployedFunctions(cloud: LocalCloud): Record<string, string> {
  return Object.fromEntries(
    deployedOfType(cloud, 'AWS::Lambda::Function').map((fn) => [fn.logicalId.replace(/(Function)?[0-9A-F]{8}$/, ''), fn.physicalId]),
  );
}

export async function executionsNamed(cloud: LocalCloud, prefix: string) {
  const sfn = new SFNClient(clientConfig(cloud));
  const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: onboardingStateMachineArn(cloud), maxResults: 1000 }));
  return executions.filter((execution) => execution.name?.startsWith(prefix));
}

/** Polls until `read` returns a value, or throws after the deadline. */
export async function eventually<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not there after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface DeliveredEvent {
  source: string;
  'detail-type': string;
  resources: string[];
  detail: Record<string, unknown>;
}

/**
 * Subscribes to the product bus as a consumer would: a rule matching the service's events, whose
 * target is a one-state (Pass) state machine, started by EventBridge through its own role. Each
 * delivered event is then the input of one execution.
 */
export async function subscribeToProviderEvents(cloud: LocalCloud, name: string) {
  const iam = new IAMClient(clientConfig(cloud));
  const sfn = new SFNClient(clientConfig(cloud));
  const events = new EventBridgeClient(clientConfig(cloud));
  const machineArn = `arn:aws:states:${cloud.region}:${cloud.accountId}:stateMachine:${name}`;
  const { Role } = await iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: ['events.amazonaws.com', 'states.amazonaws.com'] }, Action: 'sts:AssumeRole' }],
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: name,
      PolicyName: 'start-capture',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: machineArn }] }),
    }),
  );
  await sfn.send(
    new CreateStateMachineCommand({
      name,
      roleArn: Role!.Arn,
      definition: JSON.stringify({ StartAt: 'Delivered', States: { Delivered: { Type: 'Pass', End: true } } }),
    }),
  );
  await events.send(
    new PutRuleCommand({ Name: name, EventBusName: PRODUCT_BUS, EventPattern: JSON.stringify({ source: [PRODUCT_BUS] }) }),
  );
  await events.send(new PutTargetsCommand({ Rule: name, EventBusName: PRODUCT_BUS, Targets: [{ Id: 'capture', Arn: machineArn, RoleArn: Role!.Arn }] }));

  const delivered = async (): Promise<DeliveredEvent[]> => {
    const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn, maxResults: 1000 }));
    return Promise.all(
      executions.map(async (execution) => {
        const { input } = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
        return JSON.parse(input!) as DeliveredEvent;
      }),
    );
  };
  return {
    /** Waits until `count` events about the provider have been delivered, and returns them. */
    async eventsAbout(providerId: string, count: number): Promise<DeliveredEvent[]> {
      return eventually(`${count} event(s) about ${providerId}`, async () => {
        const about = (await delivered()).filter((event) => event.detail.providerId === providerId);
        return about.length >= count ? about : undefined;
      });
    },
  };
}
