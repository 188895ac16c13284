// Onboarding through the REST API on an in-process local cloud, timed from the POST to READY, with
// the execution's cost read from its history (what a benchmark sees as a client).
import { performance } from 'node:perf_hooks';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, type HistoryEvent } from '@aws-sdk/client-sfn';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '../../local/cloud.js';
import { signedFetch } from '../../local/signed-fetch.js';
import { createManagementRole } from '../../scripts/management-role.js';

export interface Onboarding {
  /** POST sent → the first GET that reports READY (client side, within one poll interval). */
  seconds: number;
  /** POST sent → READY recorded in the registry (the provider's updatedAt). */
  recordedSeconds: number;
  /** When the POST was sent (epoch ms). */
  postedAt: number;
  /** State transitions as Step Functions bills them: states entered plus task retries. */
  transitions: number;
  /** Lambda tasks scheduled by the execution (retries included). */
  invocations: number;
  accountId: string;
  roleArn: string;
  executionArn: string;
}

interface ProviderAnswer {
  status: string;
  executionArn: string;
  roleArn: string;
  updatedAt: string;
  reason?: string;
}

const DEADLINE_MS = 10 * 60_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function startBenchCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  return startLocalCloud({ port: 0, apiPort: 0, quiet: true, afterDeploy: createManagementRole, ...options });
}

/**
 * Onboards a fresh invited account as `<workspace>.<name>` and waits for READY and the execution's
 * end; the API is asked every `pollMs` (each GET is a Lambda invocation of the local cloud).
 */
export async function onboard(cloud: LocalCloud, workspace: string, name: string, pollMs = 25): Promise<Onboarding> {
  const { accountId } = cloud.iam.inviteAccount(`${workspace}-${name}`, `${workspace}-${name}-${Date.now()}@example.com`);
  const call = (path: string, init: Parameters<typeof signedFetch>[1] = {}) =>
    signedFetch(`${cloud.apiUrl}${path}`, init, cloud.adminCredentials, cloud.region);
  const postedAt = Date.now();
  const started = performance.now();
  const accepted = await call(`/workspaces/${workspace}/providers`, { method: 'POST', body: { name, accountId } });
  if (accepted.status !== 202) throw new Error(`POST ${name} answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
  let provider: ProviderAnswer;
  for (;;) {
    provider = (await call(`/workspaces/${workspace}/providers/${name}`)).body as ProviderAnswer;
    if (provider.status === 'READY' || provider.status === 'FAILED') break;
    if (performance.now() - started > DEADLINE_MS) throw new Error(`${workspace}.${name} not READY after ${DEADLINE_MS / 1000} s`);
    await sleep(pollMs);
  }
  const seconds = (performance.now() - started) / 1000;
  if (provider.status !== 'READY') throw new Error(`${workspace}.${name} ended ${provider.status}: ${provider.reason ?? ''}`);
  return {
    seconds,
    recordedSeconds: (Date.parse(provider.updatedAt) - postedAt) / 1000,
    postedAt,
    ...(await executionCost(cloud, provider.executionArn)),
    accountId,
    roleArn: provider.roleArn,
    executionArn: provider.executionArn,
  };
}

/** Billed state transitions and Lambda tasks scheduled, once the execution has ended (READY is recorded one step before). */
async function executionCost(cloud: LocalCloud, executionArn: string): Promise<{ transitions: number; invocations: number }> {
  const sfn = new SFNClient({ endpoint: cloud.endpoint, region: cloud.region, credentials: cloud.adminCredentials });
  try {
    const deadline = performance.now() + 60_000;
    while ((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status === 'RUNNING') {
      if (performance.now() > deadline) throw new Error(`${executionArn} still running 60 s after READY`);
      await sleep(20);
    }
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const count = (predicate: (type: string) => boolean) => events.filter((event) => predicate(event.type ?? '')).length;
    const invocations = count((type) => type === 'LambdaFunctionScheduled');
    // Every Task here is a Lambda task: schedules beyond one per entry are retries, each a billed transition.
    const retries = invocations - count((type) => type === 'TaskStateEntered');
    return { transitions: count((type) => type.endsWith('StateEntered')) + retries, invocations };
  } finally {
    sfn.destroy();
  }
}
