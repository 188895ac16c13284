// A re-verification's result is written only while the provider is where the checks found it
// (or already where they put it: a retried step); a passing one clears the DEGRADED reason.
// Run against dynalite, so the engine evaluates the conditions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderRegistry } from '../../../../functions/shared/adapters/registry.js';
import { failed, passed } from '../../../../functions/shared/domain/drift.js';
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

function stored(name: string, overrides: Parameters<typeof providerRecord>[0] = {}) {
  return providerRecord({ providerId: `verify.${name}`, workspace: 'verify', name, ...overrides });
}

const NOW = new Date('2026-11-29T14:00:00.000Z');
const DEGRADING = {
  status: 'DEGRADED' as const,
  reason: 'POLICY_DETACHED',
  message: 'capa-policies-attached: not attached',
  checks: [passed('role-exists', 'exists'), failed('capa-policies-attached', 'POLICY_DETACHED', 'not attached')],
  lastVerifiedAt: '2026-11-29T13:59:59.000Z',
};
const PASSING = { status: 'READY' as const, checks: [passed('role-exists', 'exists')], lastVerifiedAt: '2026-11-29T13:59:59.000Z' };

describe('recordVerification', () => {
  it('moves a READY provider to DEGRADED with its reason, message, checks and time', async () => {
    // Prepare
    await registry.create(stored('degrades'));

    // Act
    const record = await registry.recordVerification('verify.degrades', 1, 'READY', DEGRADING, NOW);

    // Assess
    expect(record).toMatchObject({
      status: 'DEGRADED',
      reason: 'POLICY_DETACHED',
      message: 'capa-policies-attached: not attached',
      lastVerifiedAt: '2026-11-29T13:59:59.000Z',
      updatedAt: '2026-11-29T14:00:00.000Z',
      checks: [
        { name: 'role-exists', passed: true, reason: null, detail: 'exists' },
        { name: 'capa-policies-attached', passed: false, reason: 'POLICY_DETACHED', detail: 'not attached' },
      ],
    });
    expect(await registry.get('verify.degrades')).toEqual(record);
  });

  it('moves a DEGRADED provider back to READY and removes its reason and message', async () => {
    // Prepare
    await registry.create(stored('recovers', { status: 'DEGRADED', reason: 'POLICY_DETACHED', message: 'detached' }));

    // Act
    const record = await registry.recordVerification('verify.recovers', 1, 'DEGRADED', PASSING, NOW);

    // Assess
    expect(record).toMatchObject({ status: 'READY', checks: [{ name: 'role-exists', passed: true, reason: null, detail: 'exists' }] });
    expect(record?.reason).toBeUndefined();
    expect(record?.message).toBeUndefined();
  });

  it('writes again over its own result (a retried step)', async () => {
    // Prepare
    await registry.create(stored('retried'));
    await registry.recordVerification('verify.retried', 1, 'READY', DEGRADING, NOW);

    // Act
    const again = await registry.recordVerification('verify.retried', 1, 'READY', DEGRADING, NOW);

    // Assess
    expect(again?.status).toBe('DEGRADED');
  });

  it.each(['PENDING', 'FAILED', 'DELETING'] as const)('writes nothing over a provider that moved on to %s', async (status) => {
    // Prepare
    await registry.create(stored(`moved-${status.toLowerCase()}`, { status }));

    // Act
    const record = await registry.recordVerification(`verify.moved-${status.toLowerCase()}`, 1, 'READY', DEGRADING, NOW);

    // Assess
    expect(record).toBeUndefined();
    expect((await registry.get(`verify.moved-${status.toLowerCase()}`))?.status).toBe(status);
  });

  it('writes nothing over a newer attempt', async () => {
    // Prepare
    await registry.create(stored('newer', { attempt: 2 }));

    // Act
    const record = await registry.recordVerification('verify.newer', 1, 'READY', DEGRADING, NOW);

    // Assess
    expect(record).toBeUndefined();
    expect((await registry.get('verify.newer'))?.checks).toBeUndefined();
  });
});
