// The policy upgrade's decisions before any AWS call, and how the rollout reads its failures back.
import { describe, expect, it } from 'vitest';
import { capaPolicyName, capaPolicyPartIndex } from '../../../../functions/shared/domain/capa-policy.js';
import { planUpgrade, policyUpgradeFailureOf, PolicyUpgradeFailed } from '../../../../functions/shared/domain/policy-upgrade.js';
import { providerRecord } from '../../../support/provider-records.js';

const input = { rollout: { id: 'rollout-1', policyVersion: 'sha256:bbbbbbbbbbbbbbbb' }, provider: { providerId: 'payments.dev' } };

describe('planUpgrade', () => {
  it('upgrades a READY or DEGRADED provider on another version', () => {
    // Prepare
    const ready = providerRecord({ policyVersion: 'sha256:aaaaaaaaaaaaaaaa' });
    const degraded = providerRecord({ status: 'DEGRADED', reason: 'POLICY_DRIFTED' });

    // Act
    const plans = [planUpgrade(ready, input, 'sha256:bbbbbbbbbbbbbbbb'), planUpgrade(degraded, input, 'sha256:bbbbbbbbbbbbbbbb')];

    // Assess
    expect(plans.map((plan) => plan.action)).toEqual(['upgrade', 'upgrade']);
  });

  it.each(['PENDING', 'CREATING', 'VERIFYING', 'FAILED', 'DELETING', 'DELETED', 'ACCOUNT_REMOVED'] as const)('skips a %s provider as MOVED_ON', (status) => {
    // Prepare
    const record = providerRecord({ status, policyVersion: 'sha256:aaaaaaaaaaaaaaaa' });

    // Act
    const plan = planUpgrade(record, input, 'sha256:bbbbbbbbbbbbbbbb');

    // Assess
    expect(plan).toEqual({
      action: 'skip',
      result: { providerId: 'payments.dev', outcome: 'MOVED_ON', fromPolicyVersion: 'sha256:aaaaaaaaaaaaaaaa', policyVersion: 'sha256:bbbbbbbbbbbbbbbb' },
    });
  });

  it('skips a provider on the version as CURRENT, unless this rollout moved it there: then it announces again', () => {
    // Prepare
    const current = providerRecord({ policyVersion: 'sha256:bbbbbbbbbbbbbbbb' });
    const upgrade = { rolloutId: 'rollout-1', fromPolicyVersion: 'sha256:aaaaaaaaaaaaaaaa', policyVersion: 'sha256:bbbbbbbbbbbbbbbb', upgradedAt: '2026-11-29T10:00:00.000Z' };
    const movedByThisRollout = providerRecord({ policyVersion: 'sha256:bbbbbbbbbbbbbbbb', lastPolicyUpgrade: upgrade });

    // Act
    const plans = [planUpgrade(current, input, 'sha256:bbbbbbbbbbbbbbbb'), planUpgrade(movedByThisRollout, input, 'sha256:bbbbbbbbbbbbbbbb')];

    // Assess
    expect(plans).toEqual([
      { action: 'skip', result: { providerId: 'payments.dev', outcome: 'CURRENT', fromPolicyVersion: 'sha256:bbbbbbbbbbbbbbbb', policyVersion: 'sha256:bbbbbbbbbbbbbbbb' } },
      {
        action: 'announce',
        record: movedByThisRollout,
        upgrade,
        result: { providerId: 'payments.dev', outcome: 'UPGRADED', fromPolicyVersion: 'sha256:aaaaaaaaaaaaaaaa', policyVersion: 'sha256:bbbbbbbbbbbbbbbb' },
      },
    ]);
  });
});

describe('policyUpgradeFailureOf', () => {
  it('reads the reason and message back from a Step Functions error whose Cause is the Lambda error', () => {
    // Prepare
    const error = new PolicyUpgradeFailed('POLICY_LIMIT_EXCEEDED', 'role r would hold 11 managed policies');
    const caught = { Error: error.name, Cause: JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: [] }) };

    // Act
    const failure = policyUpgradeFailureOf(caught);

    // Assess
    expect(failure).toEqual({ reason: 'POLICY_LIMIT_EXCEEDED', message: 'POLICY_LIMIT_EXCEEDED: role r would hold 11 managed policies' });
  });

  it('answers undefined for any other error, and for a message without a known reason', () => {
    // Prepare
    const others = [{ Error: 'TransientAwsError', Cause: '{"errorMessage":"Rate exceeded"}' }, { Error: 'PolicyUpgradeFailed', Cause: 'SOMETHING: else' }];

    // Act
    const failures = others.map(policyUpgradeFailureOf);

    // Assess
    expect(failures).toEqual([undefined, undefined]);
  });
});

describe('capaPolicyPartIndex', () => {
  it('reads the part index back from the names capaPolicyName gives, and nothing from other names', () => {
    // Prepare
    const names = [capaPolicyName('capa-payments-dev', 0), capaPolicyName('capa-payments-dev', 9), 'capa-payments-dev-capa-0', 'capa-payments-dev-capa-x', 'capa-payments-other-capa-1'];

    // Act
    const indexes = names.map((name) => capaPolicyPartIndex('capa-payments-dev', name));

    // Assess
    expect(indexes).toEqual([0, 9, undefined, undefined, undefined]);
  });
});
