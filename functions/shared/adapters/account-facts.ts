// What the new-account rules look at, read from Organizations: the OU path (ListParents up to the
// root, each OU's name from DescribeOrganizationalUnit) and the account's tags
// (ListTagsForResource). Only what the configured rules use is read, so a deployment without
// rules makes no Organizations call. A Control Tower event names the account's OU: the walk
// starts there. Errors propagate: throttling and 5xx are retried by the SDK, then by the
// asynchronous invocation, and what still fails lands in the trigger's dead-letter queue.
import {
  DescribeOrganizationalUnitCommand,
  ListParentsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { rulesNeed, type AccountFacts, type AccountRule, type OrganizationalUnitFact } from '../domain/account-rules.js';
import type { NewAccount } from '../domain/new-account.js';

/** Organizations nests OUs at most five levels below the root. */
const MAX_OU_DEPTH = 5;
/** ListTagsForResource pages; an account holds at most 50 tags. */
const MAX_TAG_PAGES = 10;

async function parentOf(organizations: OrganizationsClient, childId: string): Promise<{ id: string; type: string }> {
  const { Parents = [] } = await organizations.send(new ListParentsCommand({ ChildId: childId }));
  const [parent] = Parents;
  if (parent?.Id === undefined || parent.Type === undefined) throw new Error(`Organizations named no parent of ${childId}`);
  return { id: parent.Id, type: parent.Type };
}

async function unitNamed(organizations: OrganizationsClient, id: string): Promise<OrganizationalUnitFact> {
  const { OrganizationalUnit } = await organizations.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: id }));
  return { id, name: OrganizationalUnit?.Name ?? '' };
}

/** The OUs from below the root down to the account's, outermost first. */
async function organizationalUnitsOf(organizations: OrganizationsClient, account: NewAccount): Promise<OrganizationalUnitFact[]> {
  const path: OrganizationalUnitFact[] = [];
  let next = account.organizationalUnit !== undefined ? { id: account.organizationalUnit.id, type: 'ORGANIZATIONAL_UNIT' } : await parentOf(organizations, account.request.accountId);
  while (next.type === 'ORGANIZATIONAL_UNIT') {
    if (path.length >= MAX_OU_DEPTH) throw new Error(`OU path of ${account.request.accountId} is deeper than Organizations allows`);
    const known = account.organizationalUnit;
    path.unshift(known?.id === next.id && known.name !== '' ? known : await unitNamed(organizations, next.id));
    next = await parentOf(organizations, next.id);
  }
  return path;
}

async function tagsOf(organizations: OrganizationsClient, accountId: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_TAG_PAGES; page++) {
    const response = await organizations.send(new ListTagsForResourceCommand({ ResourceId: accountId, NextToken: nextToken }));
    for (const tag of response.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
    nextToken = response.NextToken;
    if (nextToken === undefined) return tags;
  }
  throw new Error(`ListTagsForResource of ${accountId} kept answering a NextToken`);
}

/** The facts `rules` need about the account an event announced. */
export async function accountFactsOf(organizations: OrganizationsClient, rules: readonly AccountRule[], account: NewAccount): Promise<AccountFacts> {
  const need = rulesNeed(rules);
  return {
    accountId: account.request.accountId,
    source: account.source,
    organizationalUnits: need.organizationalUnits ? await organizationalUnitsOf(organizations, account) : [],
    tags: need.tags ? await tagsOf(organizations, account.request.accountId) : {},
  };
}
