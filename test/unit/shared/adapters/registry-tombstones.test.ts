// DELETED providers stay in the registry as tombstones: lists leave them out unless asked, and a
// page is still filled when tombstones sit between live providers. Against dynalite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistryTable, type TestTable } from '../../../support/dynamodb.js';
import { providerRecord, registryOn } from '../../../support/provider-records.js';

let table: TestTable;

beforeAll(async () => {
  table = await startRegistryTable();
  const registry = registryOn(table);
  // Workspace "tomb": a, b (DELETED), c (DELETED), d, e
  for (const [name, status] of [['a', 'READY'], ['b', 'DELETED'], ['c', 'DELETED'], ['d', 'FAILED'], ['e', 'READY']] as const) {
    await registry.create(providerRecord({ providerId: `tomb.${name}`, workspace: 'tomb', name, status }));
  }
});
afterAll(async () => {
  await table.close();
});

describe('listing a workspace with tombstones', () => {
  it('leaves DELETED providers out and still fills the page past them', async () => {
    // Act
    const first = await registryOn(table).listByWorkspace('tomb', 2);
    const second = await registryOn(table).listByWorkspace('tomb', 2, first.nextToken);

    // Assess
    expect(first.items.map((item) => item.name)).toEqual(['a', 'd']);
    expect(first.nextToken).toEqual(expect.any(String));
    expect(second.items.map((item) => item.name)).toEqual(['e']);
    expect(second.nextToken).toBeUndefined();
  });

  it('includes them with includeDeleted', async () => {
    // Act
    const page = await registryOn(table).listByWorkspace('tomb', 10, undefined, { includeDeleted: true });

    // Assess
    expect(page.items.map((item) => `${item.name}:${item.status}`)).toEqual(['a:READY', 'b:DELETED', 'c:DELETED', 'd:FAILED', 'e:READY']);
    expect(page.nextToken).toBeUndefined();
  });
});
