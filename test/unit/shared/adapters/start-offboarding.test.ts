// How a DELETE starts (or does not start) an offboarding: the registry's conditional write at the
// next attempt, then StartExecution under that attempt's name. Against dynalite; Step Functions is
// mocked with the answers AWS gives.
import { DescribeExecutionCommand, ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderRecord } from '../../../../functions/shared/domain/provider.js';
import { startOffboarding, type OffboardingDependencies } from '../../../../functions/shared/adapters/start-offboarding.js';
import { startRegistryTable, type TestTable } from '../../../support/dynamodb.js';
import { providerRecord, registryOn } from '../../../support/provider-records.js';

const OFFBOARDING_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:Offboard';
const sfn = mockClient(SFNClient);
const NOW = new Date('2026-11-29T09:00:00.000Z');
let table: TestTable;

beforeAll(async () => {
  table = await startRegistryTable();
});
afterAll(async () => {
  await table.close();
});
beforeEach(() => {
  sfn.reset();
});

function dependencies(): OffboardingDependencies {
  return { registry: registryOn(table), sfn: new SFNClient({}), stateMachineArn: OFFBOARDING_ARN, now: () => NOW };
}

/** Provider offboard.<name> in `status` at `attempt` (each test has its own). */
async function stored(name: string, status: ProviderRecord['status'], overrides: Partial<ProviderRecord> = {}): Promise<ProviderRecord> {
  const record = providerRecord({
    providerId: `offboard.${name}`,
    workspace: 'offboard',
    name,
    status,
    executionName: `offboard_${name}_1`,
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:offboard_${name}_1`,
    ...overrides,
  });
  await registryOn(table).create(record);
  return record;
}

describe('startOffboarding', () => {
  it('moves a READY provider to DELETING at the next attempt and starts that attempt on the offboarding state machine', async () => {
    // Prepare
    await stored('ready', 'READY');
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${OFFBOARDING_ARN}:offboard_ready_2` });

    // Act
    const result = await startOffboarding(dependencies(), { workspace: 'offboard', name: 'ready', force: true });

    // Assess
    expect(result).toMatchObject({ outcome: 'started', provider: { status: 'DELETING', attempt: 2 } });
    expect(await registryOn(table).get('offboard.ready')).toMatchObject({
      status: 'DELETING',
      attempt: 2,
      executionName: 'offboard_ready_2',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Offboard:offboard_ready_2',
      offboarding: { force: true },
      updatedAt: '2026-11-29T09:00:00.000Z',
    });
    expect(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input)).toEqual([
      {
        stateMachineArn: OFFBOARDING_ARN,
        name: 'offboard_ready_2',
        input: JSON.stringify({
          provider: {
            providerId: 'offboard.ready',
            workspace: 'offboard',
            name: 'ready',
            accountId: '123456789012',
            roleName: 'capa-payments-dev',
            rolePath: '/capa-providers/',
            trustEc2: true,
            attempt: 2,
          },
          force: true,
        }),
      },
    ]);
  });

  it('a FAILED provider may be offboarded, and its failure reason is cleared', async () => {
    // Prepare
    await stored('failed', 'FAILED', { reason: 'ROLE_CONFLICT', message: 'taken' });
    sfn.on(StartExecutionCommand).resolves({});

    // Act
    const result = await startOffboarding(dependencies(), { workspace: 'offboard', name: 'failed', force: false });

    // Assess
    expect(result.outcome).toBe('started');
    const record = await registryOn(table).get('offboard.failed');
    expect(record).toMatchObject({ status: 'DELETING', attempt: 2 });
    expect(record?.reason).toBeUndefined();
    expect(record?.message).toBeUndefined();
  });

  it.each(['PENDING', 'CREATING', 'VERIFYING'] as const)('refuses a provider whose onboarding runs (%s): busy, nothing written, nothing started', async (status) => {
    // Prepare
    const record = await stored(`busy-${status.toLowerCase()}`, status);

    // Act
    const result = await startOffboarding(dependencies(), { workspace: 'offboard', name: record.name, force: false });

    // Assess
    expect(result).toEqual({ outcome: 'busy', provider: record });
    expect(await registryOn(table).get(record.providerId)).toEqual(record);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('a repeated DELETE while DELETING re-sends the same execution (idempotent) and writes nothing', async () => {
    // Prepare
    const record = await stored('repeated', 'DELETING', {
      attempt: 2,
      executionName: 'offboard_repeated_2',
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:Offboard:offboard_repeated_2`,
      offboarding: { force: false },
    });
    sfn.on(StartExecutionCommand).resolves({});

    // Act
    const result = await startOffboarding(dependencies(), { workspace: 'offboard', name: 'repeated', force: true });

    // Assess
    expect(result).toEqual({ outcome: 'in-progress', provider: record });
    expect(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name)).toEqual(['offboard_repeated_2']);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!)).toMatchObject({ force: false });
  });

  it('a DELETING provider whose execution ended without an outcome (event lost) starts the next offboarding attempt', async () => {
    // Prepare
    await stored('lost', 'DELETING', {
      attempt: 2,
      executionName: 'offboard_lost_2',
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:Offboard:offboard_lost_2`,
      offboarding: { force: true },
    });
    sfn.on(StartExecutionCommand, { name: 'offboard_lost_2' }).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    sfn.on(StartExecutionCommand, { name: 'offboard_lost_3' }).resolves({});
    sfn.on(DescribeExecutionCommand).resolves({ status: 'ABORTED' });

    // Act
    const result = await startOffboarding(dependencies(), { workspace: 'offboard', name: 'lost', force: false });

    // Assess
    expect(result).toMatchObject({ outcome: 'started', provider: { status: 'DELETING', attempt: 3, offboarding: { force: true } } });
    expect(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name)).toEqual(['offboard_lost_2', 'offboard_lost_3']);
  });

  it('answers a DELETED provider with its tombstone and starts nothing', async () => {
    // Prepare
    const record = await stored('tombstone', 'DELETED', { attempt: 2, deletedAt: '2026-11-29T08:00:00.000Z' });

    // Act
    const result = await startOffboarding(dependencies(), { workspace: 'offboard', name: 'tombstone', force: false });

    // Assess
    expect(result).toEqual({ outcome: 'deleted', provider: record });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers not-found for an unknown provider', async () => {
    // Act
    const result = await startOffboarding(dependencies(), { workspace: 'offboard', name: 'unknown', force: false });

    // Assess
    expect(result).toEqual({ outcome: 'not-found' });
  });
  it('refuses (busy) a READY provider whose External ID rotation is open, and writes nothing', async () => {
    // Prepare
    await stored('rotating', 'READY', { rotationId: '3f9c0a1b2c3d4e5f', rotationStatus: 'GRACE' });

    // Act
    const result = await startOffboarding(dependencies(), { workspace: 'offboard', name: 'rotating', force: false });

    // Assess
    expect(result).toMatchObject({ outcome: 'busy', provider: { status: 'READY', attempt: 1, rotationId: '3f9c0a1b2c3d4e5f' } });
    expect(await registryOn(table).get('offboard.rotating')).toMatchObject({ status: 'READY', attempt: 1 });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('never records DELETING over a rotation opened after the provider was read (the condition holds in DynamoDB)', async () => {
    // Prepare: the registry holds a rotation that a DELETE's earlier read did not see.
    await stored('raced', 'READY', { rotationId: 'aaaaaaaaaaaaaaaa', rotationStatus: 'TRUSTING_BOTH' });

    // Act
    const moved = await registryOn(table).beginOffboarding(
      'offboard.raced',
      1,
      { attempt: 2, executionName: 'offboard_raced_2', executionArn: `${OFFBOARDING_ARN}:offboard_raced_2`, updatedAt: NOW.toISOString(), offboarding: { force: false } },
      ['READY'],
    );

    // Assess
    expect(moved).toBe(false);
    expect(await registryOn(table).get('offboard.raced')).toMatchObject({ status: 'READY', attempt: 1, rotationId: 'aaaaaaaaaaaaaaaa' });
  });
});
