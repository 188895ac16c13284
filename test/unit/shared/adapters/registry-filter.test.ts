// Listing with a status filter, against a real DynamoDB engine (dynalite): DynamoDB filters after
// `Limit`, so the registry tops a page up from the following items and continues, with a token
// that is still a name position, exactly where the page it returned ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderRegistry } from '../../../../functions/shared/adapters/registry.js';
import type { ProviderStatus } from '../../../../functions/shared/domain/provider.js';
import { startRegistryTable, type TestTable } from '../../../support/dynamodb.js';
import { providerRecord, registryOn } from '../../../support/provider-records.js';

let table: TestTable;
let registry: ProviderRegistry;

const PROVIDERS: Array<[string, ProviderStatus]> = [
  ['alpha', 'READY'],
  ['bravo', 'DELETED'],
  ['charlie', 'FAILED'],
  ['delta', 'DELETED'],
  ['echo', 'READY'],
  ['foxtrot', 'READY'],
];

beforeAll(async () => {
  table = await startRegistryTable();
  registry = registryOn(table);
  for (const [name, status] of PROVIDERS) {
    await registry.create(providerRecord({ providerId: `filter.${name}`, workspace: 'filter', name, status }));
  }
});

afterAll(async () => {
  await table.close();
});

const names = (page: { items: { name: string }[] }) => page.items.map((item) => item.name);

describe('a filtered listing', () => {
  it('leaves out the excluded statuses and fills each page from the items after them', async () => {
    // Act
    const first = await registry.listByWorkspace('filter', 2, undefined, { exclude: ['DELETED'] });
    const second = await registry.listByWorkspace('filter', 2, first.nextToken, { exclude: ['DELETED'] });

    // Assess
    expect(names(first)).toEqual(['alpha', 'charlie']);
    expect(first.nextToken).toEqual(expect.any(String));
    expect(names(second)).toEqual(['echo', 'foxtrot']);
    expect(second.nextToken).toBeUndefined();
  });

  it('lists only the statuses asked for, in name order', async () => {
    // Act
    const page = await registry.listByWorkspace('filter', 10, undefined, { only: ['READY', 'FAILED'], exclude: ['DELETED'] });

    // Assess
    expect(names(page)).toEqual(['alpha', 'charlie', 'echo', 'foxtrot']);
    expect(page.nextToken).toBeUndefined();
  });

  it('cuts a page that a query overfilled and continues right after its last item', async () => {
    // Act
    const first = await registry.listByWorkspace('filter', 1, undefined, { only: ['READY'], exclude: [] });
    const second = await registry.listByWorkspace('filter', 1, first.nextToken, { only: ['READY'], exclude: [] });
    const third = await registry.listByWorkspace('filter', 1, second.nextToken, { only: ['READY'], exclude: [] });

    // Assess
    expect([names(first), names(second), names(third)]).toEqual([['alpha'], ['echo'], ['foxtrot']]);
  });

  it('shows tombstones when they are not excluded', async () => {
    // Act
    const page = await registry.listByWorkspace('filter', 10, undefined, { only: ['DELETED'], exclude: [] });

    // Assess
    expect(names(page)).toEqual(['bravo', 'delta']);
  });
});
