// The rotation's registry writes against a real DynamoDB engine (dynalite): one open rotation per
// provider, the swap of the new and previous External IDs in one conditional update, and closing
// that removes every rotation attribute whichever step it comes from.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RotationRegistry } from '../../../../functions/shared/adapters/rotation-registry.js';
import { startRegistryTable, type TestTable } from '../../../support/dynamodb.js';
import { providerRecord, registryOn } from '../../../support/provider-records.js';

let table: TestTable;
let rotations: RotationRegistry;

beforeAll(async () => {
  table = await startRegistryTable();
  const client = new DynamoDBClient({ endpoint: table.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  rotations = new RotationRegistry(DynamoDBDocumentClient.from(client), table.tableName);
});

afterAll(async () => {
  await table?.close();
});

const NOW = new Date('2026-11-29T10:00:00.000Z');
const start = (rotationId: string) => ({
  rotationId,
  rotationExecutionArn: `arn:aws:states:us-east-1:000000000000:execution:Rotate:payments_x_rotation-${rotationId}`,
  pendingExternalId: 'next-external-id-0000',
  pendingExternalIdSource: 'generated' as const,
});

describe('RotationRegistry', () => {
  it('opens one rotation per READY provider: a second one, or one on a provider not READY, is refused', async () => {
    // Prepare
    await registryOn(table).create(providerRecord({ providerId: 'payments.one', name: 'one' }));
    await registryOn(table).create(providerRecord({ providerId: 'payments.failed', name: 'failed', status: 'FAILED' }));

    // Act
    const first = await rotations.begin('payments.one', start('aaaaaaaaaaaaaaaa'), NOW);
    const second = await rotations.begin('payments.one', start('bbbbbbbbbbbbbbbb'), NOW);
    const notReady = await rotations.begin('payments.failed', start('cccccccccccccccc'), NOW);

    // Assess
    expect([first, second, notReady]).toEqual([true, false, false]);
    expect(await rotations.get('payments.one')).toMatchObject({
      externalId: 'stored-external-id-7f3a9c1e5b2d4860',
      rotationId: 'aaaaaaaaaaaaaaaa',
      rotationStatus: 'TRUSTING_BOTH',
      rotationStartedAt: '2026-11-29T10:00:00.000Z',
      pendingExternalId: 'next-external-id-0000',
    });
  });

  it('swaps the IDs when the grace period opens, once: a retried step finds the swap done and changes nothing', async () => {
    // Prepare
    await registryOn(table).create(providerRecord({ providerId: 'payments.swap', name: 'swap' }));
    await rotations.begin('payments.swap', start('dddddddddddddddd'), NOW);

    // Act
    const opened = await rotations.openGrace('payments.swap', 'dddddddddddddddd', '2026-11-30T10:00:00.000Z', NOW);
    const retried = await rotations.openGrace('payments.swap', 'dddddddddddddddd', '2026-11-30T10:05:00.000Z', NOW);

    // Assess
    expect(opened).toMatchObject({
      externalId: 'next-external-id-0000',
      externalIdSource: 'generated',
      previousExternalId: 'stored-external-id-7f3a9c1e5b2d4860',
      previousExternalIdExpiresAt: '2026-11-30T10:00:00.000Z',
      rotationStatus: 'GRACE',
    });
    expect(opened.pendingExternalId).toBeUndefined();
    expect(retried).toEqual(opened);
  });

  it('closes a rotation by removing every rotation attribute and recording how it ended; a stale close does nothing', async () => {
    // Prepare
    await registryOn(table).create(providerRecord({ providerId: 'payments.close', name: 'close' }));
    await rotations.begin('payments.close', start('eeeeeeeeeeeeeeee'), NOW);
    await rotations.openGrace('payments.close', 'eeeeeeeeeeeeeeee', '2026-11-30T10:00:00.000Z', NOW);
    await rotations.storeTaskToken('payments.close', 'eeeeeeeeeeeeeeee', 'AQtoken');
    const last = { rotationId: 'eeeeeeeeeeeeeeee', outcome: 'ROTATED' as const, reason: 'CONFIRMED', message: 'removed', endedAt: '2026-11-29T11:00:00.000Z' };

    // Act
    const closed = await rotations.finish('payments.close', 'eeeeeeeeeeeeeeee', last, NOW);
    const stale = await rotations.finish('payments.close', 'eeeeeeeeeeeeeeee', { ...last, reason: 'GRACE_ENDED' }, NOW);

    // Assess
    expect(stale).toBeUndefined();
    expect(closed).toEqual({ ...providerRecord({ providerId: 'payments.close', name: 'close' }), externalId: 'next-external-id-0000', externalIdSource: 'generated', lastRotation: last, updatedAt: '2026-11-29T10:00:00.000Z' });
    expect(await rotations.begin('payments.close', start('ffffffffffffffff'), NOW)).toBe(true);
  });
});
