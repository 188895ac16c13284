// The registry converges with an execution that ended without recording an outcome: FAILED with a
// reason, what the execution created removed, "Provider Failed" announced; and nothing at all when
// the workflow recorded its outcome or the provider moved on. Against dynalite; removal and
// announcement are recorded by fakes (their AWS side has tests of its own).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { convergeEndedExecution, type ConvergenceDependencies } from '../../../../functions/shared/adapters/execution-convergence.js';
import type { EndedExecution } from '../../../../functions/shared/domain/ended-execution.js';
import type { ProviderRecord } from '../../../../functions/shared/domain/provider.js';
import { startRegistryTable, type TestTable } from '../../../support/dynamodb.js';
import { providerRecord, registryOn } from '../../../support/provider-records.js';

const NOW = new Date('2026-11-28T06:00:00.000Z');
let table: TestTable;

beforeAll(async () => {
  table = await startRegistryTable();
});

afterAll(async () => {
  await table.close();
});

const executionArn = (name: string, attempt: number) => `arn:aws:states:us-east-1:000000000000:execution:Onboard:ended_${name}_${attempt}`;

/** Provider ended.<name> at attempt 1 (each test has its own). */
function stored(name: string, overrides: Partial<ProviderRecord> = {}): ProviderRecord {
  return providerRecord({
    providerId: `ended.${name}`,
    workspace: 'ended',
    name,
    status: 'VERIFYING',
    executionName: `ended_${name}_1`,
    executionArn: executionArn(name, 1),
    ...overrides,
  });
}

function ended(name: string, fields: Partial<EndedExecution> = {}): EndedExecution {
  return { executionArn: executionArn(name, 1), executionName: `ended_${name}_1`, status: 'ABORTED', providerId: `ended.${name}`, ...fields };
}

function dependencies() {
  const removeLeftovers = vi.fn(async (_record: ProviderRecord, _executionName: string) => ['arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev']);
  const announceFailure = vi.fn(async (_record: ProviderRecord, _executionArn: string) => undefined);
  return { registry: registryOn(table), removeLeftovers, announceFailure, now: () => NOW } satisfies ConvergenceDependencies;
}

describe('an execution that ended while its attempt was in flight', () => {
  it('an operator stop records FAILED EXECUTION_ABORTED, removes what the execution created and announces Provider Failed', async () => {
    // Prepare
    const deps = dependencies();
    await deps.registry.create(stored('stopped'));

    // Act
    const result = await convergeEndedExecution(deps, ended('stopped', { error: 'Operator', cause: 'wrong account' }));

    // Assess
    const failed = stored('stopped', {
      status: 'FAILED',
      reason: 'EXECUTION_ABORTED',
      message: 'Execution ended_stopped_1 was stopped before it recorded an outcome (Operator: wrong account).',
      updatedAt: '2026-11-28T06:00:00.000Z',
    });
    // Marked while the leftovers are removed, so a next attempt waits; unmarked before the announcement.
    const removing = { ...failed, leftoversPendingSince: '2026-11-28T06:00:00.000Z' };
    expect(result).toEqual({ outcome: 'failed', provider: failed, removed: ['arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev'] });
    expect(await deps.registry.get('ended.stopped')).toEqual(failed);
    expect(deps.removeLeftovers.mock.calls).toEqual([[removing, 'ended_stopped_1']]);
    expect(deps.announceFailure.mock.calls).toEqual([[failed, executionArn('stopped', 1)]]);
  });

  it('a timeout records FAILED TIMEOUT', async () => {
    // Prepare
    const deps = dependencies();
    await deps.registry.create(stored('timed-out', { status: 'CREATING' }));

    // Act
    await convergeEndedExecution(deps, ended('timed-out', { status: 'TIMED_OUT', error: 'States.Timeout' }));

    // Assess
    expect(await deps.registry.get('ended.timed-out')).toMatchObject({
      status: 'FAILED',
      reason: 'TIMEOUT',
      message: 'Execution ended_timed-out_1 timed out before it recorded an outcome.',
    });
  });

  it('FAILED is recorded before anything is removed, so a step still running cannot record READY over a removed role', async () => {
    // Prepare
    const statusWhileRemoving: string[] = [];
    const deps = dependencies();
    deps.removeLeftovers.mockImplementation(async (record) => {
      statusWhileRemoving.push((await deps.registry.get(record.providerId))?.status ?? 'missing');
      return [];
    });
    await deps.registry.create(stored('claim-first'));

    // Act
    await convergeEndedExecution(deps, ended('claim-first'));

    // Assess
    expect(statusWhileRemoving).toEqual(['FAILED']);
  });

  it('a delivery retried after the announcement failed announces, keeping the recorded failure; the removal, done and unmarked, is not repeated', async () => {
    // Prepare
    const deps = dependencies();
    deps.announceFailure.mockRejectedValueOnce(new Error('EventBridge rejected "Provider Failed": ThrottlingException'));
    await deps.registry.create(stored('retried'));
    const firstDelivery = convergeEndedExecution(deps, ended('retried'));
    await expect(firstDelivery).rejects.toThrow('EventBridge rejected "Provider Failed": ThrottlingException');
    const recorded = await deps.registry.get('ended.retried');

    // Act
    const result = await convergeEndedExecution({ ...deps, now: () => new Date('2026-11-28T06:05:00.000Z') }, ended('retried'));

    // Assess
    expect(result).toMatchObject({ outcome: 'failed', removed: [] });
    expect(recorded).toMatchObject({ status: 'FAILED', reason: 'EXECUTION_ABORTED' });
    expect(recorded?.leftoversPendingSince).toBeUndefined();
    expect(await deps.registry.get('ended.retried')).toEqual(recorded);
    expect(deps.removeLeftovers).toHaveBeenCalledTimes(1);
    expect(deps.announceFailure).toHaveBeenCalledTimes(2);
  });

  it('a delivery retried after the removal failed removes again, then unmarks and announces', async () => {
    // Prepare
    const deps = dependencies();
    deps.removeLeftovers.mockRejectedValueOnce(new Error('IAM DeleteRole: Rate exceeded'));
    await deps.registry.create(stored('removal-retried'));
    await expect(convergeEndedExecution(deps, ended('removal-retried'))).rejects.toThrow('IAM DeleteRole: Rate exceeded');
    const marked = await deps.registry.get('ended.removal-retried');

    // Act
    const result = await convergeEndedExecution(deps, ended('removal-retried'));

    // Assess
    expect(marked?.leftoversPendingSince).toBe('2026-11-28T06:00:00.000Z');
    expect(result.outcome).toBe('failed');
    expect(deps.removeLeftovers).toHaveBeenCalledTimes(2);
    expect(deps.announceFailure).toHaveBeenCalledTimes(1);
    expect((await deps.registry.get('ended.removal-retried'))?.leftoversPendingSince).toBeUndefined();
  });
});

describe('an execution whose outcome needs no convergence', () => {
  it.each<[string, Partial<ProviderRecord>]>([
    ['FAILED by its own Record step', { status: 'FAILED', reason: 'ROLE_CONFLICT', message: 'Role taken' }],
    ['READY', { status: 'READY', readyAt: '2026-11-28T05:59:00.000Z' }],
  ])('an attempt already %s is left as it is: nothing removed, nothing announced', async (what, fields) => {
    // Prepare
    const name = what.split(' ')[0]!.toLowerCase();
    const deps = dependencies();
    await deps.registry.create(stored(name, fields));

    // Act
    const result = await convergeEndedExecution(deps, ended(name, { status: 'FAILED', error: 'ROLE_CONFLICT', cause: 'Role taken' }));

    // Assess
    expect(result).toEqual({ outcome: 'ignored', why: 'outcome recorded' });
    expect(await deps.registry.get(`ended.${name}`)).toEqual(stored(name, fields));
    expect(deps.removeLeftovers).not.toHaveBeenCalled();
    expect(deps.announceFailure).not.toHaveBeenCalled();
  });

  it('a provider on a newer attempt is left as it is', async () => {
    // Prepare
    const deps = dependencies();
    const newer = stored('newer', { status: 'CREATING', attempt: 2, executionName: 'ended_newer_2', executionArn: executionArn('newer', 2) });
    await deps.registry.create(newer);

    // Act
    const result = await convergeEndedExecution(deps, ended('newer'));

    // Assess
    expect(result).toEqual({ outcome: 'ignored', why: 'another attempt' });
    expect(await deps.registry.get('ended.newer')).toEqual(newer);
    expect(deps.removeLeftovers).not.toHaveBeenCalled();
  });

  it('an execution of no known provider is ignored', async () => {
    // Prepare
    const deps = dependencies();

    // Act
    const results = [await convergeEndedExecution(deps, ended('never-registered')), await convergeEndedExecution(deps, ended('no-provider', { providerId: undefined }))];

    // Assess
    expect(results).toEqual([
      { outcome: 'ignored', why: 'unknown provider' },
      { outcome: 'ignored', why: 'unknown provider' },
    ]);
    expect(deps.removeLeftovers).not.toHaveBeenCalled();
  });
});
