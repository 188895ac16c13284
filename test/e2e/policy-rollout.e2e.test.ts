// End to end: a deployment that changes the CAPA policy rolls it out by itself. The local cloud
// deploys the stack as synthesized (the shipped policy), three accounts are onboarded, then the
// same state directory is deployed again from an assembly bundling the access-entries fixture
// policy: CloudFormation's Update of the Custom::PolicyRollout resource starts a rollout, which
// moves every provider to the new version. The API then answers the rollout and has nothing to do.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedFetch } from '../../local/signed-fetch.js';
import { capaPolicyOf, SHIPPED_CAPA_POLICY } from '../../functions/shared/domain/capa-policy.js';
import type { PolicyDocument } from '../../functions/shared/domain/policy-documents.js';
import { api, CDK_OUT, clientConfig, ensureSynthesized, eventually, PROJECT_ROOT, startTestCloud, waitForProvider, type LocalCloud } from './support.js';

const FIXTURE = 'test/fixtures/policies/capa-access-entries.json';
const DEPLOYED = capaPolicyOf(JSON.parse(readFileSync(join(PROJECT_ROOT, FIXTURE), 'utf8')) as PolicyDocument);
let fixtureOut: string;
let stateDir: string;
let cloud: LocalCloud | undefined;

beforeAll(() => {
  ensureSynthesized();
  // The second deployment's assembly: the same app with another policy bundled (cdk synth -c capaPolicyFile=…).
  fixtureOut = mkdtempSync(join(tmpdir(), 'capa-rollout-cdk-out-'));
  const cdk = createRequire(join(PROJECT_ROOT, 'package.json')).resolve('aws-cdk/bin/cdk');
  const synth = spawnSync(process.execPath, [cdk, 'synth', '--quiet', '-c', `capaPolicyFile=${FIXTURE}`, '-o', fixtureOut], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (synth.status !== 0) throw new Error(`cdk synth failed: ${synth.stdout}\n${synth.stderr}`);
  stateDir = mkdtempSync(join(tmpdir(), 'capa-rollout-state-'));
}, 300_000);

afterAll(async () => {
  await cloud?.close({ drainMs: 0 });
  rmSync(fixtureOut, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
});

const fleetGet = (current: LocalCloud, path: string) => signedFetch(`${current.apiUrl}${path}`, { method: 'GET' }, current.adminCredentials, current.region);
const fleetPost = (current: LocalCloud, path: string) => signedFetch(`${current.apiUrl}${path}`, { method: 'POST' }, current.adminCredentials, current.region);

/** The latest rollout once it has ended. */
function endedRollout(current: LocalCloud, policyVersion: string) {
  return eventually(`the rollout of ${policyVersion} to end`, async () => {
    const response = await fleetGet(current, '/fleet/rollouts/latest');
    const body = response.body as { policyVersion?: string; status?: string } | undefined;
    return response.status === 200 && body?.policyVersion === policyVersion && body.status !== 'RUNNING' ? (response.body as Record<string, unknown>) : undefined;
  }, 120_000);
}

async function readyProvider(current: LocalCloud, name: string): Promise<void> {
  const organizations = new OrganizationsClient(clientConfig(current));
  const { CreateAccountStatus } = await organizations.send(new CreateAccountCommand({ AccountName: `rollout-${name}`, Email: `rollout-${name}@example.com` }));
  const accountId = CreateAccountStatus!.AccountId!;
  expect((await api(current).post({ workspace: 'rollout', name, accountId })).status).toBe(202);
  expect((await waitForProvider(current, `rollout.${name}`)).status).toBe('READY');
  // The account's new-account event onboards it into the default workspace too: part of the fleet.
  expect((await waitForProvider(current, `default.aws-${accountId}`)).status).toBe('READY');
}

describe('policy rollout after a deployment', () => {
  it('starts by itself when a redeployment changes the policy and upgrades every provider', async () => {
    // Prepare
    cloud = await startTestCloud({ propagationDelayMs: [0, 0], retryIntervalScale: 0.05, stateDir, cdkOut: CDK_OUT });
    const first = await endedRollout(cloud, SHIPPED_CAPA_POLICY.version);
    for (const name of ['one', 'two', 'three']) await readyProvider(cloud, name);
    await cloud.close();
    cloud = undefined;

    // Act
    cloud = await startTestCloud({ propagationDelayMs: [0, 0], retryIntervalScale: 0.05, stateDir, cdkOut: fixtureOut });
    const second = await endedRollout(cloud, DEPLOYED.version);
    const again = await fleetPost(cloud, '/fleet/rollouts');

    // Assess
    expect(first).toMatchObject({ trigger: 'deploy', status: 'COMPLETED', total: 0 });
    expect(second).toMatchObject({
      trigger: 'deploy',
      status: 'COMPLETED',
      total: 6,
      counts: { upgraded: 6, current: 0, movedOn: 0, failed: 0, skipped: 0 },
    });
    for (const name of ['one', 'two', 'three']) expect((await api(cloud).get(`rollout.${name}`)).body).toMatchObject({ status: 'READY', policyVersion: DEPLOYED.version });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ rolloutId: second.rolloutId, status: 'COMPLETED' });
    const byId = await fleetGet(cloud, `/fleet/rollouts/${String(second.rolloutId)}`);
    expect(byId.status).toBe(200);
    expect((await fleetGet(cloud, '/fleet/rollouts/rollout-00000000-20260101T000000000Z')).status).toBe(404);
  });
});
