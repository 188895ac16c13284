// What the reconcile reads from AWS Organizations (management account, read-only): the
// organization, every account (ListAccounts, 20 a page, AWS's maximum), where each account sits
// (one walk of the OU tree, a few calls per OU rather than ListParents per account), and one
// account's tags. Every listing is read to its end, or the call fails: the reconcile never
// decides on half a listing.
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import type { OrganizationalUnitFact } from '../domain/account-rules.js';
import type { OrgAccount } from '../domain/reconciliation.js';
import { callAws } from './aws-errors.js';

/** ListAccounts and ListAccountsForParent accept at most 20 results a page. */
const PAGE_SIZE = 20;
/** Pages one listing may take: 20,000 accounts or OUs under one parent, beyond any organization's quota. */
const MAX_PAGES = 1_000;
/** OUs nest at most five levels under the root. */
const MAX_DEPTH = 6;

async function allPages<T>(what: string, page: (token: string | undefined) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  for (let count = 0; count < MAX_PAGES; count += 1) {
    const result = await page(token);
    items.push(...result.items);
    token = result.next;
    if (token === undefined) return items;
  }
  throw new Error(`${what} did not end within ${MAX_PAGES} pages`);
}

export async function describeOrganization(org: OrganizationsClient): Promise<{ organizationId: string; managementAccountId: string }> {
  const { Organization } = await callAws('DescribeOrganization', () => org.send(new DescribeOrganizationCommand({})));
  if (Organization?.Id === undefined || Organization.MasterAccountId === undefined) throw new Error('DescribeOrganization named no organization');
  return { organizationId: Organization.Id, managementAccountId: Organization.MasterAccountId };
}

export function listAccounts(org: OrganizationsClient): Promise<OrgAccount[]> {
  return allPages('ListAccounts', async (NextToken) => {
    const page = await callAws('ListAccounts', () => org.send(new ListAccountsCommand({ MaxResults: PAGE_SIZE, NextToken })));
    return {
      items: (page.Accounts ?? []).flatMap((account) =>
        account.Id === undefined ? [] : [{ accountId: account.Id, status: String(account.Status ?? account.State ?? 'UNKNOWN') }],
      ),
      next: page.NextToken,
    };
  });
}

/**
 * Each account's OUs below the root, outermost first (`[]` for an account in the root), from one
 * walk of the OU tree: per parent, its OUs and its accounts. An organization with P parents (roots
 * and OUs) costs 1 + 2P calls (plus pages), whatever its number of accounts.
 */
export async function organizationalUnitsByAccount(org: OrganizationsClient): Promise<Map<string, OrganizationalUnitFact[]>> {
  const roots = await allPages('ListRoots', async (NextToken) => {
    const page = await callAws('ListRoots', () => org.send(new ListRootsCommand({ NextToken })));
    return { items: (page.Roots ?? []).flatMap((root) => (root.Id === undefined ? [] : [root.Id])), next: page.NextToken };
  });
  const placements = new Map<string, OrganizationalUnitFact[]>();
  let level: Array<{ parentId: string; units: OrganizationalUnitFact[] }> = roots.map((parentId) => ({ parentId, units: [] }));
  for (let depth = 0; level.length > 0; depth += 1) {
    if (depth >= MAX_DEPTH) throw new Error(`The organization's OUs nest deeper than ${MAX_DEPTH} levels`);
    const next: typeof level = [];
    for (const { parentId, units } of level) {
      for (const accountId of await accountsUnder(org, parentId)) placements.set(accountId, units);
      for (const unit of await unitsUnder(org, parentId)) next.push({ parentId: unit.id, units: [...units, unit] });
    }
    level = next;
  }
  return placements;
}

function accountsUnder(org: OrganizationsClient, ParentId: string): Promise<string[]> {
  return allPages(`ListAccountsForParent ${ParentId}`, async (NextToken) => {
    const page = await callAws(`ListAccountsForParent ${ParentId}`, () =>
      org.send(new ListAccountsForParentCommand({ ParentId, MaxResults: PAGE_SIZE, NextToken })),
    );
    return { items: (page.Accounts ?? []).flatMap((account) => (account.Id === undefined ? [] : [account.Id])), next: page.NextToken };
  });
}

function unitsUnder(org: OrganizationsClient, ParentId: string): Promise<OrganizationalUnitFact[]> {
  return allPages(`ListOrganizationalUnitsForParent ${ParentId}`, async (NextToken) => {
    const page = await callAws(`ListOrganizationalUnitsForParent ${ParentId}`, () =>
      org.send(new ListOrganizationalUnitsForParentCommand({ ParentId, MaxResults: PAGE_SIZE, NextToken })),
    );
    return {
      items: (page.OrganizationalUnits ?? []).flatMap((unit) => (unit.Id === undefined ? [] : [{ id: unit.Id, name: unit.Name ?? '' }])),
      next: page.NextToken,
    };
  });
}

export async function accountTags(org: OrganizationsClient, ResourceId: string): Promise<Record<string, string>> {
  const tags = await allPages(`ListTagsForResource ${ResourceId}`, async (NextToken) => {
    const page = await callAws(`ListTagsForResource ${ResourceId}`, () => org.send(new ListTagsForResourceCommand({ ResourceId, NextToken })));
    return { items: page.Tags ?? [], next: page.NextToken };
  });
  return Object.fromEntries(tags.flatMap((tag) => (tag.Key === undefined ? [] : [[tag.Key, tag.Value ?? '']])));
}
