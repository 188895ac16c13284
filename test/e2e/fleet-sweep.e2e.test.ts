// End to end: the fleet sweep on the synthesized stack. The sweep state machine is started with
// the AWS SDK (the "run now" of the scheduled sweep), then GET /fleet/sweeps/latest answers its
// summary; its Distributed Map's Map Run shows a child execution per provider, each with its own history.
import { DetachRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  SFNClient,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
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
    const { mapRuns = [] } = await sfn.send(new ListMapRunsCommand({ executionArn }));
    const mapRun = await sfn.send(new DescribeMapRunCommand({ mapRunArn: mapRuns[0]?.mapRunArn }));
    const { executions: children = [] } = await sfn.send(new ListExecutionsCommand({ mapRunArn: mapRun.mapRunArn }));
    const childEvents: HistoryEvent[] = [];
    for (const child of children) childEvents.push(...((await sfn.send(new GetExecutionHistoryCommand({ executionArn: child.executionArn, maxResults: 1000 }))).events ?? []));

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
    });
    expect((await api(cloud).get('sweep.drifted')).body).toMatchObject({ status: 'DEGRADED', reason: 'POLICY_DETACHED' });
    // Four providers (two per account), one page: 7 states of the sweep itself (one Map Run) and a
    // child execution per provider with 5 states each; Lambda: list, tally and record in the sweep,
    // two per provider in the children (no faults, so no retries).
    expect(events.filter((event) => event.type?.endsWith('StateEntered'))).toHaveLength(7);
    expect(events.filter((event) => event.type === 'LambdaFunctionScheduled')).toHaveLength(3);
    expect(events.filter((event) => event.type?.startsWith('MapRun')).map((event) => event.type)).toEqual(['MapRunStarted', 'MapRunSucceeded']);
    expect(mapRuns).toHaveLength(1);
    expect(mapRun).toMatchObject({ status: 'SUCCEEDED', maxConcurrency: 20, toleratedFailurePercentage: 100 });
    expect(mapRun.itemCounts).toMatchObject({ succeeded: 4, failed: 0, total: 4 });
    expect(children.map((child) => child.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(childEvents.filter((event) => event.type?.endsWith('StateEntered'))).toHaveLength(4 * 5);
    expect(childEvents.filter((event) => event.type === 'LambdaFunctionScheduled')).toHaveLength(4 * 2);
  }, 180_000);
});
