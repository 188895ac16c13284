// FAILED is final for its attempt: nothing late from that attempt (a step still running when its
// execution was stopped) moves it again, and FAILED for an execution that ended unheard is written
// only while no outcome is recorded. Run against dynalite, so the engine evaluates the conditions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaleAttemptError, type ProviderRegistry } from '../../../../functions/shared/adapters/registry.js';
import { IN_FLIGHT_STATUSES } from '../../../../functions/shared/domain/provider.js';
import { startRegistryTable, type TestTable } from '../../../support/dynamodb.js';
import { providerRecord, registryOn } from '../../../support/provider-records.js';

let table: TestTable;
let registry: ProviderRegistry;

beforeAll(async () => {
  table = await startRegistryTable();
  registry = registryOn(table);
});

afterAll(async () => {
  await table.close();
});

/** Provider outcomes.<name> at attempt 1 (each test has its own). */
function stored(name: string, overrides: Parameters<typeof providerRecord>[0] = {}) {
  return providerRecord({
    providerId: `outcomes.${name}`,
    workspace: 'outcomes',
    name,
    executionName: `outcomes_${name}_1`,
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:outcomes_${name}_1`,
    ...overrides,
  });
}

const NOW = new Date('2026-11-28T03:00:00.000Z');

describe('transition never moves an attempt that FAILED, except to record FAILED again', () => {
  it('a late READY does not overwrite a FAILED attempt', async () => {
    // Prepare
    await registry.create(stored('late-ready', { status: 'FAILED', reason: 'EXECUTION_ABORTED', message: 'stopped' }));

    // Act
    const late = registry.transition('outcomes.late-ready', 1, 'READY', { policyVersion: 'sha256:late' });

    // Assess
    await expect(late).rejects.toBeInstanceOf(StaleAttemptError);
    expect(await registry.get('outcomes.late-ready')).toEqual(stored('late-ready', { status: 'FAILED', reason: 'EXECUTION_ABORTED', message: 'stopped' }));
  });

  it('a late step marking VERIFYING does not reopen a FAILED attempt', async () => {
    // Prepare
    await registry.create(stored('late-verifying', { status: 'FAILED', reason: 'TIMEOUT', message: 'timed out' }));

    // Act
    const late = registry.transition('outcomes.late-verifying', 1, 'VERIFYING');

    // Assess
    await expect(late).rejects.toBeInstanceOf(StaleAttemptError);
    expect(await registry.get('outcomes.late-verifying')).toMatchObject({ status: 'FAILED', reason: 'TIMEOUT' });
  });

  it('the same outcome recorded again (a retried Record step) succeeds', async () => {
    // Prepare
    await registry.create(stored('retried-failed', { status: 'FAILED', reason: 'ROLE_CONFLICT', message: 'taken' }));

    // Act
    const again = await registry.transition('outcomes.retried-failed', 1, 'FAILED', { reason: 'ROLE_CONFLICT', message: 'taken' }, NOW);

    // Assess
    expect(again).toMatchObject({ status: 'FAILED', reason: 'ROLE_CONFLICT', message: 'taken', updatedAt: '2026-11-28T03:00:00.000Z' });
  });
});

describe('transition still lets the workflow correct or repeat a READY attempt', () => {
  it('records FAILED over READY when the same run fails after recording READY (its announcement was refused)', async () => {
    // Prepare
    await registry.create(stored('ready-then-failed', { status: 'READY', readyAt: '2026-11-28T02:00:00.000Z' }));

    // Act
    const failed = await registry.transition('outcomes.ready-then-failed', 1, 'FAILED', { reason: 'INTERNAL', message: 'EventBridge rejected "Provider Ready"' }, NOW);

    // Assess
    expect(failed).toMatchObject({ status: 'FAILED', reason: 'INTERNAL', updatedAt: '2026-11-28T03:00:00.000Z' });
  });

  it('marks a READY attempt CREATING again when its execution runs a second time (delivered twice)', async () => {
    // Prepare
    await registry.create(stored('ready-rerun', { status: 'READY' }));

    // Act
    const creating = await registry.transition('outcomes.ready-rerun', 1, 'CREATING', {}, NOW);

    // Assess
    expect(creating).toMatchObject({ status: 'CREATING', attempt: 1 });
  });
});

describe('failInFlight records FAILED only while the attempt has no outcome', () => {
  it.each(IN_FLIGHT_STATUSES)('records FAILED with the reason (and its leftovers mark) for an attempt still %s and returns the whole record', async (status) => {
    // Prepare
    const name = `in-flight-${status.toLowerCase()}`;
    await registry.create(stored(name, { status }));

    // Act
    const failed = await registry.failInFlight(`outcomes.${name}`, 1, { reason: 'EXECUTION_ABORTED', message: 'Execution x was stopped.' }, NOW);

    // Assess
    expect(failed).toEqual(
      stored(name, {
        status: 'FAILED',
        reason: 'EXECUTION_ABORTED',
        message: 'Execution x was stopped.',
        updatedAt: '2026-11-28T03:00:00.000Z',
        leftoversPendingSince: '2026-11-28T03:00:00.000Z',
      }),
    );
    expect(await registry.get(`outcomes.${name}`)).toEqual(failed);
  });

  it.each(['READY', 'FAILED'] as const)('leaves an attempt already %s untouched', async (status) => {
    // Prepare
    const name = `ended-${status.toLowerCase()}`;
    await registry.create(stored(name, { status, reason: status === 'FAILED' ? 'ROLE_CONFLICT' : undefined }));

    // Act
    const failed = await registry.failInFlight(`outcomes.${name}`, 1, { reason: 'EXECUTION_ABORTED', message: 'stopped' }, NOW);

    // Assess
    expect(failed).toBeUndefined();
    expect(await registry.get(`outcomes.${name}`)).toMatchObject({ status, updatedAt: '2026-11-28T00:00:00.000Z' });
  });

  it('leaves a newer attempt untouched', async () => {
    // Prepare
    await registry.create(stored('newer-attempt', { status: 'VERIFYING', attempt: 2 }));

    // Act
    const failed = await registry.failInFlight('outcomes.newer-attempt', 1, { reason: 'TIMEOUT', message: 'timed out' }, NOW);

    // Assess
    expect(failed).toBeUndefined();
    expect(await registry.get('outcomes.newer-attempt')).toMatchObject({ status: 'VERIFYING', attempt: 2 });
  });
});

describe('restart from an attempt in flight (its execution ended unheard)', () => {
  const next = {
    attempt: 2,
    executionName: 'outcomes_restart-verifying_2',
    executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:outcomes_restart-verifying_2',
    updatedAt: '2026-11-28T03:00:00.000Z',
  };

  it('starts the next attempt of a VERIFYING provider when asked to restart from in-flight statuses', async () => {
    // Prepare
    await registry.create(stored('restart-verifying', { status: 'VERIFYING' }));

    // Act
    const restarted = await registry.restart('outcomes.restart-verifying', 1, next, IN_FLIGHT_STATUSES);

    // Assess
    expect(restarted).toBe(true);
    expect(await registry.get('outcomes.restart-verifying')).toMatchObject({ status: 'PENDING', ...next });
  });

  it('refuses when the attempt recorded READY meanwhile', async () => {
    // Prepare
    await registry.create(stored('restart-ready', { status: 'READY' }));

    // Act
    const restarted = await registry.restart('outcomes.restart-ready', 1, { ...next, executionName: 'outcomes_restart-ready_2' }, IN_FLIGHT_STATUSES);

    // Assess
    expect(restarted).toBe(false);
    expect(await registry.get('outcomes.restart-ready')).toMatchObject({ status: 'READY', attempt: 1 });
  });
});
