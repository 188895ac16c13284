// Rollout: a policy change reaching a fleet of N READY providers on the in-process local cloud. The
// stack is deployed as synthesized (the shipped CAPA policy), N providers are onboarded through the
// API (bench/support/fleet.ts), each provider's policy is given four older versions by hand (a fleet
// that has seen four policy changes, so every upgrade must delete one to stay within IAM's five),
// and the bootstrap role of one member account stops trusting the management account (10 providers
// that must fail). Then the same state directory is deployed from an assembly bundling another
// policy (test/fixtures/policies/capa-access-entries.json): the Custom::PolicyRollout resource
// starts the rollout, which is measured from its record (startedAt to endedAt) until it ends.
// Alone: node --import tsx bench/rollout.ts [--quick]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { CreatePolicyVersionCommand, IAMClient } from '@aws-sdk/client-iam';
import { startLocalCloud, type LocalCloud } from '../local/cloud.js';
import { signedFetch } from '../local/signed-fetch.js';
import { createManagementRole } from '../scripts/management-role.js';
import { synthesizeIfChanged } from '../scripts/synth.js';
import type { RolloutView } from '../functions/shared/domain/policy-rollout.js';
import { seedFleet } from './support/fleet.js';
import type { BenchOptions, BenchResult } from './support/result.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));
const FIXTURE = 'test/fixtures/policies/capa-access-entries.json';
const BOOTSTRAP_ROLE = 'OrganizationAccountAccessRole';
const PER_ACCOUNT = 10;
/** Older versions added to each provider's policy before the rollout (IAM keeps five). */
const OLDER_VERSIONS = 4;
const MAX_POLICY_VERSIONS = 5;
const TARGET_SECONDS_PER_1000 = 600;
const log = (line: string) => process.stderr.write(`[rollout] ${line}\n`);

function synthesizeFixtureAssembly(): string {
  const out = mkdtempSync(join(tmpdir(), 'bench-rollout-cdk-out-'));
  const cdk = createRequire(join(PROJECT_ROOT, 'package.json')).resolve('aws-cdk/bin/cdk');
  const synth = spawnSync(process.execPath, [cdk, 'synth', '--quiet', '-c', `capaPolicyFile=${FIXTURE}`, '-o', out], { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (synth.status !== 0) throw new Error(`cdk synth failed: ${synth.stdout}\n${synth.stderr}`);
  return out;
}

function startCloud(cdkOut: string, stateDir: string): Promise<LocalCloud> {
  return startLocalCloud({ port: 0, apiPort: 0, quiet: true, cdkOut, stateDir, propagationDelayMs: [0, 0], afterDeploy: createManagementRole });
}

/** IAM in a member account through its bootstrap role, as an administrator there would act. */
async function memberIam(cloud: LocalCloud, accountId: string): Promise<IAMClient> {
  const sts = new STSClient({ endpoint: cloud.endpoint, region: cloud.region, credentials: cloud.adminCredentials });
  const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/${BOOTSTRAP_ROLE}`, RoleSessionName: 'bench-rollout' }));
  sts.destroy();
  return new IAMClient({
    endpoint: cloud.endpoint,
    region: cloud.region,
    credentials: { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! },
  });
}

/** Four non-default versions (the current document again) on every CAPA policy of the accounts. */
async function addOlderVersions(cloud: LocalCloud, accountIds: string[]): Promise<void> {
  for (const accountId of accountIds) {
    const iam = await memberIam(cloud, accountId);
    for (const policy of cloud.iam.listPolicies(accountId)) {
      for (let n = 0; n < OLDER_VERSIONS; n += 1) {
        await iam.send(new CreatePolicyVersionCommand({ PolicyArn: policy.arn, PolicyDocument: JSON.stringify(policy.document), SetAsDefault: false }));
      }
    }
    iam.destroy();
  }
}

async function latestRollout(cloud: LocalCloud): Promise<RolloutView | undefined> {
  const response = await signedFetch(`${cloud.apiUrl}/fleet/rollouts/latest`, { method: 'GET' }, cloud.adminCredentials, cloud.region);
  return response.status === 200 ? (response.body as RolloutView) : undefined;
}

/** Polls (bounded) until the latest rollout is of `policyVersion` and has ended. */
async function endedRollout(cloud: LocalCloud, policyVersion: string, timeoutMs: number): Promise<RolloutView> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const rollout = await latestRollout(cloud);
    if (rollout?.policyVersion === policyVersion && rollout.status !== 'RUNNING') return rollout;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw new Error(`The rollout of ${policyVersion} did not end within ${timeoutMs / 1000} s`);
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const providers = options.quick ? 100 : 1_000;
  synthesizeIfChanged(PROJECT_ROOT);
  const fixtureOut = synthesizeFixtureAssembly();
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-rollout-state-'));
  let cloud: LocalCloud | undefined;
  try {
    cloud = await startCloud(join(PROJECT_ROOT, 'cdk.out'), stateDir);
    const shipped = await endedRollout(cloud, (await latestRollout(cloud))?.policyVersion ?? '', 60_000);
    const fleet = await seedFleet(cloud, providers, { workspace: 'rollout', perAccount: PER_ACCOUNT, concurrency: 20, log });
    log(`seeded ${providers} providers in ${fleet.seconds.toFixed(0)} s`);
    await addOlderVersions(cloud, fleet.accountIds);
    const broken = fleet.accountIds.at(-1)!;
    cloud.iam.updateAssumeRolePolicy(broken, BOOTSTRAP_ROLE, {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' }],
    });
    await cloud.close();
    cloud = undefined;

    const deployStarted = performance.now();
    cloud = await startCloud(fixtureOut, stateDir);
    const deploySeconds = (performance.now() - deployStarted) / 1000;
    const started = await latestRollout(cloud);
    if (started === undefined || started.policyVersion === shipped.policyVersion) throw new Error('The redeployment started no rollout');
    const ended = await endedRollout(cloud, started.policyVersion, 3_600_000);
    const seconds = (Date.parse(ended.endedAt!) - Date.parse(ended.startedAt)) / 1000;
    const versions = fleet.accountIds.flatMap((accountId) => cloud!.iam.listPolicies(accountId).map((policy) => policy.versions.length));
    const maxVersions = Math.max(...versions);
    const failing = Math.min(PER_ACCOUNT, providers - PER_ACCOUNT * (fleet.accountIds.length - 1));
    const tolerated = ended.tolerance?.toleratedFailures ?? 0;
    return {
      name: 'rollout',
      title: `Policy rollout to ${providers} providers (local cloud, concurrency ${20})`,
      rows: [
        { goal: 'rollout wall time', metric: `start to end, ${providers} providers`, measured: seconds, target: (TARGET_SECONDS_PER_1000 * providers) / 1000, unit: 's', better: 'lower' },
        { goal: 'rollout throughput', metric: 'providers per second', measured: providers / seconds, target: 1000 / TARGET_SECONDS_PER_1000, unit: '/s', better: 'higher' },
        { goal: 'every reachable provider upgraded', metric: 'upgraded', measured: ended.counts.upgraded, target: providers - failing, unit: 'providers', better: 'higher' },
        { goal: 'failures tolerated, not halted', metric: `failed (tolerance ${tolerated})`, measured: ended.counts.failed, target: tolerated, unit: 'providers', better: 'lower' },
        { goal: 'nothing skipped', metric: 'skipped', measured: ended.counts.skipped, target: 0, unit: 'providers', better: 'lower' },
        { goal: "IAM's version limit kept", metric: 'max versions left per policy', measured: maxVersions, target: MAX_POLICY_VERSIONS, unit: 'versions', better: 'lower' },
      ],
      samples: { providers, seedSeconds: fleet.seconds, deploySeconds, rollout: ended, versionsPerPolicy: versions.length, failingAccount: broken },
      notes: [
        `Every policy starts with ${1 + OLDER_VERSIONS} versions, so each upgrade deletes its oldest non-default version first.`,
        `One member account (${failing} providers) refuses the bootstrap role: those upgrades fail (BOOTSTRAP_ROLE_DENIED) within the tolerance of ${tolerated}.`,
        `Rollout status ${ended.status}${ended.haltReason ? ` (${ended.haltReason})` : ''}; propagation delay 0 (the rollout creates no role).`,
      ],
    };
  } finally {
    await cloud?.close({ drainMs: 0 });
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(fixtureOut, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === `file://${process.argv[1]}`) {
  const result = await run({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify(result, null, 2));
}
