// An account's departure against the registry (dynalite): each provider ends ACCOUNT_REMOVED at the
// next attempt, a running execution is stopped, "Provider Deleted" is published once even when the
// first delivery failed half-way, and providers of other accounts or already DELETED stay as they are.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteRolePolicyCommand, GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleAccountDeparture, type DepartureDependencies } from '../../../../functions/shared/adapters/account-departures.js';
import type { AccountDeparture } from '../../../../functions/shared/domain/account-departure.js';
import { startRegistryTable, type TestTable } from '../../../support/dynamodb.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DepartureRegistry } from '../../../../functions/shared/adapters/registry-departures.js';
import { providerRecord, registryOn } from '../../../support/provider-records.js';

const sfn = mockClient(SFNClient);
const eventBridge = mockClient(EventBridgeClient);
const iam = mockClient(IAMClient);
const NOW = new Date('2026-11-29T12:00:00.000Z');
let table: TestTable;

beforeAll(async () => {
  table = await startRegistryTable();
});
afterAll(async () => {
  await table.close();
});
beforeEach(() => {
  sfn.reset();
  eventBridge.reset();
  iam.reset();
  sfn.on(StopExecutionCommand).resolves({});
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
});

/** As registryOn, for the departure registry: no SDK retries to hide errors. */
function departureRegistryOn(testTable: TestTable): DepartureRegistry {
  const client = new DynamoDBClient({ endpoint: testTable.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  return new DepartureRegistry(DynamoDBDocumentClient.from(client), testTable.tableName);
}

function dependencies(mode: 'path' | 'per-role' = 'path'): DepartureDependencies {
  return {
    registry: departureRegistryOn(table),
    sfn: new SFNClient({}),
    managementIam: new IAMClient({}),
    eventBridge: new EventBridgeClient({}),
    bus: { busName: 'capa-provider-onboarding', source: 'capa-provider-onboarding' },
    grant: { managementRoleArn: 'arn:aws:iam::000000000000:role/capa-management', partition: 'aws', rolePath: '/capa-providers/', mode },
    now: () => NOW,
  };
}

function departureOf(accountId: string): AccountDeparture {
  return { accountId, eventName: 'RemoveAccountFromOrganization', eventId: `ct-${accountId}`, eventTime: '2026-11-29T11:59:00Z' };
}

async function stored(workspace: string, name: string, accountId: string, status: 'READY' | 'DELETING' | 'DELETED' | 'VERIFYING') {
  await registryOn(table).create(
    providerRecord({
      providerId: `${workspace}.${name}`,
      workspace,
      name,
      accountId,
      status,
      attempt: 2,
      executionName: `${workspace}_${name}_2`,
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:Machine:${workspace}_${name}_2`,
    }),
  );
}

describe('an account departure', () => {
  it('ends READY and DELETING providers of the account, stops the running execution, and leaves DELETED ones and other accounts alone', async () => {
    // Prepare
    await stored('dep', 'ready', '210000000001', 'READY');
    await stored('dep', 'leaving', '210000000001', 'DELETING');
    await stored('dep', 'gone', '210000000001', 'DELETED');
    await stored('dep', 'elsewhere', '210000000002', 'READY');

    // Act
    const results = await handleAccountDeparture(dependencies(), departureOf('210000000001'));

    // Assess
    expect(results).toEqual([
      { providerId: 'dep.gone', outcome: 'deleted-before', previousStatus: 'DELETED' },
      { providerId: 'dep.leaving', outcome: 'removed', previousStatus: 'DELETING' },
      { providerId: 'dep.ready', outcome: 'removed', previousStatus: 'READY' },
    ]);
    const registry = registryOn(table);
    expect(await registry.get('dep.ready')).toMatchObject({
      status: 'ACCOUNT_REMOVED',
      attempt: 3,
      reason: 'ACCOUNT_REMOVED',
      removedAt: '2026-11-29T12:00:00.000Z',
      departure: { eventName: 'RemoveAccountFromOrganization', eventId: 'ct-210000000001', previousStatus: 'READY', announcedAt: '2026-11-29T12:00:00.000Z' },
    });
    expect(await registry.get('dep.gone')).toMatchObject({ status: 'DELETED', attempt: 2 });
    expect(await registry.get('dep.elsewhere')).toMatchObject({ status: 'READY', attempt: 2 });
    expect(sfn.commandCalls(StopExecutionCommand).map((call) => call.args[0].input)).toEqual([
      { executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Machine:dep_leaving_2', error: 'ACCOUNT_REMOVED', cause: 'The account left the organization' },
    ]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it('a delivery that failed after recording is finished by the retry, which publishes once; a later duplicate publishes nothing', async () => {
    // Prepare: the first PutEvents fails.
    await stored('retry', 'dev', '210000000003', 'VERIFYING');
    eventBridge.on(PutEventsCommand).rejectsOnce(new Error('network down')).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });

    // Act
    const first = await handleAccountDeparture(dependencies(), departureOf('210000000003')).catch((error: unknown) => error);
    const between = await registryOn(table).get('retry.dev');
    const retried = await handleAccountDeparture(dependencies(), departureOf('210000000003'));
    const duplicate = await handleAccountDeparture(dependencies(), departureOf('210000000003'));

    // Assess
    expect(first).toMatchObject({ message: 'network down' });
    expect(between).toMatchObject({ status: 'ACCOUNT_REMOVED', attempt: 3 });
    expect(between?.departure?.announcedAt).toBeUndefined();
    expect(retried).toEqual([{ providerId: 'retry.dev', outcome: 'removed', previousStatus: 'VERIFYING' }]);
    expect(duplicate).toEqual([{ providerId: 'retry.dev', outcome: 'already-removed' }]);
    const published = eventBridge.commandCalls(PutEventsCommand).map((call) => JSON.parse(call.args[0].input.Entries![0]!.Detail!) as Record<string, unknown>);
    expect(published).toHaveLength(2);
    expect(published[1]).toMatchObject({ providerId: 'retry.dev', status: 'ACCOUNT_REMOVED', reason: 'ACCOUNT_REMOVED', deletedAt: '2026-11-29T12:00:00.000Z', removed: [] });
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(2);
  });
});

describe('an account departure in per-role mode', () => {
  it('removes the provider’s role from the management grant (the one thing outside the account) and names it as removed', async () => {
    // Prepare: the grant names this provider's role and another one.
    await stored('grant', 'dev', '210000000004', 'READY');
    const devRole = 'arn:aws:iam::210000000004:role/capa-providers/capa-payments-dev';
    const otherRole = 'arn:aws:iam::210000000009:role/capa-providers/capa-other';
    const grant = (resources: string[]) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: resources }] });
    iam.on(GetRolePolicyCommand).resolves({ RoleName: 'capa-management', PolicyName: 'capa-provider-onboarding-assume', PolicyDocument: encodeURIComponent(grant([devRole, otherRole])) });
    iam.on(PutRolePolicyCommand).resolves({});

    // Act
    const results = await handleAccountDeparture(dependencies('per-role'), departureOf('210000000004'));

    // Assess
    expect(results).toEqual([{ providerId: 'grant.dev', outcome: 'removed', previousStatus: 'READY' }]);
    expect(iam.commandCalls(PutRolePolicyCommand).map((call) => call.args[0].input.PolicyDocument)).toEqual([grant([otherRole])]);
    expect(iam.commandCalls(DeleteRolePolicyCommand)).toHaveLength(0);
    const record = await registryOn(table).get('grant.dev');
    expect(record?.message).toContain("The management role's grant for this provider's role is removed.");
    const [published] = eventBridge.commandCalls(PutEventsCommand).map((call) => JSON.parse(call.args[0].input.Entries![0]!.Detail!) as Record<string, unknown>);
    expect(published).toMatchObject({ removed: [`arn:aws:iam::000000000000:role/capa-management grant for ${devRole}`] });
  });
});
