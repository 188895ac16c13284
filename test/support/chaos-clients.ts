// What the chaos scenario does to a local cloud in a child process, through its public interfaces
// only: signed REST calls to the providers API, and AWS SDK clients on its endpoint (as an operator
// with the AWS CLI would). Every client retries more than the SDK's default, since the scenario's
// own calls go through the same fault injection as the product's.
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateRoleCommand,
  GetPolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StopExecutionCommand,
  type ExecutionListItem,
} from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { signedFetch } from '../../local/signed-fetch.js';
import type { CloudEndpoints } from './cloud-process.js';

const CLIENT_ATTEMPTS = 10;
const PRODUCT_BUS = 'capa-provider-onboarding';
const PRODUCT_PATH = '/capa-providers/';
/** The owner tag every role and policy the product creates carries (docs/CONTRACTS.md). */
export const PROVIDER_ID_TAG = 'capa-onboarding:provider-id';

export interface ProviderRequestBody {
  workspace: string;
  name: string;
  accountId: string;
  externalId?: string;
}

export interface ProviderView {
  providerId: string;
  status: string;
  reason: string | null;
  message: string | null;
  roleArn: string;
  externalId: string;
  executionArn: string;
  attempt: number;
}

/** An IAM role or customer managed policy under the product's path, with what ties it to a provider. */
export interface ProductResource {
  kind: 'role' | 'policy';
  arn: string;
  providerIdTag: string | undefined;
  /** Roles only: the policies attached to it. */
  attachedPolicyArns: string[];
}

function config(cloud: CloudEndpoints) {
  return { endpoint: cloud.endpoint, region: cloud.region, credentials: cloud.credentials, maxAttempts: CLIENT_ATTEMPTS };
}

/** POST /workspaces/{workspace}/providers; status 0 when no answer came (connection refused or reset, e.g. the cloud was killed). */
export async function postProvider(cloud: CloudEndpoints, { workspace, ...body }: ProviderRequestBody): Promise<number> {
  try {
    return (await signedFetch(`${cloud.apiUrl}/workspaces/${workspace}/providers`, { method: 'POST', body }, cloud.credentials, cloud.region)).status;
  } catch {
    return 0;
  }
}

/** GET /workspaces/{workspace}/providers/{name}: the provider, 'missing' on 404, undefined when the answer was anything else. */
export async function getProvider(cloud: CloudEndpoints, providerId: string): Promise<ProviderView | 'missing' | undefined> {
  const [workspace, name] = providerId.split('.') as [string, string];
  try {
    const response = await signedFetch(`${cloud.apiUrl}/workspaces/${workspace}/providers/${name}`, {}, cloud.credentials, cloud.region);
    if (response.status === 404) return 'missing';
    return response.status === 200 ? (response.body as ProviderView) : undefined;
  } catch {
    return undefined;
  }
}

/** A member account through Organizations; its CreateAccountResult event triggers an onboarding. */
export async function createMemberAccount(cloud: CloudEndpoints, name: string): Promise<string> {
  const organizations = new OrganizationsClient(config(cloud));
  try {
    const { CreateAccountStatus } = await organizations.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
    return CreateAccountStatus!.AccountId!;
  } finally {
    organizations.destroy();
  }
}

export async function onboardingStateMachineArn(cloud: CloudEndpoints): Promise<string> {
  const sfn = new SFNClient(config(cloud));
  try {
    const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
    // The stack has several (onboarding, offboarding, verification, rotation); CloudFormation names
    // each <stack>-<logical id>-<suffix>.
    const onboarding = stateMachines.filter((machine) => machine.name?.includes('OnboardingWorkflowStateMachine'));
    if (onboarding.length !== 1) throw new Error(`expected one onboarding state machine, found ${onboarding.length} of ${stateMachines.length}`);
    return onboarding[0]!.stateMachineArn!;
  } finally {
    sfn.destroy();
  }
}

/** Whether the execution is still running (false when it ended or does not exist). */
export async function executionRunning(cloud: CloudEndpoints, executionArn: string): Promise<boolean> {
  const sfn = new SFNClient(config(cloud));
  try {
    return (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status === 'RUNNING';
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return false;
    throw error;
  } finally {
    sfn.destroy();
  }
}

/** `aws stepfunctions stop-execution` */
export async function stopExecution(cloud: CloudEndpoints, executionArn: string): Promise<void> {
  const sfn = new SFNClient(config(cloud));
  try {
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Chaos', cause: 'stopped by the chaos scenario' }));
  } finally {
    sfn.destroy();
  }
}

async function allExecutions(sfn: SFNClient, stateMachineArn: string): Promise<ExecutionListItem[]> {
  const executions: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000, nextToken }));
    executions.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return executions;
}

/** The names of the onboarding executions that are still running. */
export async function runningExecutionNames(cloud: CloudEndpoints, stateMachineArn: string): Promise<string[]> {
  const sfn = new SFNClient(config(cloud));
  try {
    return (await allExecutions(sfn, stateMachineArn)).filter((execution) => execution.status === 'RUNNING').map((execution) => execution.name!);
  } finally {
    sfn.destroy();
  }
}

/**
 * Subscribes, as a consumer would, to every event on the product bus and to Step Functions' status
 * changes of the onboarding executions on the default bus: each delivered event starts one
 * execution of a one-state (Pass) state machine, so it is kept, with the cloud's state, across a
 * restart. Returns the capture machine's ARN.
 */
export async function subscribeToEvents(cloud: CloudEndpoints, onboardingArn: string, name: string): Promise<string> {
  const iam = new IAMClient(config(cloud));
  const sfn = new SFNClient(config(cloud));
  const events = new EventBridgeClient(config(cloud));
  try {
    const accountId = onboardingArn.split(':')[4]!;
    const machineArn = `arn:aws:states:${cloud.region}:${accountId}:stateMachine:${name}`;
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: ['events.amazonaws.com', 'states.amazonaws.com'] }, Action: 'sts:AssumeRole' }] };
    const { Role } = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
    const start = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: machineArn }] };
    await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'start-capture', PolicyDocument: JSON.stringify(start) }));
    const definition = { StartAt: 'Delivered', States: { Delivered: { Type: 'Pass', End: true } } };
    await sfn.send(new CreateStateMachineCommand({ name, roleArn: Role!.Arn, definition: JSON.stringify(definition) }));
    const rules: [string, string, unknown][] = [
      [`${name}-product`, PRODUCT_BUS, { source: [PRODUCT_BUS] }],
      [`${name}-executions`, 'default', { source: ['aws.states'], detail: { stateMachineArn: [onboardingArn] } }],
    ];
    for (const [rule, bus, pattern] of rules) {
      await events.send(new PutRuleCommand({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify(pattern) }));
      await events.send(new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: [{ Id: 'capture', Arn: machineArn, RoleArn: Role!.Arn }] }));
    }
    return machineArn;
  } finally {
    iam.destroy();
    sfn.destroy();
    events.destroy();
  }
}

/** Every event delivered to the capture machine, as the JSON text it was delivered as. */
export async function deliveredEvents(cloud: CloudEndpoints, captureArn: string): Promise<string[]> {
  const sfn = new SFNClient(config(cloud));
  try {
    const executions = await allExecutions(sfn, captureArn);
    const inputs: string[] = [];
    for (let index = 0; index < executions.length; index += 20) {
      const batch = executions.slice(index, index + 20);
      inputs.push(...(await Promise.all(batch.map(async (execution) => (await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }))).input!))));
    }
    return inputs;
  } finally {
    sfn.destroy();
  }
}

async function bootstrapIam(cloud: CloudEndpoints, accountId: string): Promise<IAMClient> {
  const sts = new STSClient(config(cloud));
  try {
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`, RoleSessionName: 'chaos-inspection' }),
    );
    return new IAMClient({
      ...config(cloud),
      credentials: { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! },
    });
  } finally {
    sts.destroy();
  }
}

/** Every role and customer managed policy under the product's path in a member account. */
export async function productResourcesIn(cloud: CloudEndpoints, accountId: string): Promise<ProductResource[]> {
  const iam = await bootstrapIam(cloud, accountId);
  try {
    const { Roles = [] } = await iam.send(new ListRolesCommand({ PathPrefix: PRODUCT_PATH }));
    const { Policies = [] } = await iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: PRODUCT_PATH }));
    const roles = await Promise.all(
      Roles.map(async (role): Promise<ProductResource> => {
        const { Tags = [] } = await iam.send(new ListRoleTagsCommand({ RoleName: role.RoleName }));
        const { AttachedPolicies = [] } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role.RoleName }));
        const providerIdTag = Tags.find((tag) => tag.Key === PROVIDER_ID_TAG)?.Value;
        return { kind: 'role', arn: role.Arn!, providerIdTag, attachedPolicyArns: AttachedPolicies.map((policy) => policy.PolicyArn!) };
      }),
    );
    const policies = await Promise.all(
      Policies.map(async (listed): Promise<ProductResource> => {
        const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: listed.Arn }));
        const providerIdTag = Policy?.Tags?.find((tag) => tag.Key === PROVIDER_ID_TAG)?.Value;
        return { kind: 'policy', arn: listed.Arn!, providerIdTag, attachedPolicyArns: [] };
      }),
    );
    return [...roles, ...policies];
  } finally {
    iam.destroy();
  }
}
