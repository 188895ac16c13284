// End to end: the reconcile on the synthesized stack. An account that joins the organization by
// invitation announces nothing (no CreateAccountResult), so no new-account event onboards it; the
// next sweep's first state finds it, onboards it into the default workspace, and
// GET /fleet/sweeps/latest says so. A second sweep starts nothing more.
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedFetch } from '../../local/signed-fetch.js';
import { clientConfig, ensureSynthesized, eventually, startTestCloud, waitForProvider, type LocalCloud } from './support.js';

let cloud: LocalCloud;

beforeAll(async () => {
  ensureSynthesized();
  cloud = await startTestCloud({ propagationDelayMs: [0, 0], retryIntervalScale: 0.05 });
}, 180_000);

afterAll(async () => {
  await cloud?.close();
});

function sweepStateMachineArn(): string {
  const machine = Object.values(cloud.stack.resources).find(
    (resource) => resource.type === 'AWS::StepFunctions::StateMachine' && resource.logicalId.startsWith('FleetSweep'),
  );
  if (!machine?.arn) throw new Error('The stack has no sweep state machine');
  return machine.arn;
}

async function sweep(): Promise<{ status?: string; reconciliation: Record<string, unknown> }> {
  const sfn = new SFNClient(clientConfig(cloud));
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: sweepStateMachineArn(), input: '{}' }));
  const ended = await eventually('the sweep execution to end', async () => {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return execution.status === 'RUNNING' ? undefined : execution;
  }, 60_000);
  const latest = await signedFetch(`${cloud.apiUrl}/fleet/sweeps/latest`, { method: 'GET' }, cloud.adminCredentials, cloud.region);
  expect(latest.status).toBe(200);
  return { status: ended.status, reconciliation: (latest.body as { reconciliation: Record<string, unknown> }).reconciliation };
}

describe('reconcile on the local cloud', () => {
  it('onboards an invited account no event announced, once, and reports it in the latest sweep', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('invited-member', `invited-member-${Date.now()}@example.com`);

    // Act
    const first = await sweep();
    const provider = await waitForProvider(cloud, `default.aws-${accountId}`);
    const second = await sweep();

    // Assess
    expect(first.status).toBe('SUCCEEDED');
    expect(first.reconciliation).toMatchObject({ status: 'completed', onboardingStarted: [accountId], onboardingDeferred: 0, departures: [], errors: [] });
    expect(provider).toMatchObject({ status: 'READY', accountId, workspace: 'default', name: `aws-${accountId}` });
    expect(second.reconciliation).toMatchObject({ status: 'completed', onboardingStarted: [], alreadyOnboarded: 1 });
  }, 180_000);
});
