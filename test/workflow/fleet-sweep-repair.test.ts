// autoRepair on: the sweep starts the repair (the next onboarding attempt, as a POST would) of
// the provider it found DEGRADED, and leaves the healthy one alone.
import { DetachRolePolicyCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud({ autoRepair: true });

describe('fleet sweep with autoRepair', () => {
  it('starts the next onboarding attempt of the provider it found DEGRADED, in the same sweep', async () => {
    // Prepare
    const healthy = await suite.cloud.onboard({ workspace: 'repair', name: 'healthy', accountId: await suite.cloud.createAccount() });
    const accountId = await suite.cloud.createAccount();
    const drifted = await suite.cloud.onboard({ workspace: 'repair', name: 'drifted', accountId });
    expect([healthy.provider.status, drifted.provider.status]).toEqual(['READY', 'READY']);
    const iam = await suite.cloud.bootstrapSession(accountId);
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'capa-repair-drifted', PolicyArn: `arn:aws:iam::${accountId}:policy/capa-providers/capa-repair-drifted-capa-1` }));

    // Act
    const run = await suite.cloud.sweep();

    // Assess
    expect({ status: run.status, error: run.error }).toEqual({ status: 'SUCCEEDED' });
    expect(run.invocations).toEqual({ 'List Fleet Page': 1, 'Check Provider': 2, 'Record Verification': 2, 'Repair Provider': 1, 'Tally Page': 1, 'Record Sweep': 1 });
    expect(run.output).toMatchObject({ providers: 2, byStatus: { READY: 1, DEGRADED: 1 }, byReason: { POLICY_DETACHED: 1 }, repairsStarted: 1, autoRepair: true });
    expect(await suite.cloud.registry.get('repair.drifted')).toMatchObject({ status: 'PENDING', attempt: 2, executionName: 'repair_drifted_2' });
    expect(await suite.cloud.registry.get('repair.healthy')).toMatchObject({ status: 'READY', attempt: 1 });
  });
});
