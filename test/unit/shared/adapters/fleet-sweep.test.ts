// The sweep's own steps against a real DynamoDB engine (dynalite), Step Functions and EventBridge
// mocked: a page lists its providers in providerId order whatever order the Scan found them in; a
// repair starts the next attempt only of a provider still DEGRADED on the attempt the sweep
// verified; the summary is recorded with the time the sweep ended and announced with the sweep's
// execution as the event's resource.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FleetRegistry, type FleetPage } from '../../../../functions/shared/adapters/fleet-registry.js';
import { listFleetPage, recordSweep, repairDegraded, type SweepRef } from '../../../../functions/shared/adapters/fleet-sweep.js';
import type { OnboardingDependencies } from '../../../../functions/shared/adapters/start-onboarding.js';
import type { SweepTally } from '../../../../functions/shared/domain/fleet-sweep.js';
import type { ProviderRecord } from '../../../../functions/shared/domain/provider.js';
import { startRegistryTable, type TestTable } from '../../../support/dynamodb.js';
import { providerRecord, registryOn, TEST_STATE_MACHINE_ARN } from '../../../support/provider-records.js';

const sfn = mockClient(SFNClient);
const eventBridge = mockClient(EventBridgeClient);
const BUS = { busName: 'capa-provider-onboarding', source: 'capa-provider-onboarding' };
const SWEEP_ARN = 'arn:aws:states:us-east-1:000000000000:execution:SweepFleet:sweep-7';
const settings = { stateMachineArn: TEST_STATE_MACHINE_ARN, partition: 'aws', rolePath: '/capa-providers/', roleNamePrefix: 'capa-' };
let table: TestTable;
let fleet: FleetRegistry;

beforeAll(async () => {
  table = await startRegistryTable();
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: table.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 }),
  );
  fleet = new FleetRegistry(client, table.tableName);
});

afterAll(async () => {
  await table.close();
});

beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({});
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('listFleetPage', () => {
  it('lists the page in providerId order, whatever order the Scan found the providers in', async () => {
    // Prepare: a registry whose page holds three providers out of order.
    const page: FleetPage = {
      providers: [
        providerRecord({ providerId: 'payments.prod', accountId: '333333333333', attempt: 4 }),
        providerRecord({ providerId: 'billing.dev', accountId: '111111111111', attempt: 1 }),
        providerRecord({ providerId: 'payments.dev', accountId: '222222222222', attempt: 2 }),
      ],
    };
    const scanned = { verifiableProvidersPage: vi.fn(async () => page) } as unknown as FleetRegistry;

    // Act
    const answer = await listFleetPage(scanned, { arn: SWEEP_ARN, startTime: '2026-11-29T12:00:00.000Z' }, { autoRepair: false, pageSize: 3, minCheckMs: 0 });

    // Assess
    expect(answer.providers).toEqual([
      { providerId: 'billing.dev', accountId: '111111111111', attempt: 1 },
      { providerId: 'payments.dev', accountId: '222222222222', attempt: 2 },
      { providerId: 'payments.prod', accountId: '333333333333', attempt: 4 },
    ]);
    expect(answer.nextToken).toBeNull();
  });
});

describe('repairDegraded', () => {
  /** Provider fleet.<name> in the registry: DEGRADED on attempt 1 unless `overrides` say otherwise. */
  async function stored(name: string, overrides: Partial<ProviderRecord> = {}): Promise<ProviderRecord> {
    const record = providerRecord({
      providerId: `fleet.${name}`,
      workspace: 'fleet',
      name,
      roleName: `capa-fleet-${name}`,
      roleArn: `arn:aws:iam::123456789012:role/capa-providers/capa-fleet-${name}`,
      status: 'DEGRADED',
      reason: 'POLICY_DETACHED',
      executionName: `fleet_${name}_1`,
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:fleet_${name}_1`,
      ...overrides,
    });
    await registryOn(table).create(record);
    return record;
  }

  function dependencies(): OnboardingDependencies {
    return { registry: registryOn(table), sfn: new SFNClient({}), settings, now: () => new Date('2026-11-29T12:05:00.000Z') };
  }

  it('starts the next attempt of a provider still DEGRADED on the attempt the sweep verified', async () => {
    // Prepare
    await stored('degraded');

    // Act
    const repair = await repairDegraded(dependencies(), { providerId: 'fleet.degraded', attempt: 1 });

    // Assess
    expect(repair).toEqual({ started: true, attempt: 2 });
    expect(await registryOn(table).get('fleet.degraded')).toMatchObject({ status: 'PENDING', attempt: 2, executionName: 'fleet_degraded_2' });
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: TEST_STATE_MACHINE_ARN, name: 'fleet_degraded_2' });
  });

  it.each([
    ['is gone from the registry', 'missing', undefined],
    ['moved on to a newer attempt', 'moved-on', { attempt: 2 }],
    ['is READY again', 'recovered', { status: 'READY' as const, reason: undefined }],
    ['is being onboarded', 'creating', { status: 'CREATING' as const, reason: undefined }],
  ])('starts nothing for a provider that %s', async (_case, name, overrides) => {
    // Prepare
    const before = overrides === undefined ? undefined : await stored(name, overrides);

    // Act
    const repair = await repairDegraded(dependencies(), { providerId: `fleet.${name}`, attempt: 1 });

    // Assess
    expect(repair).toEqual({ started: false });
    expect(await registryOn(table).get(`fleet.${name}`)).toEqual(before);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it.each([
    ['recovered (READY again)', 'raced-ready', 'READY' as const],
    ['was offboarded (DELETED): the repair must not onboard it again', 'raced-deleted', 'DELETED' as const],
  ])('starts nothing when, between its read and the start, the provider %s', async (_case, name, status) => {
    // Prepare: repairDegraded reads the record while DEGRADED; by the start, it is `status`.
    const now = await stored(name, { status, reason: undefined });
    const deps = dependencies();
    vi.spyOn(deps.registry, 'get').mockResolvedValueOnce({ ...now, status: 'DEGRADED', reason: 'POLICY_DETACHED' });

    // Act
    const repair = await repairDegraded(deps, { providerId: `fleet.${name}`, attempt: 1 });

    // Assess
    expect(repair).toEqual({ started: false });
    expect(await registryOn(table).get(`fleet.${name}`)).toEqual(now);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});

describe('recordSweep', () => {
  const tally: SweepTally = {
    providers: 3,
    byStatus: { READY: 2, DEGRADED: 1 },
    byReason: { POLICY_DETACHED: 1 },
    movedOn: 0,
    failed: 0,
    repairsStarted: 1,
    changed: 1,
  };
  const sweepAt = (startedAt: string, sweepId: string): SweepRef => ({ sweepId, executionArn: SWEEP_ARN, startedAt, autoRepair: true, minCheckMs: 500 });

  it('stores the summary ended at the given clock as the latest sweep and announces it with the execution as resource', async () => {
    // Prepare
    const sweep = sweepAt('2026-11-29T12:00:00.000Z', 'sweep-20261129T120000000Z');

    // Act
    const summary = await recordSweep({ fleet, eventBridge: new EventBridgeClient({}), bus: BUS, now: () => new Date('2026-11-29T12:02:30.000Z') }, sweep, tally);

    // Assess
    const expected = {
      sweepId: 'sweep-20261129T120000000Z',
      executionArn: SWEEP_ARN,
      startedAt: '2026-11-29T12:00:00.000Z',
      endedAt: '2026-11-29T12:02:30.000Z',
      durationSeconds: 150,
      autoRepair: true,
      providers: 3,
      byStatus: { READY: 2, DEGRADED: 1 },
      byReason: { POLICY_DETACHED: 1 },
      movedOn: 0,
      failed: 0,
      repairsStarted: 1,
      changed: 1,
    };
    expect(summary).toEqual(expected);
    expect(await fleet.latestSweep()).toEqual(expected);
    const entries = eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toHaveLength(1);
    expect(entries[0]![0]).toMatchObject({ EventBusName: BUS.busName, Source: BUS.source, DetailType: 'Fleet Sweep Completed', Resources: [SWEEP_ARN] });
    expect(JSON.parse(entries[0]![0]!.Detail!)).toEqual(expected);
  });

  it('ends the summary at the current time when no clock is given', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-29T13:01:00.000Z'));
    const sweep = sweepAt('2026-11-29T13:00:00.000Z', 'sweep-20261129T130000000Z');

    // Act
    const summary = await recordSweep({ fleet, eventBridge: new EventBridgeClient({}), bus: BUS }, sweep, tally);

    // Assess
    expect(summary).toMatchObject({ startedAt: '2026-11-29T13:00:00.000Z', endedAt: '2026-11-29T13:01:00.000Z', durationSeconds: 60 });
  });
});
