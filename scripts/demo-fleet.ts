// `npm run demo`, the fleet act: a Control Tower landing zone with two OUs, 50 accounts created
// through Account Factory and placed into two workspaces by the new-account rules, then a day in
// the fleet's life: one provider's role drifts and one account is closed; a sweep reconciles the
// organization and re-verifies every provider, repairing the drifted one; a redeployment ships a
// larger CAPA policy and rolls it out to every provider by itself.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CloseAccountCommand, CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ProviderView } from '../functions/shared/domain/provider-view.js';
import { SWEEP_DEFAULTS } from '../lib/sweep-config.js';
import { startLocalCloud, type LocalCloud } from '../local/cloud.js';
import { signedFetch } from '../local/signed-fetch.js';
import { createManagementRole } from './management-role.js';
import { PROJECT_ROOT } from './synth.js';

const WORKSPACES = { Payments: 'payments', Search: 'search' } as const;
const ACCOUNTS_PER_OU = 25;
/** The policy the redeployment ships: CAPA's minimal policy plus the EKS access-entry actions. */
const UPGRADED_POLICY = 'test/fixtures/policies/capa-access-entries.json';
/** Shorter than the default 2-5 s, so the act's 50 onboardings finish in well under a minute. */
const PROPAGATION_DELAY_MS: [number, number] = [500, 1_500];
const WAIT_MS = 240_000;

function clientConfig(cloud: LocalCloud) {
  return { endpoint: cloud.endpoint, region: cloud.region, credentials: cloud.adminCredentials };
}

async function get<T>(cloud: LocalCloud, path: string): Promise<{ status: number; body: T }> {
  const response = await signedFetch(`${cloud.apiUrl}${path}`, {}, cloud.adminCredentials, cloud.region);
  return { status: response.status, body: response.body as T };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Every provider of a workspace, deleted ones included (the API's pages). */
async function providersOf(cloud: LocalCloud, workspace: string): Promise<ProviderView[]> {
  const providers: ProviderView[] = [];
  let nextToken: string | null = null;
  do {
    const query: string = `limit=100&includeDeleted=true${nextToken !== null ? `&nextToken=${encodeURIComponent(nextToken)}` : ''}`;
    const page: { body: { items: ProviderView[]; nextToken: string | null } } = await get(cloud, `/workspaces/${workspace}/providers?${query}`);
    providers.push(...page.body.items);
    nextToken = page.body.nextToken;
  } while (nextToken !== null);
  return providers;
}

async function fleet(cloud: LocalCloud): Promise<ProviderView[]> {
  return (await Promise.all(Object.values(WORKSPACES).map((workspace) => providersOf(cloud, workspace)))).flat();
}

function countBy(providers: ProviderView[], key: (provider: ProviderView) => string): string {
  const counts = new Map<string, number>();
  for (const provider of providers) counts.set(key(provider), (counts.get(key(provider)) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([value, count]) => `${value} ${count}`).join(', ');
}

function startFleetCloud(stateDir: string, cdkOut?: string): Promise<LocalCloud> {
  return startLocalCloud({
    port: 0,
    apiPort: 0,
    quiet: true,
    stateDir,
    ...(cdkOut !== undefined ? { cdkOut } : {}),
    propagationDelayMs: PROPAGATION_DELAY_MS,
    // The sweep paces each check (sweepChecksPerSecond) and runs sweepConcurrency of them at once,
    // as many check-provider invocations as AWS's Lambda would run.
    lambdaConcurrency: SWEEP_DEFAULTS.sweepConcurrency,
    controlTower: { organizationalUnits: Object.keys(WORKSPACES), defaultOrganizationalUnit: 'Payments' },
    // The deployment's newAccountRules and autoRepair, given to the functions directly so the act
    // runs on the stack as synthesized.
    functionEnvironment: {
      NEW_ACCOUNT_RULES: JSON.stringify(Object.entries(WORKSPACES).map(([ou, workspace]) => ({ ouPath: ou, workspace }))),
      AUTO_REPAIR: 'true',
    },
    afterDeploy: createManagementRole,
  });
}

/** 25 accounts in each OU through Account Factory; their CreateManagedAccount events onboard them. */
async function createAccounts(cloud: LocalCloud): Promise<void> {
  const organizations = new OrganizationsClient(clientConfig(cloud));
  const started = performance.now();
  for (const ou of Object.keys(WORKSPACES)) {
    for (let index = 1; index <= ACCOUNTS_PER_OU; index += 1) {
      const name = `${ou.toLowerCase()}-${String(index).padStart(2, '0')}`;
      await organizations.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com`, Tags: [{ Key: 'ManagedOrganizationalUnit', Value: ou }] }));
    }
  }
  console.log(`   ${2 * ACCOUNTS_PER_OU} accounts created (tag ManagedOrganizationalUnit = Payments or Search)`);
  const providers = await until('50 READY providers', async () => {
    const all = await fleet(cloud);
    return all.length === 2 * ACCOUNTS_PER_OU && all.every((provider) => provider.status === 'READY' || provider.status === 'FAILED') ? all : undefined;
  });
  console.log(`   ${countBy(providers, (provider) => `${provider.workspace}: ${provider.status}`)}  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

/** Someone detaches a CAPA policy by hand from one role; one account is closed. */
async function dayInTheFleet(cloud: LocalCloud): Promise<{ drifted: ProviderView; closed: ProviderView }> {
  const [drifted, closed] = (await providersOf(cloud, 'search')).slice(0, 2) as [ProviderView, ProviderView];
  const roleName = drifted.roleName;
  const policy = cloud.iam.listPolicies(drifted.accountId).find((candidate) => candidate.policyName === `${roleName}-capa-1`)!;
  cloud.iam.detachRolePolicy(drifted.accountId, roleName, policy.arn);
  console.log(`   drift: ${policy.policyName} detached by hand from ${roleName} (${drifted.providerId})`);
  await new OrganizationsClient(clientConfig(cloud)).send(new CloseAccountCommand({ AccountId: closed.accountId }));
  console.log(`   organizations close-account ${closed.accountId} (${closed.providerId})`);
  const removed = await until('the closed account\'s provider', async () => {
    const view = (await get<ProviderView>(cloud, `/workspaces/search/providers/${closed.name}`)).body;
    return view.status === 'ACCOUNT_REMOVED' ? view : undefined;
  });
  console.log(`   ${removed.providerId} → ${removed.status} (from the CloudTrail event of CloseAccount)`);
  return { drifted, closed };
}

function sweepStateMachineArn(cloud: LocalCloud): string {
  const machine = Object.values(cloud.stack.resources).find((resource) => resource.type === 'AWS::StepFunctions::StateMachine' && resource.logicalId.startsWith('FleetSweep'));
  return machine!.arn!;
}

/** The scheduled sweep, run now: reconcile, re-verify every provider, repair the drifted one. */
async function sweep(cloud: LocalCloud, drifted: ProviderView): Promise<void> {
  const sfn = new SFNClient(clientConfig(cloud));
  const started = performance.now();
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: sweepStateMachineArn(cloud), input: '{}' }));
  await until('the sweep', async () => ((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status === 'RUNNING' ? undefined : true));
  const summary = (await get<Record<string, unknown>>(cloud, '/fleet/sweeps/latest')).body;
  const reconciliation = summary.reconciliation as { accountsSeen?: number; onboardingStarted?: string[] } | undefined;
  console.log(`   sweep ${String(summary.sweepId)}: ${String(summary.providers)} providers, byStatus ${JSON.stringify(summary.byStatus)}, byReason ${JSON.stringify(summary.byReason)}, repairs started ${String(summary.repairsStarted)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  console.log(`   reconcile: ${String(reconciliation?.accountsSeen)} accounts seen, ${reconciliation?.onboardingStarted?.length ?? 0} onboarding(s) started (no event was missed)`);
  const repaired = await until('the repair', async () => {
    const view = (await get<ProviderView>(cloud, `/workspaces/search/providers/${drifted.name}`)).body;
    return view.status === 'READY' && view.attempt > drifted.attempt ? view : undefined;
  });
  console.log(`   ${repaired.providerId}: DEGRADED (POLICY_DETACHED) → repaired by attempt ${repaired.attempt} → ${repaired.status}`);
}

/** `cdk synth -c capaPolicyFile=…` into a directory of its own: the next release's assembly. */
function synthesizeUpgrade(): string {
  const out = mkdtempSync(join(tmpdir(), 'capa-demo-upgrade-'));
  const cdk = createRequire(join(PROJECT_ROOT, 'package.json')).resolve('aws-cdk/bin/cdk');
  const result = spawnSync(process.execPath, [cdk, 'synth', '--quiet', '-c', `capaPolicyFile=${UPGRADED_POLICY}`, '-o', out], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CDK_VALIDATION: 'false' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`cdk synth failed: ${result.stdout}\n${result.stderr}`);
  return out;
}

async function rollout(cloud: LocalCloud): Promise<void> {
  const started = performance.now();
  const ended = await until('the rollout', async () => {
    const latest = await get<{ status?: string; policyVersion?: string }>(cloud, '/fleet/rollouts/latest');
    return latest.status === 200 && latest.body.status !== 'RUNNING' && latest.body.policyVersion !== undefined ? (latest.body as Record<string, unknown>) : undefined;
  });
  console.log(`   rollout ${String(ended.rolloutId ?? ended.id)}: ${String(ended.status)}, counts ${JSON.stringify(ended.counts)} (${((performance.now() - started) / 1000).toFixed(1)} s after the deployment)`);
  const providers = await fleet(cloud);
  console.log(`   policy versions: ${countBy(providers.filter((provider) => provider.status === 'READY'), (provider) => provider.policyVersion?.slice(0, 19) ?? 'none')}`);
}

export async function fleetAct(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'capa-demo-fleet-'));
  let upgradeOut: string | undefined;
  let cloud: LocalCloud | undefined;
  try {
    console.log('\nFleet act: a Control Tower landing zone (OUs Payments and Search), newAccountRules');
    console.log('  [{"ouPath":"Payments","workspace":"payments"},{"ouPath":"Search","workspace":"search"}], autoRepair on\n');
    cloud = await startFleetCloud(stateDir);
    console.log('4. Account Factory creates 50 accounts; the rules place them by OU');
    await createAccounts(cloud);
    console.log('5. A day in the fleet: a role drifts, an account is closed');
    const { drifted } = await dayInTheFleet(cloud);
    console.log('6. The health sweep (scheduled every 6 hours; started now)');
    await sweep(cloud, drifted);
    await cloud.close();
    cloud = undefined;
    console.log(`7. A release ships a larger CAPA policy (${UPGRADED_POLICY}): synthesized, then deployed over the same state`);
    upgradeOut = synthesizeUpgrade();
    cloud = await startFleetCloud(stateDir, upgradeOut);
    await rollout(cloud);
  } finally {
    await cloud?.close();
    rmSync(stateDir, { recursive: true, force: true });
    if (upgradeOut !== undefined) rmSync(upgradeOut, { recursive: true, force: true });
  }
}
