// The organization's structure through the real SDK: the root, OUs, parents and children, moving
// accounts, tags, and paging, with AWS's errors; and what survives a snapshot/restore.
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  DeleteOrganizationalUnitCommand,
  DescribeOrganizationalUnitCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListChildrenCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  MoveAccountCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalIam } from '../../../local/iam/index.js';
import { startHarness, type Harness } from '../iam/harness.js';

const MGMT = '000000000000';

let local: LocalIam;
let harness: Harness;
let org: OrganizationsClient;

beforeEach(async () => {
  local = new LocalIam();
  harness = await startHarness(local);
  org = harness.clients(local.adminCredentials()).org;
});

afterEach(async () => {
  await harness.close();
});

async function rootId(): Promise<string> {
  const { Roots } = await org.send(new ListRootsCommand({}));
  return Roots![0]!.Id!;
}

async function createUnit(parentId: string, name: string): Promise<string> {
  const { OrganizationalUnit } = await org.send(new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: name }));
  return OrganizationalUnit!.Id!;
}

/** The error code an SDK call fails with. */
async function errorOf(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => 'no error',
    (error: Error) => error.name,
  );
}

describe('roots and organizational units', () => {
  it('lists the one root, named Root, with its ARN in the organization', async () => {
    // Act
    const { Roots } = await org.send(new ListRootsCommand({}));
    // Assess
    expect(Roots).toHaveLength(1);
    expect(Roots![0]).toMatchObject({ Name: 'Root', PolicyTypes: [] });
    expect(Roots![0]!.Id).toMatch(/^r-[0-9a-f]{4}$/);
    expect(Roots![0]!.Arn).toMatch(new RegExp(`^arn:aws:organizations::${MGMT}:root/o-[0-9a-f]{10}/${Roots![0]!.Id}$`));
  });

  it('creates nested OUs whose ids carry the root id, and describes and lists them by parent', async () => {
    // Prepare
    const root = await rootId();
    // Act
    const workloads = await createUnit(root, 'Workloads');
    const payments = await createUnit(workloads, 'payments');
    const described = await org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: payments }));
    const underRoot = await org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root }));
    const underWorkloads = await org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: workloads }));
    // Assess
    expect(payments).toMatch(new RegExp(`^ou-${root.slice(2)}-[a-z0-9]{8}$`));
    expect(described.OrganizationalUnit).toMatchObject({ Id: payments, Name: 'payments' });
    expect(described.OrganizationalUnit?.Arn).toMatch(new RegExp(`^arn:aws:organizations::${MGMT}:ou/o-[0-9a-f]{10}/${payments}$`));
    expect(underRoot.OrganizationalUnits?.map((u) => u.Name)).toEqual(['Workloads']);
    expect(underWorkloads.OrganizationalUnits?.map((u) => u.Id)).toEqual([payments]);
  });

  it('refuses a second OU of the same name under one parent, but not under another', async () => {
    // Prepare
    const root = await rootId();
    const workloads = await createUnit(root, 'Workloads');
    await createUnit(root, 'payments');
    // Act
    const duplicate = await errorOf(createUnit(root, 'payments'));
    const elsewhere = await errorOf(createUnit(workloads, 'payments'));
    // Assess
    expect(duplicate).toBe('DuplicateOrganizationalUnitException');
    expect(elsewhere).toBe('no error');
  });

  it("answers AWS's not-found errors for an unknown parent, OU and child", async () => {
    // Prepare
    const root = await rootId();
    const missingUnit = `ou-${root.slice(2)}-zzzzzzzz`;
    // Act
    const parent = await errorOf(createUnit(missingUnit, 'x'));
    const unit = await errorOf(org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: missingUnit })));
    const child = await errorOf(org.send(new ListParentsCommand({ ChildId: '123456789012' })));
    const malformed = await errorOf(org.send(new ListChildrenCommand({ ParentId: 'not-an-id', ChildType: 'ACCOUNT' })));
    // Assess
    expect([parent, unit, child, malformed]).toEqual([
      'ParentNotFoundException',
      'OrganizationalUnitNotFoundException',
      'ChildNotFoundException',
      'InvalidInputException',
    ]);
  });

  it('refuses to delete an OU that still holds an account, and deletes it once empty', async () => {
    // Prepare
    const root = await rootId();
    const sandbox = await createUnit(root, 'Sandbox');
    const { accountId } = local.createAccount('sandboxed', 'sandboxed@example.com');
    await org.send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: root, DestinationParentId: sandbox }));
    // Act
    const whileFull = await errorOf(org.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: sandbox })));
    await org.send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: sandbox, DestinationParentId: root }));
    await org.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: sandbox }));
    const left = await org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root }));
    // Assess
    expect(whileFull).toBe('OrganizationalUnitNotEmptyException');
    expect(left.OrganizationalUnits).toEqual([]);
  });

  it('nests OUs at most five levels below the root', async () => {
    // Prepare
    let parent = await rootId();
    for (const level of ['l1', 'l2', 'l3', 'l4', 'l5']) parent = await createUnit(parent, level);
    // Act
    const sixth = await errorOf(createUnit(parent, 'l6'));
    // Assess
    expect(sixth).toBe('ConstraintViolationException');
  });
});

describe('parents, children and moving accounts', () => {
  it('places a new account in the root and moves it into an OU, as ListParents, ListChildren and ListAccountsForParent show', async () => {
    // Prepare
    const root = await rootId();
    const payments = await createUnit(root, 'payments');
    const { accountId } = local.createAccount('team-payments', 'team-payments@example.com');
    const before = await org.send(new ListParentsCommand({ ChildId: accountId }));
    // Act
    await org.send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: root, DestinationParentId: payments }));
    // Assess
    const after = await org.send(new ListParentsCommand({ ChildId: accountId }));
    const unitParent = await org.send(new ListParentsCommand({ ChildId: payments }));
    const children = await org.send(new ListChildrenCommand({ ParentId: payments, ChildType: 'ACCOUNT' }));
    const rootChildren = await org.send(new ListChildrenCommand({ ParentId: root, ChildType: 'ORGANIZATIONAL_UNIT' }));
    const inPayments = await org.send(new ListAccountsForParentCommand({ ParentId: payments }));
    const inRoot = await org.send(new ListAccountsForParentCommand({ ParentId: root }));
    expect(before.Parents).toEqual([{ Id: root, Type: 'ROOT' }]);
    expect(after.Parents).toEqual([{ Id: payments, Type: 'ORGANIZATIONAL_UNIT' }]);
    expect(unitParent.Parents).toEqual([{ Id: root, Type: 'ROOT' }]);
    expect(children.Children).toEqual([{ Id: accountId, Type: 'ACCOUNT' }]);
    expect(rootChildren.Children).toEqual([{ Id: payments, Type: 'ORGANIZATIONAL_UNIT' }]);
    expect(inPayments.Accounts?.map((a) => a.Id)).toEqual([accountId]);
    expect(inRoot.Accounts?.map((a) => a.Id)).toEqual([MGMT]);
  });

  it("answers MoveAccount's errors as AWS does", async () => {
    // Prepare
    const root = await rootId();
    const payments = await createUnit(root, 'payments');
    const missing = `ou-${root.slice(2)}-zzzzzzzz`;
    const { accountId } = local.createAccount('mover', 'mover@example.com');
    const move = (source: string, destination: string, account = accountId) =>
      errorOf(org.send(new MoveAccountCommand({ AccountId: account, SourceParentId: source, DestinationParentId: destination })));
    // Act
    const errors = [await move(missing, payments), await move(root, missing), await move(root, root), await move(payments, root), await move(root, payments, '123456789012')];
    // Assess
    expect(errors).toEqual([
      'SourceParentNotFoundException',
      'DestinationParentNotFoundException',
      'DuplicateAccountException',
      'AccountNotFoundException',
      'AccountNotFoundException',
    ]);
  });
});

describe('tags', () => {
  it("keeps CreateAccount's Tags on the account, and TagResource / UntagResource change them", async () => {
    // Prepare
    const created = await org.send(
      new CreateAccountCommand({ AccountName: 'tagged', Email: 'tagged@example.com', Tags: [{ Key: 'capa-workspace', Value: 'payments' }, { Key: 'team', Value: 'a' }] }),
    );
    const accountId = created.CreateAccountStatus!.AccountId!;
    const atCreation = await org.send(new ListTagsForResourceCommand({ ResourceId: accountId }));
    // Act
    await org.send(new TagResourceCommand({ ResourceId: accountId, Tags: [{ Key: 'team', Value: 'b' }, { Key: 'cost-centre', Value: '42' }] }));
    await org.send(new UntagResourceCommand({ ResourceId: accountId, TagKeys: ['capa-workspace'] }));
    const after = await org.send(new ListTagsForResourceCommand({ ResourceId: accountId }));
    // Assess
    expect(atCreation.Tags).toEqual([{ Key: 'capa-workspace', Value: 'payments' }, { Key: 'team', Value: 'a' }]);
    expect(after.Tags).toEqual([{ Key: 'team', Value: 'b' }, { Key: 'cost-centre', Value: '42' }]);
  });

  it('tags OUs (also at creation) and the root, and answers TargetNotFoundException for an unknown resource', async () => {
    // Prepare
    const root = await rootId();
    const { OrganizationalUnit } = await org.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'payments', Tags: [{ Key: 'tier', Value: 'prod' }] }));
    // Act
    await org.send(new TagResourceCommand({ ResourceId: root, Tags: [{ Key: 'landing-zone', Value: 'v1' }] }));
    const unitTags = await org.send(new ListTagsForResourceCommand({ ResourceId: OrganizationalUnit!.Id }));
    const rootTags = await org.send(new ListTagsForResourceCommand({ ResourceId: root }));
    const unknown = await errorOf(org.send(new ListTagsForResourceCommand({ ResourceId: '123456789012' })));
    // Assess
    expect(unitTags.Tags).toEqual([{ Key: 'tier', Value: 'prod' }]);
    expect(rootTags.Tags).toEqual([{ Key: 'landing-zone', Value: 'v1' }]);
    expect(unknown).toBe('TargetNotFoundException');
  });
});

describe('ListAccounts paging', () => {
  it('answers at most 20 accounts a page with a NextToken while more remain, and refuses MaxResults over 20', async () => {
    // Prepare: 25 members and the management account
    for (let i = 0; i < 25; i++) local.createAccount(`member-${i}`, `member-${i}@example.com`);
    // Act
    const first = await org.send(new ListAccountsCommand({}));
    const second = await org.send(new ListAccountsCommand({ NextToken: first.NextToken }));
    const small = await org.send(new ListAccountsCommand({ MaxResults: 5 }));
    const tooMany = await errorOf(org.send(new ListAccountsCommand({ MaxResults: 21 })));
    // Assess
    expect(first.Accounts).toHaveLength(20);
    expect(second.Accounts).toHaveLength(6);
    expect(second.NextToken).toBeUndefined();
    expect(new Set([...first.Accounts!, ...second.Accounts!].map((a) => a.Id)).size).toBe(26);
    expect(small.Accounts).toHaveLength(5);
    expect(tooMany).toBe('InvalidInputException');
  });
});

describe('persistence', () => {
  it('restores OUs, parents and tags from a snapshot and from its records', async () => {
    // Prepare
    const root = await rootId();
    const payments = await createUnit(root, 'payments');
    const { accountId } = local.createAccount('kept', 'kept@example.com');
    await org.send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: root, DestinationParentId: payments }));
    await org.send(new TagResourceCommand({ ResourceId: accountId, Tags: [{ Key: 'team', Value: 'payments' }] }));
    await org.send(new TagResourceCommand({ ResourceId: root, Tags: [{ Key: 'zone', Value: 'a' }] }));
    const fromSnapshot = new LocalIam();
    const fromRecords = new LocalIam();
    // Act
    fromSnapshot.restore(JSON.parse(JSON.stringify(local.snapshot())));
    fromRecords.restoreRecords(new Map(local.records()));
    // Assess
    for (const restored of [fromSnapshot, fromRecords]) {
      await harness.close();
      harness = await startHarness(restored);
      org = harness.clients(restored.adminCredentials()).org;
      expect((await org.send(new ListParentsCommand({ ChildId: accountId }))).Parents).toEqual([{ Id: payments, Type: 'ORGANIZATIONAL_UNIT' }]);
      expect((await org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: payments }))).OrganizationalUnit?.Name).toBe('payments');
      expect((await org.send(new ListTagsForResourceCommand({ ResourceId: accountId }))).Tags).toEqual([{ Key: 'team', Value: 'payments' }]);
      expect((await org.send(new ListTagsForResourceCommand({ ResourceId: root }))).Tags).toEqual([{ Key: 'zone', Value: 'a' }]);
    }
  });

  it('restores a snapshot written before OUs existed with every account in the root', async () => {
    // Prepare: the version-1 organization as earlier releases saved it (no OUs, no parents, no tags)
    const { accountId } = local.createAccount('old', 'old@example.com');
    const snapshot = local.snapshot();
    delete snapshot.organization.organizationalUnits;
    const restored = new LocalIam();
    // Act
    restored.restore(JSON.parse(JSON.stringify(snapshot)));
    await harness.close();
    harness = await startHarness(restored);
    org = harness.clients(restored.adminCredentials()).org;
    // Assess
    const root = await rootId();
    expect((await org.send(new ListParentsCommand({ ChildId: accountId }))).Parents).toEqual([{ Id: root, Type: 'ROOT' }]);
    expect((await org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root }))).OrganizationalUnits).toEqual([]);
  });
});
