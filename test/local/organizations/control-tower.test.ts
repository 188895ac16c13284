// Control Tower mode of the local Organizations: the landing zone's OUs, and CreateAccount as
// Account Factory (AWSControlTowerExecution trusting the management account, the OU its
// ManagedOrganizationalUnit tag names or Sandbox, and the CreateManagedAccount event shaped like
// Control Tower's).
import { readFileSync } from 'node:fs';
import { CreateAccountCommand, ListOrganizationalUnitsForParentCommand, ListParentsCommand, ListRootsCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalIam, type LocalIamEvent } from '../../../local/iam/index.js';
import { startHarness, type Harness } from '../iam/harness.js';

const MGMT = '000000000000';
const fixture = JSON.parse(
  readFileSync(new URL('../../../../shared/fixtures/events/controltower-create-managed-account.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** The shape of a JSON value: its keys and value types, recursively. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]).sort(([a], [b]) => String(a).localeCompare(String(b))));
  }
  return typeof value;
}

let local: LocalIam;
let harness: Harness;
let org: OrganizationsClient;
let events: LocalIamEvent[];

beforeEach(async () => {
  events = [];
  local = new LocalIam({ emitEvent: (event) => void events.push(event) });
  local.enableControlTower();
  harness = await startHarness(local);
  org = harness.clients(local.adminCredentials()).org;
});

afterEach(async () => {
  await harness.close();
});

async function unitsUnderRoot(client: OrganizationsClient): Promise<Array<{ Id?: string; Name?: string }>> {
  const { Roots } = await client.send(new ListRootsCommand({}));
  return (await client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: Roots![0]!.Id }))).OrganizationalUnits ?? [];
}

describe('Control Tower mode', () => {
  it('sets up the Security and Sandbox OUs under the root once, however often it is enabled', async () => {
    // Act
    local.enableControlTower();
    const units = await unitsUnderRoot(org);
    // Assess
    expect(units.map((unit) => unit.Name)).toEqual(['Security', 'Sandbox']);
  });

  it('creates the account with AWSControlTowerExecution, trusting the management account, and no OrganizationAccountAccessRole', async () => {
    // Prepare
    const { sts } = harness.clients(local.adminCredentials());
    // Act
    const created = await org.send(new CreateAccountCommand({ AccountName: 'team-sandbox', Email: 'team-sandbox@example.com' }));
    const accountId = created.CreateAccountStatus!.AccountId!;
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/AWSControlTowerExecution`, RoleSessionName: 'ct' }));
    // Assess
    expect(local.getRole(accountId, 'AWSControlTowerExecution')?.assumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MGMT}:root` }, Action: 'sts:AssumeRole' }],
    });
    expect(local.getRole(accountId, 'AWSControlTowerExecution')?.attachedPolicyArns).toEqual(['arn:aws:iam::aws:policy/AdministratorAccess']);
    expect(local.getRole(accountId, 'OrganizationAccountAccessRole')).toBeUndefined();
    expect(assumed.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${accountId}:assumed-role/AWSControlTowerExecution/ct`);
  });

  it('places the account in Sandbox by default, or in the OU its ManagedOrganizationalUnit tag names, and refuses an unknown OU', async () => {
    // Prepare
    const units = await unitsUnderRoot(org);
    const sandbox = units.find((unit) => unit.Name === 'Sandbox')!.Id;
    const security = units.find((unit) => unit.Name === 'Security')!.Id;
    // Act
    const plain = await org.send(new CreateAccountCommand({ AccountName: 'plain', Email: 'plain@example.com' }));
    const tagged = await org.send(
      new CreateAccountCommand({ AccountName: 'audit', Email: 'audit@example.com', Tags: [{ Key: 'ManagedOrganizationalUnit', Value: 'Security' }] }),
    );
    const unknown = await org
      .send(new CreateAccountCommand({ AccountName: 'lost', Email: 'lost@example.com', Tags: [{ Key: 'ManagedOrganizationalUnit', Value: 'Nowhere' }] }))
      .then(
        () => 'created',
        (error: Error) => error.name,
      );
    // Assess
    expect((await org.send(new ListParentsCommand({ ChildId: plain.CreateAccountStatus!.AccountId }))).Parents).toEqual([{ Id: sandbox, Type: 'ORGANIZATIONAL_UNIT' }]);
    expect((await org.send(new ListParentsCommand({ ChildId: tagged.CreateAccountStatus!.AccountId }))).Parents).toEqual([{ Id: security, Type: 'ORGANIZATIONAL_UNIT' }]);
    expect(unknown).toBe('InvalidInputException');
  });

  it("announces the account with Control Tower's CreateManagedAccount event, shaped like the fixture, naming its OU", async () => {
    // Prepare
    const sandbox = (await unitsUnderRoot(org)).find((unit) => unit.Name === 'Sandbox')!.Id;
    // Act
    const created = await org.send(new CreateAccountCommand({ AccountName: 'team-search-prod', Email: 'search@example.com' }));
    // Assess
    expect(events).toHaveLength(1);
    const { id: _id, version: _version, ...fixtureWithoutBusFields } = fixture;
    expect(shape(events[0])).toEqual(shape(fixtureWithoutBusFields));
    expect(events[0]).toMatchObject({
      source: 'aws.controltower',
      'detail-type': 'AWS Service Event via CloudTrail',
      account: MGMT,
      detail: {
        eventName: 'CreateManagedAccount',
        eventSource: 'controltower.amazonaws.com',
        serviceEventDetails: {
          createManagedAccountStatus: {
            state: 'SUCCEEDED',
            account: { accountId: created.CreateAccountStatus!.AccountId, accountName: 'team-search-prod' },
            organizationalUnit: { organizationalUnitId: sandbox, organizationalUnitName: 'Sandbox' },
          },
        },
      },
    });
    const status = (events[0]!.detail.serviceEventDetails as { createManagedAccountStatus: { requestedTimestamp: string } }).createManagedAccountStatus;
    expect(status.requestedTimestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/);
  });

  it('keeps the landing zone OUs (and their ids) across a restore', async () => {
    // Prepare
    const before = await unitsUnderRoot(org);
    const restored = new LocalIam();
    restored.restoreRecords(new Map(local.records()));
    // Act
    restored.enableControlTower();
    await harness.close();
    harness = await startHarness(restored);
    const after = await unitsUnderRoot(harness.clients(restored.adminCredentials()).org);
    // Assess
    expect(after).toEqual(before);
  });
});
