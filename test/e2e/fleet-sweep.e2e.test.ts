// End to end: the fleet sweep on the synthesized stack. The sweep state machine is started with
// the AWS SDK (the "run now" of the scheduled sweep), then GET /fleet/sweeps/latest answers its
// summary; its history shows each provider's result inside the Map state.
import { DetachRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedFetch } from '../../local/signed-fetch.js';
import { api, clientConfig, ensureSynthesized, eventually, memberIam, startTestCloud, waitForProvider, type LocalCloud } from './support.js';

let cloud: LocalCloud;

beforeAll(async () => {
  ensureSynthesized();
  cloud = await startTestCloud({ propagationDelayMs: [0, 0], retryIntervalScale: 0.05 });
}, 180_000);

afterAll(async () => {
  await cloud?.close();
});

const latestSweep = () => signedFetch(`${cloud.apiUrl}/fleet/sweeps/latest`, { method: 'GET' }, cloud.adminCredentials, cloud.region);

function sweepStateMachineArn(): string {
  const machine = Object.values(cloud.stack.resources).find(
    (resource) => resource.type === 'AWS::StepFunctions::StateMachine' && resource.logicalId.startsWith('FleetSweep'),
  );
  if (!machine?.arn) throw new Error('The stack has no sweep state machine');
  return machine.arn;
}

async function readyProvider(name: string): Promise<string> {
  const organizations = new OrganizationsClient(clientConfig(cloud));
  const { CreateAccountStatus } = await organizations.send(new CreateAccountCommand({ AccountName: `sweep-${name}`, Email: `sweep-${name}@example.com` }));
  const accountId = CreateAccountStatus!.AccountId!;
  expect((await api(cloud).post({ workspace: 'sweep', name, accountId })).status).toBe(202);
  expect((await waitForProvider(cloud, `sweep.${name}`)).status).toBe('READY');
  // The account's new-account event onboards it into the default workspace too: part of the fleet.
  expect((await waitForProvider(cloud, `default.aws-${accountId}`)).status).toBe('READY');
  return accountId;
}

describe('fleet sweep on the local cloud', () => {
  it('answers 404 before any sweep, then the summary of a sweep started with the SDK, one drifted provider DEGRADED', async () => {
    // Prepare
    const before = await latestSweep();
    await readyProvider('steady');
    const accountId = await readyProvider('drifted');
    const iam = await memberIam(cloud, accountId);
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'capa-sweep-drifted', PolicyArn: `arn:aws:iam::${accountId}:policy/capa-providers/capa-sweep-drifted-capa-1` }));
    const sfn = new SFNClient(clientConfig(cloud));

    // Act
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: sweepStateMachineArn(), input: '{}' }));
    const ended = await eventually('the sweep execution to end', async () => {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    }, 60_000);
    const after = await latestSweep();
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));

    // Assess
    expect(before.status).toBe(404);
    expect(ended.status).toBe('SUCCEEDED');
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({
      executionArn,
      providers: 4,
      byStatus: { READY: 3, DEGRADED: 1 },
      byReason: { POLICY_DETACHED: 1 },
      movedOn: 0,
      failed: 0,
      repairsStarted: 0,
      changed: 1,
      autoRepair: false,
      reconciliation: { status: 'completed', onboardingStarted: [], departures: [], errors: [] },
    });
    expect((await api(cloud).get('sweep.drifted')).body).toMatchObject({ status: 'DEGRADED', reason: 'POLICY_DETACHED' });
    // Four providers (two per account): 5 states of the sweep itself and 5 per provider; one Lambda
    // invocation to reconcile, one to list, two per provider, one to record (no faults, so no retries).
    expect(events.filter((event) => event.type?.endsWith('StateEntered'))).toHaveLength(5 + 4 * 5);
    expect(events.filter((event) => event.type === 'LambdaFunctionScheduled')).toHaveLength(3 + 4 * 2);
    expect(events.filter((event) => event.type === 'MapIterationSucceeded')).toHaveLength(4);
  }, 180_000);
});
