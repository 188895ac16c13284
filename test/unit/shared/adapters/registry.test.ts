// The registry's conditional writes, run against a real DynamoDB engine (dynalite): the conditions
// are evaluated by the engine, so a wrong or missing condition shows up as a wrong stored record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidPageToken, StaleAttemptError, type ProviderRegistry } from '../../../../functions/shared/adapters/registry.js';
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

/** A provider of its own per test (the table is shared by the file). */
function pendingRecord(name: string, overrides: Parameters<typeof providerRecord>[0] = {}) {
  return providerRecord({
    providerId: `registry.${name}`,
    workspace: 'registry',
    name,
    status: 'PENDING',
    executionName: `registry_${name}_1`,
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:registry_${name}_1`,
    ...overrides,
  });
}

const secondAttempt = (name: string) => ({
  attempt: 2,
  executionName: `registry_${name}_2`,
  executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:registry_${name}_2`,
  updatedAt: '2026-11-28T02:00:00.000Z',
});

describe('create is conditional on the provider not existing', () => {
  it('a second create of the same provider returns false and leaves the first record untouched', async () => {
    // Prepare
    const first = pendingRecord('create-twice', { externalId: 'first-external-id-0001' });
    await registry.create(first);

    // Act
    const created = await registry.create(pendingRecord('create-twice', { externalId: 'second-external-id-0002', accountId: '999999999999' }));

    // Assess
    expect(created).toBe(false);
    const stored = await registry.get('registry.create-twice');
    expect(stored?.externalId).toBe('first-external-id-0001');
    expect(stored?.accountId).toBe('123456789012');
  });

  it('concurrent creates of the same provider: exactly one wins and its record is the one stored', async () => {
    // Prepare
    const contenders = ['id-a-000000', 'id-b-000000', 'id-c-000000', 'id-d-000000', 'id-e-000000'].map((externalId) =>
      pendingRecord('create-race', { externalId }),
    );

    // Act
    const results = await Promise.all(contenders.map((record) => registry.create(record)));

    // Assess
    expect(results.filter((created) => created)).toHaveLength(1);
    expect(results.filter((created) => !created)).toHaveLength(4);
    const winner = contenders[results.indexOf(true)];
    expect((await registry.get('registry.create-race'))?.externalId).toBe(winner?.externalId);
  });

  it('stores every field of a new provider as given', async () => {
    // Prepare
    const record = pendingRecord('create-fields');

    // Act
    const created = await registry.create(record);

    // Assess
    expect(created).toBe(true);
    expect(await registry.get('registry.create-fields')).toEqual({
      providerId: 'registry.create-fields',
      workspace: 'registry',
      name: 'create-fields',
      accountId: '123456789012',
      roleName: 'capa-payments-dev',
      rolePath: '/capa-providers/',
      roleArn: 'arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev',
      trustEc2: true,
      externalId: 'stored-external-id-7f3a9c1e5b2d4860',
      externalIdSource: 'supplied',
      status: 'PENDING',
      attempt: 1,
      executionName: 'registry_create-fields_1',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:registry_create-fields_1',
      createdAt: '2026-11-28T00:00:00.000Z',
      updatedAt: '2026-11-28T00:00:00.000Z',
    });
  });
});

describe('transition only applies to the attempt that owns the provider', () => {
  it('moves the current attempt and returns the whole updated record', async () => {
    // Prepare
    await registry.create(pendingRecord('transition-current'));

    // Act
    const updated = await registry.transition(
      'registry.transition-current',
      1,
      'READY',
      { policyVersion: 'sha256:0123456789abcdef', readyAt: '2026-11-28T01:00:00.000Z' },
      new Date('2026-11-28T01:00:00.000Z'),
    );

    // Assess
    expect(updated).toMatchObject({ status: 'READY', attempt: 1, policyVersion: 'sha256:0123456789abcdef', readyAt: '2026-11-28T01:00:00.000Z', updatedAt: '2026-11-28T01:00:00.000Z' });
    expect(await registry.get('registry.transition-current')).toEqual(updated);
  });

  it('a stale attempt throws StaleAttemptError and does not overwrite the newer attempt', async () => {
    // Prepare: attempt 1 failed and attempt 2 has started.
    await registry.create(pendingRecord('transition-stale'));
    await registry.transition('registry.transition-stale', 1, 'FAILED', { reason: 'ROLE_CONFLICT', message: 'taken' });
    await registry.restart('registry.transition-stale', 1, secondAttempt('transition-stale'));

    // Act
    const stale = registry.transition('registry.transition-stale', 1, 'READY', { policyVersion: 'sha256:stale' });

    // Assess
    await expect(stale).rejects.toBeInstanceOf(StaleAttemptError);
    await expect(stale).rejects.toThrow('Provider registry.transition-stale is no longer on attempt 1');
    expect(await registry.get('registry.transition-stale')).toMatchObject({
      status: 'PENDING',
      attempt: 2,
      executionName: 'registry_transition-stale_2',
      updatedAt: '2026-11-28T02:00:00.000Z',
    });
    expect((await registry.get('registry.transition-stale'))?.policyVersion).toBeUndefined();
  });

  it('a transition of a provider that does not exist throws StaleAttemptError and creates nothing', async () => {
    // Act
    const transition = registry.transition('registry.never-created', 1, 'FAILED', { reason: 'INTERNAL' });

    // Assess
    await expect(transition).rejects.toBeInstanceOf(StaleAttemptError);
    expect(await registry.get('registry.never-created')).toBeUndefined();
  });
});

describe('restart starts the next attempt only of a provider that FAILED at the previous attempt', () => {
  it('restarts a FAILED provider: PENDING at the next attempt, without the old reason and message', async () => {
    // Prepare
    await registry.create(pendingRecord('restart-failed'));
    await registry.transition('registry.restart-failed', 1, 'FAILED', { reason: 'ROLE_CONFLICT', message: 'taken' });

    // Act
    const restarted = await registry.restart('registry.restart-failed', 1, secondAttempt('restart-failed'));

    // Assess
    expect(restarted).toBe(true);
    const stored = await registry.get('registry.restart-failed');
    expect(stored).toMatchObject({
      status: 'PENDING',
      attempt: 2,
      executionName: 'registry_restart-failed_2',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:registry_restart-failed_2',
      updatedAt: '2026-11-28T02:00:00.000Z',
    });
    expect(stored?.reason).toBeUndefined();
    expect(stored?.message).toBeUndefined();
  });

  it('refuses to restart a provider that is not FAILED', async () => {
    // Prepare
    await registry.create(pendingRecord('restart-pending'));

    // Act
    const restarted = await registry.restart('registry.restart-pending', 1, secondAttempt('restart-pending'));

    // Assess
    expect(restarted).toBe(false);
    expect(await registry.get('registry.restart-pending')).toMatchObject({ status: 'PENDING', attempt: 1, executionName: 'registry_restart-pending_1' });
  });

  it('refuses to restart from an attempt that is not the current one', async () => {
    // Prepare: the provider FAILED at attempt 3.
    await registry.create(pendingRecord('restart-wrong-attempt', { status: 'FAILED', attempt: 3, reason: 'TIMEOUT' }));

    // Act
    const restarted = await registry.restart('registry.restart-wrong-attempt', 1, secondAttempt('restart-wrong-attempt'));

    // Assess
    expect(restarted).toBe(false);
    expect(await registry.get('registry.restart-wrong-attempt')).toMatchObject({ status: 'FAILED', attempt: 3, reason: 'TIMEOUT' });
  });

  it('concurrent restarts of the same FAILED attempt: exactly one wins', async () => {
    // Prepare
    await registry.create(pendingRecord('restart-race', { status: 'FAILED', reason: 'TIMEOUT' }));
    const contenders = ['a', 'b', 'c', 'd', 'e'].map((suffix) => ({ ...secondAttempt('restart-race'), executionName: `registry_restart-race_2${suffix}` }));

    // Act
    const results = await Promise.all(contenders.map((next) => registry.restart('registry.restart-race', 1, next)));

    // Assess
    expect(results.filter((restarted) => restarted)).toHaveLength(1);
    const winner = contenders[results.indexOf(true)];
    expect(await registry.get('registry.restart-race')).toMatchObject({ status: 'PENDING', attempt: 2, executionName: winner?.executionName });
  });
});

describe('listByWorkspace', () => {
  it('pages through one workspace in name order, and only that workspace', async () => {
    // Prepare
    for (const name of ['echo', 'alpha', 'delta', 'charlie', 'bravo']) {
      await registry.create(providerRecord({ providerId: `paging.${name}`, workspace: 'paging', name }));
    }
    await registry.create(providerRecord({ providerId: 'paging-other.alpha', workspace: 'paging-other', name: 'alpha' }));

    // Act
    const first = await registry.listByWorkspace('paging', 2);
    const second = await registry.listByWorkspace('paging', 2, first.nextToken);
    const third = await registry.listByWorkspace('paging', 2, second.nextToken);

    // Assess
    expect(first.items.map((item) => item.providerId)).toEqual(['paging.alpha', 'paging.bravo']);
    expect(second.items.map((item) => item.providerId)).toEqual(['paging.charlie', 'paging.delta']);
    expect(third.items.map((item) => item.providerId)).toEqual(['paging.echo']);
    expect(first.nextToken).toEqual(expect.any(String));
    expect(second.nextToken).toEqual(expect.any(String));
    expect(third.nextToken).toBeUndefined();
  });

  it('answers an empty page without a token for a workspace with no providers', async () => {
    // Act
    const page = await registry.listByWorkspace('empty-workspace', 10);

    // Assess
    expect(page).toEqual({ items: [], nextToken: undefined });
  });

  it.each([
    ['not base64url JSON', '!!'],
    ['JSON that is not an object', Buffer.from('[1,2]').toString('base64url')],
  ])('rejects a token that is %s with InvalidPageToken', async (_label, token) => {
    // Act
    const page = registry.listByWorkspace('paging', 2, token);

    // Assess
    await expect(page).rejects.toBeInstanceOf(InvalidPageToken);
  });
});
