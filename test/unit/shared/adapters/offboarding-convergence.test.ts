// An offboarding execution that ends without recording an outcome (stopped, timed out, its Record
// step failed) leaves no provider DELETING: execution-ended's convergence records FAILED with a
// reason, from which another DELETE or a POST starts the next attempt. Against dynalite.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { convergeEndedExecution, type ConvergenceDependencies } from '../../../../functions/shared/adapters/execution-convergence.js';
import type { ProviderRecord } from '../../../../functions/shared/domain/provider.js';
import { startRegistryTable, type TestTable } from '../../../support/dynamodb.js';
import { providerRecord, registryOn } from '../../../support/provider-records.js';

const NOW = new Date('2026-11-29T06:00:00.000Z');
const OFFBOARDING_EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:Offboard:leaving_dev_2';
let table: TestTable;

beforeAll(async () => {
  table = await startRegistryTable();
});
afterAll(async () => {
  await table.close();
});

function dependencies() {
  return {
    registry: registryOn(table),
    removeLeftovers: vi.fn(async (_record: ProviderRecord, _executionName: string) => []),
    announceFailure: vi.fn(async (_record: ProviderRecord, _executionArn: string) => undefined),
    now: () => NOW,
  } satisfies ConvergenceDependencies;
}

describe('an offboarding execution that ended without an outcome', () => {
  it.each([
    ['ABORTED', 'EXECUTION_ABORTED', 'Execution leaving_dev_2 was stopped before it recorded an outcome.'],
    ['TIMED_OUT', 'TIMEOUT', 'Execution leaving_dev_2 timed out before it recorded an outcome.'],
  ] as const)('%s: the DELETING provider is recorded FAILED %s and Provider Failed is announced', async (status, reason, message) => {
    // Prepare
    const providerId = `leaving.dev-${status.toLowerCase().replace('_', '-')}`;
    await registryOn(table).create(
      providerRecord({ providerId, workspace: 'leaving', status: 'DELETING', attempt: 2, executionName: 'leaving_dev_2', executionArn: OFFBOARDING_EXECUTION, offboarding: { force: false } }),
    );
    const deps = dependencies();

    // Act
    const result = await convergeEndedExecution(deps, { executionArn: OFFBOARDING_EXECUTION, executionName: 'leaving_dev_2', status, providerId });

    // Assess
    expect(result).toMatchObject({ outcome: 'failed', provider: { status: 'FAILED', reason, message, attempt: 2 } });
    expect(await registryOn(table).get(providerId)).toMatchObject({ status: 'FAILED', reason, message, updatedAt: '2026-11-29T06:00:00.000Z' });
    expect(deps.announceFailure).toHaveBeenCalledTimes(1);
  });

  it('leaves a provider alone whose offboarding recorded DELETED', async () => {
    // Prepare
    const providerId = 'leaving.recorded';
    await registryOn(table).create(
      providerRecord({ providerId, status: 'DELETED', attempt: 2, executionName: 'leaving_dev_2', executionArn: OFFBOARDING_EXECUTION, deletedAt: '2026-11-29T05:00:00.000Z' }),
    );
    const deps = dependencies();

    // Act
    const result = await convergeEndedExecution(deps, { executionArn: OFFBOARDING_EXECUTION, executionName: 'leaving_dev_2', status: 'FAILED', providerId });

    // Assess
    expect(result).toEqual({ outcome: 'ignored', why: 'outcome recorded' });
    expect(await registryOn(table).get(providerId)).toMatchObject({ status: 'DELETED' });
    expect(deps.announceFailure).not.toHaveBeenCalled();
  });
});
