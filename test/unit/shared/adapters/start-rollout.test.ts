// How a rollout starts, from the API or a deployment: one at a time, a second start for the same
// version answers the running one, a running rollout of another version is stopped and marked
// SUPERSEDED, one whose execution ended unclosed is closed, and a fleet a completed rollout left on
// this version has nothing to do. Against dynalite; Step Functions mocked with AWS's answers.
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RolloutRegistry } from '../../../../functions/shared/adapters/rollout-registry.js';
import { startRollout, type RolloutStarter } from '../../../../functions/shared/adapters/start-rollout.js';
import { startRegistryTable, type TestTable } from '../../../support/dynamodb.js';

const ROLLOUT_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:Rollout';
const V1 = 'sha256:1111111122222222';
const V2 = 'sha256:3333333344444444';
const sfn = mockClient(SFNClient);
let table: TestTable;
let clock: Date;

beforeEach(async () => {
  // A table per test: the latest-rollout pointer is one item for the whole table.
  table = await startRegistryTable();
  clock = new Date('2026-11-29T10:00:00.000Z');
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string }) => ({
    executionArn: `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`,
    startDate: clock,
  }));
  sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
  sfn.on(StopExecutionCommand).resolves({ stopDate: clock });
});
afterEach(async () => {
  await table.close();
});

function starter(): RolloutStarter {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: table.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 }),
  );
  return { rollouts: new RolloutRegistry(client, table.tableName), sfn: new SFNClient({}), stateMachineArn: ROLLOUT_ARN, now: () => clock };
}

describe('startRollout', () => {
  it('starts an execution named after the rollout, with a RUNNING record readable before the walk begins', async () => {
    // Act
    const started = await startRollout(starter(), { policyVersion: V1, trigger: 'deploy' });

    // Assess
    expect(started.outcome).toBe('started');
    expect(started.rollout).toMatchObject({
      rolloutId: 'rollout-11111111-20261129T100000000Z',
      rolloutStatus: 'RUNNING',
      trigger: 'deploy',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Rollout:rollout-11111111-20261129T100000000Z',
    });
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      stateMachineArn: ROLLOUT_ARN,
      name: 'rollout-11111111-20261129T100000000Z',
      input: JSON.stringify({ rollout: { rolloutId: 'rollout-11111111-20261129T100000000Z', policyVersion: V1 } }),
    });
    expect(await starter().rollouts.get('rollout-11111111-20261129T100000000Z')).toMatchObject({ rolloutStatus: 'RUNNING', upgraded: 0, failed: 0 });
  });

  it('answers a second start for the same version with the running rollout, starting nothing', async () => {
    // Prepare
    const first = await startRollout(starter(), { policyVersion: V1, trigger: 'deploy' });
    clock = new Date('2026-11-29T10:01:00.000Z');

    // Act
    const second = await startRollout(starter(), { policyVersion: V1, trigger: 'api' });

    // Assess
    expect(second.outcome).toBe('running');
    expect(second.rollout.rolloutId).toBe(first.rollout.rolloutId);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('stops a running rollout of another version, closes it SUPERSEDED, and starts the new one', async () => {
    // Prepare
    const old = await startRollout(starter(), { policyVersion: V1, trigger: 'deploy' });
    clock = new Date('2026-11-29T11:00:00.000Z');

    // Act
    const next = await startRollout(starter(), { policyVersion: V2, trigger: 'deploy' });

    // Assess
    expect(next).toMatchObject({ outcome: 'started', rollout: { rolloutId: 'rollout-33333333-20261129T110000000Z' } });
    expect(sfn.commandCalls(StopExecutionCommand).map((call) => call.args[0].input.executionArn)).toEqual([old.rollout.executionArn]);
    expect(await starter().rollouts.get(old.rollout.rolloutId)).toMatchObject({ rolloutStatus: 'HALTED', haltReason: 'SUPERSEDED', endedAt: '2026-11-29T11:00:00.000Z' });
    expect(await starter().rollouts.latest()).toMatchObject({ rolloutId: 'rollout-33333333-20261129T110000000Z', rolloutStatus: 'RUNNING' });
  });

  it('closes a rollout whose execution ended without closing it (HALTED, ROLLOUT_ERROR) and starts again', async () => {
    // Prepare
    const lost = await startRollout(starter(), { policyVersion: V1, trigger: 'api' });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'TIMED_OUT' });
    clock = new Date('2026-11-30T10:00:00.000Z');

    // Act
    const again = await startRollout(starter(), { policyVersion: V1, trigger: 'api' });

    // Assess
    expect(again.outcome).toBe('started');
    expect(await starter().rollouts.get(lost.rollout.rolloutId)).toMatchObject({ rolloutStatus: 'HALTED', haltReason: 'ROLLOUT_ERROR' });
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it('answers current when the latest rollout completed this version without failures or skips', async () => {
    // Prepare
    const done = await startRollout(starter(), { policyVersion: V1, trigger: 'deploy' });
    await starter().rollouts.close(done.rollout.rolloutId, { rolloutStatus: 'COMPLETED', endedAt: '2026-11-29T10:10:00.000Z' });

    // Act
    const again = await startRollout(starter(), { policyVersion: V1, trigger: 'api' });

    // Assess
    expect(again).toMatchObject({ outcome: 'current', rollout: { rolloutId: done.rollout.rolloutId, rolloutStatus: 'COMPLETED' } });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('starts a new rollout of the same version after a halted one (the resume)', async () => {
    // Prepare
    const halted = await startRollout(starter(), { policyVersion: V1, trigger: 'deploy' });
    await starter().rollouts.close(halted.rollout.rolloutId, { rolloutStatus: 'HALTED', haltReason: 'FAILURE_COUNT_EXCEEDED', endedAt: '2026-11-29T10:10:00.000Z' });
    clock = new Date('2026-11-29T12:00:00.000Z');

    // Act
    const resumed = await startRollout(starter(), { policyVersion: V1, trigger: 'api' });

    // Assess
    expect(resumed).toMatchObject({ outcome: 'started', rollout: { rolloutId: 'rollout-11111111-20261129T120000000Z', trigger: 'api' } });
  });

  it('closes the claimed rollout HALTED when Step Functions refuses to start it, and fails', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));

    // Act
    const attempt = startRollout(starter(), { policyVersion: V1, trigger: 'api' });

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'TransientAwsError' });
    expect(await starter().rollouts.get('rollout-11111111-20261129T100000000Z')).toMatchObject({ rolloutStatus: 'HALTED', haltReason: 'ROLLOUT_ERROR' });
  });
});
