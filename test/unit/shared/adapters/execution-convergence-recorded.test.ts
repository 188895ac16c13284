// A retried delivery finishes the work of an earlier one only when the record holds exactly the
// failure this event derives (FAILED, same reason, same message): the removal while its leftovers
// mark is still set, and the announcement; any other recorded outcome wins.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { convergeEndedExecution, type ConvergenceDependencies } from '../../../../functions/shared/adapters/execution-convergence.js';
import type { ProviderRecord } from '../../../../functions/shared/domain/provider.js';
import { startRegistryTable, type TestTable } from '../../../support/dynamodb.js';
import { providerRecord, registryOn } from '../../../support/provider-records.js';

let table: TestTable;

beforeAll(async () => {
  table = await startRegistryTable();
});

afterAll(async () => {
  await table.close();
});

const executionArn = (name: string) => `arn:aws:states:us-east-1:000000000000:execution:Onboard:recorded_${name}_1`;

function dependencies() {
  const removeLeftovers = vi.fn(async (_record: ProviderRecord, _executionName: string) => []);
  const announceFailure = vi.fn(async (_record: ProviderRecord, _executionArn: string) => undefined);
  return { registry: registryOn(table), removeLeftovers, announceFailure, now: () => new Date('2026-11-29T10:00:00.000Z') } satisfies ConvergenceDependencies;
}

/** Provider recorded.<name>, whose execution recorded_<name>_1 was stopped (the event's failure:
 * EXECUTION_ABORTED, "Execution recorded_<name>_1 was stopped before it recorded an outcome."). */
async function convergeStopped(name: string, fields: Partial<ProviderRecord>) {
  const deps = dependencies();
  await deps.registry.create(
    providerRecord({ providerId: `recorded.${name}`, workspace: 'recorded', name, executionName: `recorded_${name}_1`, executionArn: executionArn(name), ...fields }),
  );
  const result = await convergeEndedExecution(deps, {
    executionArn: executionArn(name),
    executionName: `recorded_${name}_1`,
    status: 'ABORTED',
    providerId: `recorded.${name}`,
  });
  return { result, deps };
}

describe('a recorded outcome that is not this event\'s failure', () => {
  it.each<[string, string, Partial<ProviderRecord>]>([
    ['FAILED with the same reason but another message', 'message', { status: 'FAILED', reason: 'EXECUTION_ABORTED', message: 'Role taken' }],
    ['FAILED with the same message but another reason', 'reason', { status: 'FAILED', reason: 'INTERNAL', message: 'Execution recorded_reason_1 was stopped before it recorded an outcome.' }],
    ['READY, whatever its reason and message', 'ready', { status: 'READY', reason: 'EXECUTION_ABORTED', message: 'Execution recorded_ready_1 was stopped before it recorded an outcome.' }],
  ])('%s is left as it is: nothing removed, nothing announced', async (_what, name, fields) => {
    // Act
    const { result, deps } = await convergeStopped(name, fields);

    // Assess
    expect(result).toEqual({ outcome: 'ignored', why: 'outcome recorded' });
    expect(deps.removeLeftovers).not.toHaveBeenCalled();
    expect(deps.announceFailure).not.toHaveBeenCalled();
  });
});

describe('the failure this event derives, already recorded', () => {
  it('is finished while its leftovers mark is set: removal and announcement run again, then the mark goes', async () => {
    // Act
    const { result, deps } = await convergeStopped('same', {
      status: 'FAILED',
      reason: 'EXECUTION_ABORTED',
      message: 'Execution recorded_same_1 was stopped before it recorded an outcome.',
      leftoversPendingSince: '2026-11-29T09:59:58.000Z',
    });

    // Assess
    expect(result.outcome).toBe('failed');
    expect(deps.removeLeftovers).toHaveBeenCalledTimes(1);
    expect(deps.announceFailure).toHaveBeenCalledTimes(1);
    expect((await deps.registry.get('recorded.same'))?.leftoversPendingSince).toBeUndefined();
  });

  it('once the mark is gone (removal done, announcement failed) a later delivery removes nothing (a next attempt may have adopted the role) and announces', async () => {
    // Act
    const { result, deps } = await convergeStopped('removed', {
      status: 'FAILED',
      reason: 'EXECUTION_ABORTED',
      message: 'Execution recorded_removed_1 was stopped before it recorded an outcome.',
    });

    // Assess
    expect(result).toMatchObject({ outcome: 'failed', removed: [] });
    expect(deps.removeLeftovers).not.toHaveBeenCalled();
    expect(deps.announceFailure).toHaveBeenCalledTimes(1);
  });
});
