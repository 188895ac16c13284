// The real `npm start` (scripts/local-cloud.ts start) in a child process, on free ports and a state
// directory of the test's own: what an operator runs, stopped with Ctrl-C or killed outright.
import { spawn, type ChildProcess } from 'node:child_process';
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { ListExecutionsCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { signedFetch, type SignedResponse } from '../../local/signed-fetch.js';
import { eventually, PROJECT_ROOT, type ProviderBody } from './support.js';

const REGION = 'us-east-1';
/** Lines kept of a child's output, to explain a failure. */
const OUTPUT_TAIL_LINES = 200;

export interface CloudProcess {
  endpoint: string;
  apiUrl: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  child: ChildProcess;
  /** Resolves when the process has exited, with its exit code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines the process wrote (stdout and stderr). */
  output(): string;
}

/** Starts `scripts/local-cloud.ts start --no-synth` on cdk.out and waits until it is ready. */
export async function spawnLocalCloud(stateDir: string, env: Record<string, string> = {}): Promise<CloudProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-cloud.ts', 'start', '--no-synth'], {
    cwd: PROJECT_ROOT,
    // The suite's other test files share the cores: none of this cloud's workers yields to them.
    env: { ...process.env, LOCAL_STATE_DIR: stateDir, LOCAL_PORT: '0', LOCAL_API_PORT: '0', LOCAL_FAULTS: '', LOCAL_BACKGROUND_NICE: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n'));
    if (lines.length > OUTPUT_TAIL_LINES) lines.splice(0, lines.length - OUTPUT_TAIL_LINES);
  };
  let banner = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    if (!banner.includes('Try it')) banner += chunk.toString('utf8');
    keep(chunk);
  });
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const output = () => lines.join('\n');
  let ended = false;
  void exited.then(() => (ended = true));
  await eventually(
    'the local cloud ready',
    async () => {
      if (ended) throw new Error(`the local cloud exited before it was ready:\n${output()}`);
      return banner.includes('Try it') ? true : undefined;
    },
    120_000,
  );
  const field = (pattern: RegExp) => {
    const match = pattern.exec(banner);
    if (match?.[1] === undefined) throw new Error(`${pattern} not in the banner:\n${banner}`);
    return match[1];
  };
  return {
    endpoint: field(/AWS endpoint\s+(http:\/\/\S+)/),
    apiUrl: field(/REST API\s+(http:\/\/\S+)/),
    credentials: { accessKeyId: field(/AWS_ACCESS_KEY_ID=(\S+)/), secretAccessKey: field(/AWS_SECRET_ACCESS_KEY=(\S+)/) },
    child,
    exited,
    output,
  };
}

/** Kills the process outright (SIGKILL) unless it has already exited, and waits for its end. */
export async function killOutright(cloud: CloudProcess | undefined): Promise<void> {
  if (cloud === undefined || cloud.child.exitCode !== null || cloud.child.signalCode !== null) return;
  cloud.child.kill('SIGKILL');
  await cloud.exited;
}

function clientConfig(cloud: CloudProcess) {
  return { endpoint: cloud.endpoint, region: REGION, credentials: cloud.credentials };
}

/** Creates `spec`: its workspace goes in the path, the rest is the body. */
export function post(cloud: CloudProcess, { workspace, ...body }: { workspace: string } & Record<string, unknown>): Promise<SignedResponse> {
  return signedFetch(`${cloud.apiUrl}/workspaces/${workspace}/providers`, { method: 'POST', body }, cloud.credentials, REGION);
}

export async function getProvider(cloud: CloudProcess, providerId: string): Promise<{ status: number; provider: ProviderBody }> {
  const [workspace, name] = providerId.split('.');
  const response = await signedFetch(`${cloud.apiUrl}/workspaces/${workspace}/providers/${name}`, {}, cloud.credentials, REGION);
  return { status: response.status, provider: response.body as ProviderBody };
}

/** A member account created through Organizations (which also fires the new-account trigger). */
export async function createMemberAccount(cloud: CloudProcess, name: string): Promise<string> {
  const organizations = new OrganizationsClient(clientConfig(cloud));
  const { CreateAccountStatus } = await organizations.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
  organizations.destroy();
  return CreateAccountStatus!.AccountId!;
}

/** Polls until the provider is READY or FAILED, and returns it. */
export function settledProvider(cloud: CloudProcess, providerId: string, timeoutMs = 120_000): Promise<ProviderBody> {
  return eventually(
    `${providerId} READY or FAILED`,
    async () => {
      const { status, provider } = await getProvider(cloud, providerId);
      return status === 200 && (provider.status === 'READY' || provider.status === 'FAILED') ? provider : undefined;
    },
    timeoutMs,
  );
}

/** The names of the onboarding state machine's executions. */
export async function executionNames(cloud: CloudProcess): Promise<string[]> {
  const sfn = new SFNClient(clientConfig(cloud));
  try {
    const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
    const names: string[] = [];
    for (const machine of stateMachines) {
      const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine.stateMachineArn, maxResults: 1000 }));
      names.push(...executions.map((execution) => execution.name!));
    }
    return names;
  } finally {
    sfn.destroy();
  }
}

/** The names of the roles under the product's path in a member account, read through its bootstrap role. */
export async function providerRoleNames(cloud: CloudProcess, accountId: string): Promise<string[]> {
  const sts = new STSClient(clientConfig(cloud));
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`, RoleSessionName: 'durability-test' }),
  );
  sts.destroy();
  const iam = new IAMClient({
    endpoint: cloud.endpoint,
    region: REGION,
    credentials: { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken },
  });
  try {
    const { Roles = [] } = await iam.send(new ListRolesCommand({ PathPrefix: '/capa-providers/' }));
    return Roles.map((role) => role.RoleName!).sort();
  } finally {
    iam.destroy();
  }
}
