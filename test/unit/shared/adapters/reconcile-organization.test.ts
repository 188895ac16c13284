// One reconcile against Organizations (mocked, with its paging) and the registry (dynalite): it
// starts at most maxOnboardings, in account order, and defers the rest; reads OUs in one walk and
// tags only for candidates when the rules need them; reports one account's failed start and goes
// on; and decides nothing on half a listing.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reconcileOrganization, type ReconcileDependencies } from '../../../../functions/shared/adapters/reconcile-organization.js';
import { ReconcileRegistry } from '../../../../functions/shared/adapters/reconcile-registry.js';
import { DepartureRegistry } from '../../../../functions/shared/adapters/registry-departures.js';
import type { AccountRules } from '../../../../functions/shared/domain/account-rules.js';
import { startRegistryTable, type TestTable } from '../../../support/dynamodb.js';
import { providerRecord, registryOn, TEST_STATE_MACHINE_ARN } from '../../../support/provider-records.js';

const organizations = mockClient(OrganizationsClient);
const sfn = mockClient(SFNClient);
const MANAGEMENT = '000000000000';
let table: TestTable;

beforeAll(async () => {
  table = await startRegistryTable();
});
afterAll(async () => {
  await table.close();
});
beforeEach(() => {
  organizations.reset();
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:${input.name}`, startDate: new Date() }));
});

function documentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: table.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 }),
  );
}

const BOOTSTRAP_ROLES = { organizations: 'OrganizationAccountAccessRole', controltower: 'AWSControlTowerExecution' };
const toDefault: AccountRules = { rules: [], defaultWorkspace: 'default', bootstrapRoles: BOOTSTRAP_ROLES };

function dependencies(placement: AccountRules, maxOnboardings = 50): ReconcileDependencies {
  return {
    organizations: new OrganizationsClient({}),
    registry: new ReconcileRegistry(documentClient(), table.tableName),
    onboarding: { registry: registryOn(table), sfn: new SFNClient({}), settings: { stateMachineArn: TEST_STATE_MACHINE_ARN, partition: 'aws', rolePath: '/capa-providers/', roleNamePrefix: 'capa-' } },
    departures: {
      registry: new DepartureRegistry(documentClient(), table.tableName),
      sfn: new SFNClient({}),
      managementIam: new IAMClient({}),
      eventBridge: new EventBridgeClient({}),
      bus: { busName: 'capa-provider-onboarding', source: 'capa-provider-onboarding' },
      grant: { managementRoleArn: 'arn:aws:iam::000000000000:role/capa-management', partition: 'aws', rolePath: '/capa-providers/', mode: 'path' },
    },
    placement,
    maxOnboardings,
  };
}

/** An organization (its own id per test, so no test sees another's remembered members) listing these accounts 20 a page. */
function organizationOf(organizationId: string, accountIds: string[]): void {
  organizations.on(DescribeOrganizationCommand).resolves({ Organization: { Id: organizationId, MasterAccountId: MANAGEMENT } });
  const accounts = [MANAGEMENT, ...accountIds].map((Id) => ({ Id, Status: 'ACTIVE' as const }));
  organizations.on(ListAccountsCommand).callsFake((input: { NextToken?: string; MaxResults?: number }) => {
    const start = Number(input.NextToken ?? 0);
    const end = start + (input.MaxResults ?? 20);
    return { Accounts: accounts.slice(start, end), ...(end < accounts.length ? { NextToken: String(end) } : {}) };
  });
}

describe('reconcileOrganization', () => {
  it('starts at most maxOnboardings, in account order, reads every ListAccounts page and defers the rest', async () => {
    // Prepare
    const members = Array.from({ length: 24 }, (_, index) => `1000000000${String(index).padStart(2, '0')}`);
    organizationOf('o-bounded', members);
    for (const accountId of members.slice(2)) {
      await registryOn(table).create(providerRecord({ providerId: `teams.t${accountId}`, workspace: 'teams', name: `t${accountId}`, accountId }));
    }

    // Act
    const summary = await reconcileOrganization(dependencies(toDefault, 1), 'sweep-20261129T120000000Z');

    // Assess
    expect(summary).toMatchObject({
      status: 'completed',
      organizationId: 'o-bounded',
      accountsSeen: 25,
      activeAccounts: 25,
      alreadyOnboarded: 22,
      onboardingStarted: ['100000000000'],
      onboardingDeferred: 1,
      maxOnboardings: 1,
      errors: [],
    });
    expect(organizations.commandCalls(ListAccountsCommand).map((call) => call.args[0].input)).toEqual([
      { MaxResults: 20, NextToken: undefined },
      { MaxResults: 20, NextToken: '20' },
    ]);
    expect(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name)).toEqual(['default_aws-100000000000_1']);
    expect(await registryOn(table).get('default.aws-100000000000')).toMatchObject({ status: 'PENDING', accountId: '100000000000' });
  });

  it('places candidates with the new-account rules (Organizations source), walking the OUs once and reading tags only for candidates', async () => {
    // Prepare
    organizationOf('o-rules', ['200000000001', '200000000002', '200000000003']);
    await registryOn(table).create(providerRecord({ providerId: 'teams.onboarded', workspace: 'teams', name: 'onboarded', accountId: '200000000003' }));
    organizations.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-root' }] });
    organizations.on(ListAccountsForParentCommand, { ParentId: 'r-root' }).resolves({ Accounts: [{ Id: MANAGEMENT }] });
    organizations.on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-root' }).resolves({ OrganizationalUnits: [{ Id: 'ou-work', Name: 'Workloads' }] });
    organizations.on(ListAccountsForParentCommand, { ParentId: 'ou-work' }).resolves({ Accounts: [{ Id: '200000000003' }] });
    organizations.on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-work' }).resolves({ OrganizationalUnits: [{ Id: 'ou-sand', Name: 'Sandbox' }] });
    organizations.on(ListAccountsForParentCommand, { ParentId: 'ou-sand' }).resolves({ Accounts: [{ Id: '200000000001' }, { Id: '200000000002' }] });
    organizations.on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-sand' }).resolves({ OrganizationalUnits: [] });
    organizations.on(ListTagsForResourceCommand, { ResourceId: '200000000001' }).resolves({ Tags: [{ Key: 'capa', Value: 'skip' }] });
    organizations.on(ListTagsForResourceCommand, { ResourceId: '200000000002' }).resolves({ Tags: [] });
    const rules: AccountRules = {
      rules: [
        { tag: { key: 'capa', value: 'skip' }, skip: true },
        { ouPath: 'Workloads/Sandbox', workspace: 'sandbox' },
      ],
      defaultWorkspace: 'default',
      bootstrapRoles: BOOTSTRAP_ROLES,
    };

    // Act
    const summary = await reconcileOrganization(dependencies(rules), 'sweep-20261129T120000000Z');

    // Assess
    expect(summary).toMatchObject({ onboardingStarted: ['200000000002'], skippedByRules: 1, alreadyOnboarded: 1, errors: [] });
    expect(organizations.commandCalls(ListRootsCommand)).toHaveLength(1);
    expect(organizations.commandCalls(ListTagsForResourceCommand).map((call) => call.args[0].input.ResourceId)).toEqual(['200000000001', '200000000002']);
    expect(await registryOn(table).get('sandbox.aws-200000000002')).toMatchObject({ status: 'PENDING', bootstrapRoleName: 'OrganizationAccountAccessRole' });
    expect(await registryOn(table).get('default.aws-200000000001')).toBeUndefined();
  });

  it('reports an account whose start failed and still starts the next one', async () => {
    // Prepare
    organizationOf('o-errors', ['300000000001', '300000000002']);
    sfn.on(StartExecutionCommand, { name: 'default_aws-300000000001_1' }).rejects(Object.assign(new Error('Denied'), { name: 'AccessDeniedException' }));

    // Act
    const summary = await reconcileOrganization(dependencies(toDefault), 'sweep-20261129T120000000Z');

    // Assess
    expect(summary.onboardingStarted).toEqual(['300000000002']);
    expect(summary.errors).toEqual([{ accountId: '300000000001', step: 'onboarding', message: 'AccessDeniedException: Denied' }]);
  });

  it('changes nothing and reports it when a provider of the account\'s name was recorded for another account', async () => {
    // Prepare
    organizationOf('o-conflict', ['500000000001']);
    await registryOn(table).create(
      providerRecord({ providerId: 'default.aws-500000000001', workspace: 'default', name: 'aws-500000000001', accountId: '500000000009' }),
    );

    // Act
    const summary = await reconcileOrganization(dependencies(toDefault), 'sweep-20261129T120000000Z');

    // Assess
    expect(summary.onboardingStarted).toEqual([]);
    expect(summary.errors).toEqual([
      { accountId: '500000000001', step: 'onboarding', message: 'Provider default.aws-500000000001 exists with a different spec; not changed' },
    ]);
    expect(await registryOn(table).get('default.aws-500000000001')).toMatchObject({ accountId: '500000000009', status: 'READY', attempt: 1 });
  });

  it('decides nothing on half a listing: a failed ListAccounts page throws before anything starts', async () => {
    // Prepare
    organizations.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-half', MasterAccountId: MANAGEMENT } });
    organizations
      .on(ListAccountsCommand)
      .resolvesOnce({ Accounts: [{ Id: '400000000001', Status: 'ACTIVE' }], NextToken: 'next' })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));

    // Act
    const reconciling = reconcileOrganization(dependencies(toDefault), 'sweep-20261129T120000000Z');

    // Assess
    await expect(reconciling).rejects.toMatchObject({ name: 'TransientAwsError' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
