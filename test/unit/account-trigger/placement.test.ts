// The new-account trigger applies the rules, against a real registry table (dynalite) and
// Organizations answers: the OU path read with ListParents / DescribeOrganizationalUnit up to the
// root, tags with ListTagsForResource; a skipped account writes nothing and logs one line; an
// onboarded one lands in the rule's workspace with the bootstrap role of the event's source
// recorded on the provider and handed to the workflow.
import {
  DescribeOrganizationalUnitCommand,
  ListParentsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderRegistry } from '../../../functions/shared/adapters/registry.js';
import type { NewAccountEvent } from '../../../functions/shared/domain/new-account.js';
import { startRegistryTable, type TestTable } from '../../support/dynamodb.js';
import { captureOutput, type CapturedOutput } from '../../support/output-capture.js';
import { registryOn } from '../../support/provider-records.js';
import { registryEnvironment } from '../../support/workflow-task-events.js';

const sfn = mockClient(SFNClient);
const organizations = mockClient(OrganizationsClient);
const context = { functionName: 'account-trigger', awsRequestId: 'request-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
const ENVIRONMENT = {
  AWS_REGION: 'us-east-1',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:Onboard',
  PARTITION: 'aws',
  ROLE_PATH: '/capa-providers/',
  ROLE_NAME_PREFIX: 'capa-',
  DEFAULT_WORKSPACE: 'landing-zone',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  NEW_ACCOUNT_RULES: JSON.stringify([
    { tag: { key: 'capa', value: 'off' }, skip: true },
    { ouPath: 'Workloads/payments', workspace: 'payments' },
    { ou: 'ou-ab12-sandbox1', skip: true },
  ]),
  BOOTSTRAP_ROLES: JSON.stringify({ organizations: 'OrganizationAccountAccessRole', controltower: 'AWSControlTowerExecution' }),
};
let table: TestTable;
let registry: ProviderRegistry;
let handler: (event: NewAccountEvent, context: Context) => Promise<{ providerId?: string; outcome: string }>;
let output: CapturedOutput;

beforeAll(async () => {
  table = await startRegistryTable();
  registry = registryOn(table);
  Object.assign(process.env, ENVIRONMENT, registryEnvironment(table));
  ({ handler } = await import('../../../functions/account-trigger/handler.js'));
});

afterAll(async () => {
  for (const name of Object.keys(ENVIRONMENT)) delete process.env[name];
  await table.close();
});

beforeEach(() => {
  sfn.reset();
  organizations.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'ignored', startDate: new Date() });
  output = captureOutput();
});

afterEach(() => {
  output.restore();
});

/** Organizations holding `accountId` in Root > Workloads > payments, with `tags`. */
function organizationWith(accountId: string, tags: Record<string, string> = {}): void {
  organizations.on(ListParentsCommand, { ChildId: accountId }).resolves({ Parents: [{ Id: 'ou-ab12-payments', Type: 'ORGANIZATIONAL_UNIT' }] });
  organizations.on(ListParentsCommand, { ChildId: 'ou-ab12-payments' }).resolves({ Parents: [{ Id: 'ou-ab12-workload', Type: 'ORGANIZATIONAL_UNIT' }] });
  organizations.on(ListParentsCommand, { ChildId: 'ou-ab12-workload' }).resolves({ Parents: [{ Id: 'r-ab12', Type: 'ROOT' }] });
  organizations.on(DescribeOrganizationalUnitCommand, { OrganizationalUnitId: 'ou-ab12-payments' }).resolves({ OrganizationalUnit: { Id: 'ou-ab12-payments', Name: 'payments' } });
  organizations.on(DescribeOrganizationalUnitCommand, { OrganizationalUnitId: 'ou-ab12-workload' }).resolves({ OrganizationalUnit: { Id: 'ou-ab12-workload', Name: 'Workloads' } });
  organizations.on(ListTagsForResourceCommand, { ResourceId: accountId }).resolves({ Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) });
}

const accountCreated = (accountId: string): NewAccountEvent => ({
  id: `event-${accountId}`,
  source: 'aws.organizations',
  detail: { eventName: 'CreateAccountResult', serviceEventDetails: { createAccountStatus: { state: 'SUCCEEDED', accountId, accountName: 'team-payments' } } },
});

describe('new-account placement', () => {
  it('onboards an account in Workloads/payments into workspace payments, recording the Organizations bootstrap role', async () => {
    // Prepare
    organizationWith('310000000001');
    // Act
    const result = await handler(accountCreated('310000000001'), context);
    // Assess
    expect(result).toEqual({ providerId: 'payments.aws-310000000001', outcome: 'started' });
    expect(await registry.get('payments.aws-310000000001')).toMatchObject({ workspace: 'payments', bootstrapRoleName: 'OrganizationAccountAccessRole' });
    expect(await registry.get('landing-zone.aws-310000000001')).toBeUndefined();
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!) as { provider: Record<string, unknown> };
    expect(input.provider).toMatchObject({ providerId: 'payments.aws-310000000001', bootstrapRoleName: 'OrganizationAccountAccessRole' });
    expect(output.jsonLines()[0]).toMatchObject({ message: 'New account onboarding', newAccountPlacement: 'rule', rule: 1, workspace: 'payments' });
  });

  it('skips an account a rule skips: nothing written or started, one log line with the rule', async () => {
    // Prepare
    organizationWith('310000000002', { capa: 'off' });
    // Act
    const result = await handler(accountCreated('310000000002'), context);
    // Assess
    expect(result).toEqual({ outcome: 'skipped' });
    expect(await registry.get('payments.aws-310000000002')).toBeUndefined();
    expect(await registry.get('landing-zone.aws-310000000002')).toBeUndefined();
    expect(sfn).not.toHaveReceivedAnyCommand();
    expect(output.jsonLines()).toHaveLength(1);
    expect(output.jsonLines()[0]).toMatchObject({ level: 'INFO', message: 'New account skipped by a rule', newAccountPlacement: 'skipped', rule: 0, accountId: '310000000002' });
  });

  it('starts the OU walk at the OU a Control Tower event names, and records AWSControlTowerExecution', async () => {
    // Prepare
    organizations.on(ListParentsCommand, { ChildId: 'ou-ab12-sandbox1' }).resolves({ Parents: [{ Id: 'r-ab12', Type: 'ROOT' }] });
    organizations.on(ListTagsForResourceCommand).resolves({ Tags: [] });
    const sandboxed: NewAccountEvent = {
      id: 'event-ct',
      source: 'aws.controltower',
      detail: {
        eventName: 'CreateManagedAccount',
        serviceEventDetails: {
          createManagedAccountStatus: {
            state: 'SUCCEEDED',
            account: { accountId: '310000000003', accountName: 'sandbox' },
            organizationalUnit: { organizationalUnitId: 'ou-ab12-sandbox1', organizationalUnitName: 'Sandbox' },
          },
        },
      },
    };
    const other: NewAccountEvent = structuredClone(sandboxed);
    other.detail!.serviceEventDetails!.createManagedAccountStatus!.account!.accountId = '310000000004';
    other.detail!.serviceEventDetails!.createManagedAccountStatus!.organizationalUnit = { organizationalUnitId: 'ou-ab12-security', organizationalUnitName: 'Security' };
    organizations.on(ListParentsCommand, { ChildId: 'ou-ab12-security' }).resolves({ Parents: [{ Id: 'r-ab12', Type: 'ROOT' }] });
    // Act
    const skipped = await handler(sandboxed, context);
    const onboarded = await handler(other, context);
    // Assess
    expect(skipped).toEqual({ outcome: 'skipped' });
    expect(onboarded).toEqual({ providerId: 'landing-zone.aws-310000000004', outcome: 'started' });
    expect(await registry.get('landing-zone.aws-310000000004')).toMatchObject({ bootstrapRoleName: 'AWSControlTowerExecution' });
    expect(organizations).not.toHaveReceivedCommandWith(ListParentsCommand, { ChildId: '310000000003' });
    expect(organizations).not.toHaveReceivedCommand(DescribeOrganizationalUnitCommand);
  });

  it('fails the invocation when Organizations keeps failing, so the asynchronous retries and the dead-letter queue take over', async () => {
    // Prepare
    organizations.on(ListParentsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 400 } }));
    // Act
    const invocation = handler(accountCreated('310000000005'), context);
    // Assess
    await expect(invocation).rejects.toThrow('Rate exceeded');
    expect(await registry.get('landing-zone.aws-310000000005')).toBeUndefined();
  });
});
