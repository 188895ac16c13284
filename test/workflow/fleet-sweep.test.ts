// The real sweep-fleet ASL with the real list-fleet, check-provider, record-verification and
// record-sweep handlers against the local cloud's IAM, STS, EventBridge and DynamoDB: a fleet of
// five READY providers, one of whose CAPA policy was detached by hand.
import { DetachRolePolicyCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { LATEST_SWEEP_KEY } from '../../functions/shared/domain/fleet-sweep.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud();
const NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];

describe('fleet sweep', () => {
  it('re-verifies every READY provider, records the drifted one DEGRADED and summarises the fleet by status and reason', async () => {
    // Prepare
    for (const name of NAMES) {
      const accountId = await suite.cloud.createAccount();
      const onboarded = await suite.cloud.onboard({ workspace: 'fleet', name, accountId });
      expect(onboarded.provider.status).toBe('READY');
      if (name === 'charlie') {
        const iam = await suite.cloud.bootstrapSession(accountId);
        await iam.send(
          new DetachRolePolicyCommand({ RoleName: 'capa-fleet-charlie', PolicyArn: `arn:aws:iam::${accountId}:policy/capa-providers/capa-fleet-charlie-capa-1` }),
        );
      }
    }

    // Act
    const run = await suite.cloud.sweep();

    // Assess
    expect({ status: run.status, error: run.error, cause: run.cause }).toEqual({ status: 'SUCCEEDED' });
    // One page (five providers, page size 500): one listing and one tally, then the record.
    expect(run.invocations).toEqual({ 'List Fleet Page': 1, 'Check Provider': 5, 'Record Verification': 5, 'Tally Page': 1, 'Record Sweep': 1 });
    expect(run.output).toMatchObject({
      providers: 5,
      byStatus: { READY: 4, DEGRADED: 1 },
      byReason: { POLICY_DETACHED: 1 },
      movedOn: 0,
      failed: 0,
      repairsStarted: 0,
      changed: 1,
      autoRepair: false,
    });
    const charlie = await suite.cloud.registry.get('fleet.charlie');
    expect(charlie).toMatchObject({ status: 'DEGRADED', reason: 'POLICY_DETACHED' });
    expect((await suite.cloud.registry.get('fleet.alpha'))?.status).toBe('READY');
    expect(suite.cloud.events('fleet.charlie').map((event) => event['detail-type'])).toEqual(['Provider Ready', 'Provider Degraded']);
    const stored = await suite.cloud.registry.get(LATEST_SWEEP_KEY);
    expect(stored).toMatchObject({ providers: 5, byStatus: { READY: 4, DEGRADED: 1 }, byReason: { POLICY_DETACHED: 1 } });
    // Start Sweep, List Fleet Page, Verify Page, Tally Page, More Pages?, Record Sweep, Swept, and
    // per provider: Check Provider, Still Verifiable?, Record Verification, Repair?, Provider Verified.
    expect(run.statesEntered.filter((state) => state === 'Provider Verified')).toHaveLength(5);
    expect(run.statesEntered).toHaveLength(7 + 5 * 5);
  });
});
