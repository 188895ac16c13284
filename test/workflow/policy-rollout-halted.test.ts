// A rollout that meets more failures than it tolerates: eight READY providers, tolerance 25 % of
// the fleet (2 failures); the bootstrap role of the 3rd, 4th and 5th accounts (in the rollout's
// sorted order) no longer trusts the management account. Iterations run one at a time here, so
// which providers are upgraded, failed and skipped is deterministic.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { capaPolicyOf, SHIPPED_CAPA_POLICY } from '../../functions/shared/domain/capa-policy.js';
import type { PolicyDocument } from '../../functions/shared/domain/policy-documents.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/policies/capa-access-entries.json', import.meta.url));
const DEPLOYED = capaPolicyOf(JSON.parse(readFileSync(FIXTURE, 'utf8')) as PolicyDocument);
const suite = useWorkflowCloud({ deployedPolicyFile: FIXTURE, rolloutTolerance: { maxFailures: 10, maxFailurePercent: 25 } });
const NAMES = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8'];
const REFUSING = new Set(['p3', 'p4', 'p5']);

describe('halted policy rollout', () => {
  it('halts once failures exceed the tolerance, leaves the remaining providers untouched and says which threshold in Policy Rollout Halted', async () => {
    // Prepare
    const accounts = new Map<string, string>();
    for (const name of NAMES) {
      const accountId = await suite.cloud.createAccount();
      accounts.set(name, accountId);
      expect((await suite.cloud.onboard({ workspace: 'halt', name, accountId })).provider.status).toBe('READY');
    }
    for (const name of REFUSING) suite.cloud.refuseBootstrap(accounts.get(name)!);

    // Act
    const { answer, run } = await suite.cloud.rollout(DEPLOYED.version);

    // Assess
    expect({ status: run?.status, error: run?.error }).toEqual({ status: 'SUCCEEDED' });
    // p1, p2 upgraded; p3, p4 (tolerated), p5 (the third) failed; p6..p8 skipped without an upgrade attempt.
    expect(run?.invocations).toEqual({ 'Open Rollout': 1, 'List Rollout Page': 1, 'Admit Provider': 8, 'Upgrade Provider': 5, 'Record Upgrade': 2, 'Record Failure': 3, 'Close Rollout': 1 });
    expect(run?.statesEntered.filter((state) => state === 'Provider Skipped')).toHaveLength(3);
    expect(run?.output).toMatchObject({
      rolloutId: answer.rollout.rolloutId,
      status: 'HALTED',
      haltReason: 'FAILURE_PERCENT_EXCEEDED',
      total: 8,
      counts: { upgraded: 2, current: 0, movedOn: 0, failed: 3, skipped: 3 },
      tolerance: { maxFailures: 10, maxFailurePercent: 25, toleratedFailures: 2, bindingThreshold: 'percent' },
    });
    const failures = (run?.output as { failures: Array<{ providerId: string; error: string; reason: string }> }).failures;
    expect(failures.map((failure) => [failure.providerId, failure.error])).toEqual([
      ['halt.p3', 'PolicyUpgradeFailed'],
      ['halt.p4', 'PolicyUpgradeFailed'],
      ['halt.p5', 'PolicyUpgradeFailed'],
    ]);
    expect(failures[0]?.reason.startsWith('BOOTSTRAP_ROLE_DENIED')).toBe(true);
    for (const name of ['p1', 'p2']) expect((await suite.cloud.registry.get(`halt.${name}`))?.policyVersion).toBe(DEPLOYED.version);
    for (const name of ['p3', 'p4', 'p5', 'p6', 'p7', 'p8']) {
      expect((await suite.cloud.registry.get(`halt.${name}`))?.policyVersion).toBe(SHIPPED_CAPA_POLICY.version);
    }
    // Skipped means not touched: the policy keeps its one version, and no upgrade event.
    for (const name of ['p6', 'p7', 'p8']) {
      expect(suite.cloud.policies(accounts.get(name)!).map((policy) => policy.versions.length)).toEqual([1]);
      expect(suite.cloud.events(`halt.${name}`).map((event) => event['detail-type'])).toEqual(['Provider Ready']);
    }
    const closing = suite.cloud.rolloutEvents();
    expect(closing.map((event) => event['detail-type'])).toEqual(['Policy Rollout Halted']);
    expect(closing[0]?.detail).toMatchObject({
      rolloutId: answer.rollout.rolloutId,
      policyVersion: DEPLOYED.version,
      status: 'HALTED',
      haltReason: 'FAILURE_PERCENT_EXCEEDED',
      counts: { upgraded: 2, failed: 3, skipped: 3 },
      tolerance: { toleratedFailures: 2, bindingThreshold: 'percent' },
    });
  });

  // Continues from the halted rollout of the test above (same fleet, same cloud).
  it('resumes with a new start once the cause is fixed: the rest are upgraded, the upgraded ones are current', async () => {
    // Prepare
    for (const name of ['p3', 'p4', 'p5']) {
      const provider = await suite.cloud.registry.get(`halt.${name}`);
      suite.cloud.restoreBootstrap(provider!.accountId);
    }

    // Act
    const { answer, run } = await suite.cloud.rollout(DEPLOYED.version);

    // Assess
    expect(answer.outcome).toBe('started');
    expect(run?.output).toMatchObject({ status: 'COMPLETED', total: 8, counts: { upgraded: 6, current: 2, movedOn: 0, failed: 0, skipped: 0 } });
  });
});
