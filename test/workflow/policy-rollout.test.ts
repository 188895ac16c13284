// The real rollout-policy ASL with the real open-rollout, rollout-progress and close-rollout
// handlers and the upgrade function's adapter, against the local cloud's IAM, STS, EventBridge and
// DynamoDB: a deployment bundling the access-entries fixture policy rolls it out to a fleet of
// five READY providers onboarded with the shipped policy.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LATEST_ROLLOUT_KEY, rolloutKey } from '../../functions/shared/domain/policy-rollout.js';
import { capaPolicyOf, SHIPPED_CAPA_POLICY } from '../../functions/shared/domain/capa-policy.js';
import type { PolicyDocument } from '../../functions/shared/domain/policy-documents.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/policies/capa-access-entries.json', import.meta.url));
const DEPLOYED = capaPolicyOf(JSON.parse(readFileSync(FIXTURE, 'utf8')) as PolicyDocument);
const suite = useWorkflowCloud({ deployedPolicyFile: FIXTURE });
const NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];

describe('policy rollout', () => {
  it('upgrades every READY provider, counts them on the record, closes COMPLETED and announces Policy Rollout Completed', async () => {
    // Prepare
    const accounts: string[] = [];
    for (const name of NAMES) {
      const accountId = await suite.cloud.createAccount();
      accounts.push(accountId);
      expect((await suite.cloud.onboard({ workspace: 'fleet', name, accountId })).provider).toMatchObject({ status: 'READY', policyVersion: SHIPPED_CAPA_POLICY.version });
    }

    // Act
    const { answer, run } = await suite.cloud.rollout(DEPLOYED.version);

    // Assess
    expect(answer.outcome).toBe('started');
    expect({ status: run?.status, error: run?.error, cause: run?.cause }).toEqual({ status: 'SUCCEEDED' });
    expect(run?.invocations).toEqual({ 'Open Rollout': 1, 'List Rollout Page': 1, 'Admit Provider': 5, 'Upgrade Provider': 5, 'Record Upgrade': 5, 'Close Rollout': 1 });
    expect(run?.output).toMatchObject({
      rolloutId: answer.rollout.rolloutId,
      policyVersion: DEPLOYED.version,
      status: 'COMPLETED',
      total: 5,
      counts: { upgraded: 5, current: 0, movedOn: 0, failed: 0, skipped: 0 },
      tolerance: { maxFailures: 10, maxFailurePercent: 10, toleratedFailures: 0, bindingThreshold: 'percent' },
      haltReason: null,
      failures: [],
    });
    for (const name of NAMES) {
      expect(await suite.cloud.registry.get(`fleet.${name}`)).toMatchObject({ status: 'READY', policyVersion: DEPLOYED.version });
    }
    expect(suite.cloud.policies(accounts[0]!).map((policy) => policy.document)).toEqual(DEPLOYED.parts);
    expect(suite.cloud.events('fleet.alpha').map((event) => event['detail-type'])).toEqual(['Provider Ready', 'Provider Policy Upgraded']);
    expect(await suite.cloud.registry.get(rolloutKey(answer.rollout.rolloutId))).toMatchObject({ rolloutStatus: 'COMPLETED', upgraded: 5 });
    expect(await suite.cloud.registry.get(LATEST_ROLLOUT_KEY)).toMatchObject({ rolloutId: answer.rollout.rolloutId, rolloutStatus: 'COMPLETED' });
    const closing = suite.cloud.rolloutEvents();
    expect(closing.map((event) => event['detail-type'])).toEqual(['Policy Rollout Completed']);
    expect(closing[0]?.resources).toEqual([`arn:aws:states:us-east-1:000000000000:execution:RolloutPolicy:${answer.rollout.rolloutId}`]);
    expect(closing[0]?.detail).toMatchObject({ rolloutId: answer.rollout.rolloutId, status: 'COMPLETED', counts: { upgraded: 5, failed: 0, skipped: 0 } });
  });

  it('answers a second start for the version the fleet is on with the completed rollout, starting nothing', async () => {
    // Act
    const { answer, run } = await suite.cloud.rollout(DEPLOYED.version);

    // Assess
    expect(answer).toMatchObject({ outcome: 'current', rollout: { rolloutStatus: 'COMPLETED', upgraded: 5 } });
    expect(run).toBeUndefined();
  });
});
