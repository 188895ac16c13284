import { readFileSync } from 'node:fs';
import {
  CreateAccountCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  ListAccountsCommand,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalIam, type LocalIamEvent } from '../../../local/iam/index.js';
import { adminRequest, startHarness, type Harness } from '../iam/harness.js';

const MGMT = '000000000000';
const fixture = JSON.parse(
  readFileSync(new URL('../../../../shared/fixtures/events/organizations-create-account-result.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** The shape of a JSON value: its keys and value types, recursively (values themselves differ). */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]).sort(([a], [b]) => String(a).localeCompare(String(b))));
  }
  return typeof value;
}

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

describe('Organizations through the real SDK', () => {
  it('creates an account at once, with a car- request id and a fresh 12-digit id', async () => {
    // Prepare
    const { org } = harness.clients(local.adminCredentials());
    // Act
    const created = await org.send(new CreateAccountCommand({ AccountName: 'team-payments-dev', Email: 'payments-dev@example.com' }));
    const status = created.CreateAccountStatus;
    const described = await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: status?.Id }));
    const account = await org.send(new DescribeAccountCommand({ AccountId: status?.AccountId }));
    const listed = await org.send(new ListAccountsCommand({}));
    // Assess
    expect(status?.State).toBe('SUCCEEDED');
    expect(status?.Id).toMatch(/^car-[0-9a-f]{32}$/);
    expect(status?.AccountId).toMatch(/^\d{12}$/);
    expect(status?.AccountId).not.toBe(MGMT);
    expect(status?.RequestedTimestamp).toBeInstanceOf(Date);
    expect(described.CreateAccountStatus?.AccountId).toBe(status?.AccountId);
    expect(account.Account).toMatchObject({ Id: status?.AccountId, Name: 'team-payments-dev', Email: 'payments-dev@example.com', Status: 'ACTIVE', JoinedMethod: 'CREATED' });
    expect(listed.Accounts?.map((a) => a.Id)).toEqual([MGMT, status?.AccountId]);
  });

  it('creates the bootstrap role that the management account can assume, with AdministratorAccess', async () => {
    // Prepare
    const { org, sts } = harness.clients(local.adminCredentials());
    // Act
    const created = await org.send(new CreateAccountCommand({ AccountName: 'team-a', Email: 'team-a@example.com' }));
    const accountId = created.CreateAccountStatus?.AccountId ?? '';
    const role = local.getRole(accountId, 'OrganizationAccountAccessRole');
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: role?.arn, RoleSessionName: 'bootstrap' }));
    // Assess
    expect(role?.arn).toBe(`arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`);
    expect(role?.attachedPolicyArns).toEqual(['arn:aws:iam::aws:policy/AdministratorAccess']);
    expect(role?.assumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MGMT}:root` }, Action: 'sts:AssumeRole' }],
    });
    expect(assumed.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${accountId}:assumed-role/OrganizationAccountAccessRole/bootstrap`);
  });

  it('emits a CreateAccountResult event shaped exactly like the CloudTrail fixture', async () => {
    // Prepare
    const { org } = harness.clients(local.adminCredentials());
    // Act
    const created = await org.send(new CreateAccountCommand({ AccountName: 'team-payments-dev', Email: 'pd@example.com' }));
    // Assess
    expect(events).toHaveLength(1);
    const event = events[0] as LocalIamEvent;
    const { id: _id, version: _version, ...fixtureWithoutBusFields } = fixture;
    expect(shape(event)).toEqual(shape(fixtureWithoutBusFields));
    expect(event).toMatchObject({ source: 'aws.organizations', 'detail-type': 'AWS Service Event via CloudTrail', account: MGMT, region: 'us-east-1' });
    const detail = event.detail as { eventName: string; serviceEventDetails: { createAccountStatus: Record<string, string> } };
    expect(detail.eventName).toBe('CreateAccountResult');
    expect(detail.serviceEventDetails.createAccountStatus).toMatchObject({
      id: created.CreateAccountStatus?.Id,
      state: 'SUCCEEDED',
      accountName: 'team-payments-dev',
      accountId: created.CreateAccountStatus?.AccountId,
    });
    expect(detail.serviceEventDetails.createAccountStatus.completedTimestamp).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/);
  });

  it('fails a second account with the same email (FAILED, EMAIL_ALREADY_EXISTS) and creates nothing', async () => {
    // Prepare
    const { org } = harness.clients(local.adminCredentials());
    await org.send(new CreateAccountCommand({ AccountName: 'one', Email: 'same@example.com' }));
    // Act
    const second = await org.send(new CreateAccountCommand({ AccountName: 'two', Email: 'same@example.com' }));
    // Assess
    expect(second.CreateAccountStatus).toMatchObject({ State: 'FAILED', FailureReason: 'EMAIL_ALREADY_EXISTS' });
    expect(second.CreateAccountStatus?.AccountId).toBeUndefined();
    expect(local.listAccounts()).toHaveLength(2);
  });

  it('answers AccountNotFoundException and describes the organization', async () => {
    // Prepare
    const { org } = harness.clients(local.adminCredentials());
    // Act
    const missing = await org.send(new DescribeAccountCommand({ AccountId: '999999999999' })).catch((e: unknown) => e);
    const organization = await org.send(new DescribeOrganizationCommand({}));
    // Assess
    expect(missing).toMatchObject({ name: 'AccountNotFoundException' });
    expect(organization.Organization).toMatchObject({ MasterAccountId: MGMT, FeatureSet: 'ALL' });
    expect(organization.Organization?.Id).toMatch(/^o-[a-z0-9]{10}$/);
  });

  it('refuses Organizations calls from a member account', async () => {
    // Prepare
    const { accountId } = local.createAccount('member', 'member@example.com');
    const { sts } = harness.clients(local.adminCredentials());
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`, RoleSessionName: 'member' }));
    const c = assumed.Credentials;
    const { org } = harness.clients({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
    // Act
    const error = await org.send(new CreateAccountCommand({ AccountName: 'x', Email: 'x@example.com' })).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ name: 'AccessDeniedException' });
    expect(local.listAccounts()).toHaveLength(2);
  });

  it('authorizes management-account sessions by their policies', async () => {
    // Prepare
    const { arn } = local.createRole(MGMT, {
      roleName: 'reader',
      assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
    });
    local.putRolePolicy(MGMT, 'reader', 'orgs-read', { Statement: [{ Effect: 'Allow', Action: ['organizations:List*', 'organizations:Describe*'], Resource: '*' }] });
    const { org } = harness.clients(local.sessionForService(arn, 'lambda.amazonaws.com'));
    // Act
    const listed = await org.send(new ListAccountsCommand({}));
    const denied = await org.send(new CreateAccountCommand({ AccountName: 'x', Email: 'x@example.com' })).catch((e: unknown) => e);
    // Assess
    expect(listed.Accounts).toHaveLength(1);
    expect(denied).toMatchObject({ name: 'AccessDeniedException' });
    expect((denied as Error).message).toContain('is not authorized to perform: organizations:CreateAccount');
  });

  it('answers UnknownOperationException for an operation it does not serve, also one named like an Object member', async () => {
    // Prepare
    const actions = ['CreatePolicy', 'hasOwnProperty'];
    // Act
    const responses = await Promise.all(actions.map((action) => local.handleOrganizations(adminRequest(local, 'organizations', action))));
    // Assess
    expect(responses.map((r) => [r.status, JSON.parse(r.body) as unknown])).toEqual([
      [400, { __type: 'UnknownOperationException', message: "The local cloud's Organizations does not implement CreatePolicy" }],
      [400, { __type: 'UnknownOperationException', message: "The local cloud's Organizations does not implement hasOwnProperty" }],
    ]);
  });
});
