// Accounts leaving the local organization through the real SDK: CloseAccount (SUSPENDED, kept),
// RemoveAccountFromOrganization and LeaveOrganization (gone), each emitting CloudTrail's
// "AWS API Call via CloudTrail" event on the default bus; AWS's errors for the management account,
// an unknown account and an account closed twice. A failed call emits nothing.
import {
  CloseAccountCommand,
  DescribeAccountCommand,
  LeaveOrganizationCommand,
  ListAccountsCommand,
  RemoveAccountFromOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalIam, type LocalIamEvent } from '../../../local/iam/index.js';
import { startHarness, type Harness } from '../iam/harness.js';

const MGMT = '000000000000';

let local: LocalIam;
let harness: Harness;
let events: LocalIamEvent[];

beforeEach(async () => {
  events = [];
  local = new LocalIam({ emitEvent: (event) => void events.push(event) });
  harness = await startHarness(local);
});

afterEach(async () => {
  await harness.close();
});

/** The Organizations client of a session in `accountId` through its bootstrap role. */
async function memberOrganizations(accountId: string) {
  const { sts } = harness.clients(local.adminCredentials());
  const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`, RoleSessionName: 'member' }));
  const c = assumed.Credentials!;
  return harness.clients({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }).org;
}

function apiCallEvents(): LocalIamEvent[] {
  return events.filter((event) => event['detail-type'] === 'AWS API Call via CloudTrail');
}

describe('accounts leaving the organization', () => {
  it('CloseAccount suspends the account, keeps it listed, and emits its CloudTrail API call event', async () => {
    // Prepare
    const { accountId } = local.createAccount('closing', 'closing@example.com');
    const { org } = harness.clients(local.adminCredentials());

    // Act
    await org.send(new CloseAccountCommand({ AccountId: accountId }));
    const described = await org.send(new DescribeAccountCommand({ AccountId: accountId }));
    const listed = await org.send(new ListAccountsCommand({}));

    // Assess
    expect(described.Account).toMatchObject({ Id: accountId, Status: 'SUSPENDED' });
    expect(listed.Accounts?.map((a) => a.Id)).toEqual([MGMT, accountId]);
    const [event] = apiCallEvents();
    expect(apiCallEvents()).toHaveLength(1);
    expect(event).toMatchObject({
      source: 'aws.organizations',
      'detail-type': 'AWS API Call via CloudTrail',
      account: MGMT,
      region: 'us-east-1',
      detail: {
        eventVersion: '1.08',
        userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::000000000000:user/local-admin', accountId: MGMT, accessKeyId: 'LOCALADMINACCESSKEY0' },
        eventSource: 'organizations.amazonaws.com',
        eventName: 'CloseAccount',
        awsRegion: 'us-east-1',
        requestParameters: { accountId },
        responseElements: null,
        readOnly: false,
        eventType: 'AwsApiCall',
        managementEvent: true,
        recipientAccountId: MGMT,
        eventCategory: 'Management',
      },
    });
    expect(event?.detail.eventID).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('CloseAccount refuses the management account, an unknown account and an account already closed, and emits nothing for them', async () => {
    // Prepare
    const { accountId } = local.createAccount('twice', 'twice@example.com');
    const { org } = harness.clients(local.adminCredentials());
    await org.send(new CloseAccountCommand({ AccountId: accountId }));

    // Act
    const management = await org.send(new CloseAccountCommand({ AccountId: MGMT })).catch((e: unknown) => e);
    const unknown = await org.send(new CloseAccountCommand({ AccountId: '123456789012' })).catch((e: unknown) => e);
    const again = await org.send(new CloseAccountCommand({ AccountId: accountId })).catch((e: unknown) => e);

    // Assess
    expect(management).toMatchObject({ name: 'ConstraintViolationException' });
    expect(unknown).toMatchObject({ name: 'AccountNotFoundException' });
    expect(again).toMatchObject({ name: 'AccountAlreadyClosedException' });
    expect(apiCallEvents()).toHaveLength(1);
  });

  it('RemoveAccountFromOrganization removes the account from the organization and emits its event; the management account cannot be removed', async () => {
    // Prepare
    const { accountId } = local.createAccount('leaving', 'leaving@example.com');
    const { org } = harness.clients(local.adminCredentials());

    // Act
    await org.send(new RemoveAccountFromOrganizationCommand({ AccountId: accountId }));
    const described = await org.send(new DescribeAccountCommand({ AccountId: accountId })).catch((e: unknown) => e);
    const again = await org.send(new RemoveAccountFromOrganizationCommand({ AccountId: accountId })).catch((e: unknown) => e);
    const management = await org.send(new RemoveAccountFromOrganizationCommand({ AccountId: MGMT })).catch((e: unknown) => e);

    // Assess
    expect(described).toMatchObject({ name: 'AccountNotFoundException' });
    expect(again).toMatchObject({ name: 'AccountNotFoundException' });
    expect(management).toMatchObject({ name: 'MasterCannotLeaveOrganizationException' });
    expect(local.listAccounts().map((a) => a.id)).toEqual([MGMT]);
    expect(apiCallEvents().map((event) => [event.detail.eventName, event.detail.requestParameters])).toEqual([
      ['RemoveAccountFromOrganization', { accountId }],
    ]);
  });

  it('LeaveOrganization is called by the member account itself: its event carries no parameters and names the member as caller', async () => {
    // Prepare
    const { accountId } = local.createAccount('member', 'member@example.com');
    const org = await memberOrganizations(accountId);

    // Act
    await org.send(new LeaveOrganizationCommand({}));
    const again = await org.send(new LeaveOrganizationCommand({})).catch((e: unknown) => e);
    const management = await harness.clients(local.adminCredentials()).org.send(new LeaveOrganizationCommand({})).catch((e: unknown) => e);

    // Assess
    expect(again).toMatchObject({ name: 'AWSOrganizationsNotInUseException' });
    expect(management).toMatchObject({ name: 'MasterCannotLeaveOrganizationException' });
    expect(local.listAccounts().map((a) => a.id)).toEqual([MGMT]);
    expect(apiCallEvents()).toHaveLength(1);
    expect(apiCallEvents()[0]).toMatchObject({
      account: accountId,
      detail: {
        eventName: 'LeaveOrganization',
        requestParameters: null,
        userIdentity: { type: 'AssumedRole', accountId, arn: `arn:aws:sts::${accountId}:assumed-role/OrganizationAccountAccessRole/member` },
        recipientAccountId: accountId,
      },
    });
  });
});
