// The rollout's own steps against a real DynamoDB engine (dynalite): opening counts the READY and
// DEGRADED providers and fixes the tolerance; the pages list those providers once each; counters move by atomic ADDs; the first 20 failures
// are listed; admission stops once the tolerance is exceeded; closing picks COMPLETED or HALTED
// and announces it (EventBridge mocked).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FleetRegistry } from '../../../../functions/shared/adapters/fleet-registry.js';
import { admitProvider, closeRollout, listRolloutPage, openRollout, recordFailure, recordUpgrade } from '../../../../functions/shared/adapters/policy-rollout.js';
import { RolloutRegistry } from '../../../../functions/shared/adapters/rollout-registry.js';
import type { RolloutRecord } from '../../../../functions/shared/domain/policy-rollout.js';
import { startRegistryTable, type TestTable } from '../../../support/dynamodb.js';
import { providerRecord, registryOn } from '../../../support/provider-records.js';

const eventBridge = mockClient(EventBridgeClient);
const BUS = { busName: 'capa-provider-onboarding', source: 'capa-provider-onboarding' };
const VERSION = 'sha256:0123abcd45678901';
let table: TestTable;
let rollouts: RolloutRegistry;
let fleet: FleetRegistry;

beforeAll(async () => {
  table = await startRegistryTable();
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: table.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 }),
  );
  rollouts = new RolloutRegistry(client, table.tableName);
  fleet = new FleetRegistry(client, table.tableName);
});
afterAll(async () => {
  await table.close();
});
beforeEach(() => {
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
});

/** A RUNNING rollout named `rollout-<suffix>`, claimed as the latest. */
async function running(suffix: string): Promise<RolloutRecord> {
  const record: RolloutRecord = {
    rolloutId: `rollout-${suffix}`,
    policyVersion: VERSION,
    trigger: 'api',
    rolloutStatus: 'RUNNING',
    startedAt: '2026-11-29T10:00:00.000Z',
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:Rollout:rollout-${suffix}`,
    failures: [],
    upgraded: 0,
    current: 0,
    movedOn: 0,
    failed: 0,
    skipped: 0,
  };
  const latest = await rollouts.latest();
  expect(await rollouts.claim(record, latest?.rolloutId)).toBe(true);
  return record;
}

const ref = (record: RolloutRecord) => ({ rolloutId: record.rolloutId, policyVersion: record.policyVersion });
const failure = (n: number) => ({ Error: 'PolicyUpgradeFailed', Cause: JSON.stringify({ errorMessage: `ROLE_MISSING: role ${n} is gone` }) });

describe('policy rollout steps', () => {
  it('opens on the number of READY and DEGRADED providers, with the tolerance of that fleet size', async () => {
    // Prepare
    const registry = registryOn(table);
    await registry.create(providerRecord({ providerId: 'open.charlie', workspace: 'open', name: 'charlie', status: 'DEGRADED' }));
    await registry.create(providerRecord({ providerId: 'open.alpha', workspace: 'open', name: 'alpha' }));
    await registry.create(providerRecord({ providerId: 'open.bravo', workspace: 'open', name: 'bravo', status: 'FAILED' }));
    const rollout = await running('open');

    // Act
    const opened = await openRollout({ fleet, rollouts, tolerance: { maxFailures: 10, maxFailurePercent: 50 } }, ref(rollout));

    // Assess
    expect(opened).not.toHaveProperty('providers');
    expect(opened.rollout.tolerance).toEqual({ maxFailures: 10, maxFailurePercent: 50, toleratedFailures: 1, bindingThreshold: 'percent' });
    expect(await rollouts.get('rollout-open')).toMatchObject({ total: 2, tolerance: { toleratedFailures: 1 } });
  });

  // The fleet of the test above: alpha (READY), bravo (FAILED), charlie (DEGRADED).
  it('lists the READY and DEGRADED providers a page at a time, each once, until the token is null', async () => {
    // Prepare
    const pages: Array<{ providers: Array<{ providerId: string }>; nextToken: string | null }> = [];
    let nextToken: string | null = null;

    // Act
    do {
      const page = await listRolloutPage(fleet, { pageSize: 1, nextToken });
      pages.push(page);
      nextToken = page.nextToken;
    } while (nextToken !== null && pages.length < 5);

    // Assess
    expect(nextToken).toBeNull();
    expect(pages.every((page) => page.providers.length <= 1)).toBe(true);
    expect(pages.flatMap((page) => page.providers.map((provider) => provider.providerId)).sort()).toEqual(['open.alpha', 'open.charlie']);
  });

  it('counts each outcome under its own counter, readable while the rollout runs', async () => {
    // Prepare
    const rollout = await running('count');

    // Act
    await recordUpgrade(rollouts, ref(rollout), { providerId: 'a.one', outcome: 'UPGRADED', fromPolicyVersion: 'sha256:old', policyVersion: VERSION });
    await recordUpgrade(rollouts, ref(rollout), { providerId: 'a.two', outcome: 'UPGRADED', policyVersion: VERSION });
    await recordUpgrade(rollouts, ref(rollout), { providerId: 'a.three', outcome: 'CURRENT', policyVersion: VERSION });
    await recordUpgrade(rollouts, ref(rollout), { providerId: 'a.four', outcome: 'MOVED_ON', policyVersion: VERSION });
    const failed = await recordFailure(rollouts, ref(rollout), 'a.five', failure(5));

    // Assess
    expect(failed).toEqual({ failure: { providerId: 'a.five', error: 'PolicyUpgradeFailed', reason: 'ROLE_MISSING: role 5 is gone' }, failed: 1 });
    expect(await rollouts.get('rollout-count')).toMatchObject({
      rolloutStatus: 'RUNNING',
      upgraded: 2,
      current: 1,
      movedOn: 1,
      failed: 1,
      skipped: 0,
      failures: [{ providerId: 'a.five', error: 'PolicyUpgradeFailed', reason: 'ROLE_MISSING: role 5 is gone' }],
    });
  });

  it('lists the first 20 failures and counts every one', async () => {
    // Prepare
    const rollout = await running('many-failures');

    // Act
    for (let n = 1; n <= 23; n += 1) await recordFailure(rollouts, ref(rollout), `many.p${n}`, failure(n));

    // Assess
    const stored = await rollouts.get('rollout-many-failures');
    expect(stored?.failed).toBe(23);
    expect(stored?.failures).toHaveLength(20);
    expect(stored?.failures[19]).toEqual({ providerId: 'many.p20', error: 'PolicyUpgradeFailed', reason: 'ROLE_MISSING: role 20 is gone' });
  });

  it('admits providers until the failures exceed the tolerance, then counts each one after as skipped', async () => {
    // Prepare
    const rollout = await running('admit');
    await rollouts.open('rollout-admit', 10, { maxFailures: 1, maxFailurePercent: 100, toleratedFailures: 1, bindingThreshold: 'count' });
    await recordFailure(rollouts, ref(rollout), 'admit.one', failure(1));

    // Act
    const withinTolerance = await admitProvider(rollouts, ref(rollout));
    await recordFailure(rollouts, ref(rollout), 'admit.two', failure(2));
    const beyond = await admitProvider(rollouts, ref(rollout));
    const stillBeyond = await admitProvider(rollouts, ref(rollout));

    // Assess
    expect([withinTolerance, beyond, stillBeyond]).toEqual([{ admitted: true }, { admitted: false }, { admitted: false }]);
    expect(await rollouts.get('rollout-admit')).toMatchObject({ failed: 2, skipped: 2 });
  });

  it('closes HALTED with the exceeded threshold and announces Policy Rollout Halted with the counts and tolerance', async () => {
    // Prepare
    const rollout = await running('halt');
    await rollouts.open('rollout-halt', 10, { maxFailures: 0, maxFailurePercent: 10, toleratedFailures: 0, bindingThreshold: 'count' });
    await recordFailure(rollouts, ref(rollout), 'halt.one', failure(1));
    await rollouts.count('rollout-halt', 'skipped');

    // Act
    const view = await closeRollout({ rollouts, eventBridge: new EventBridgeClient({}), bus: BUS, now: () => new Date('2026-11-29T10:05:00.000Z') }, ref(rollout), false);

    // Assess
    expect(view).toMatchObject({ status: 'HALTED', haltReason: 'FAILURE_COUNT_EXCEEDED', endedAt: '2026-11-29T10:05:00.000Z' });
    const sent = eventBridge.commandCalls(PutEventsCommand);
    expect(sent).toHaveLength(1);
    const entry = sent[0]!.args[0].input.Entries![0]!;
    expect(entry.DetailType).toBe('Policy Rollout Halted');
    expect(entry.Resources).toEqual(['arn:aws:states:us-east-1:000000000000:execution:Rollout:rollout-halt']);
    expect(JSON.parse(entry.Detail!)).toEqual({
      rolloutId: 'rollout-halt',
      policyVersion: VERSION,
      trigger: 'api',
      status: 'HALTED',
      startedAt: '2026-11-29T10:00:00.000Z',
      endedAt: '2026-11-29T10:05:00.000Z',
      total: 10,
      counts: { upgraded: 0, current: 0, movedOn: 0, failed: 1, skipped: 1 },
      tolerance: { maxFailures: 0, maxFailurePercent: 10, toleratedFailures: 0, bindingThreshold: 'count' },
      haltReason: 'FAILURE_COUNT_EXCEEDED',
      failures: [{ providerId: 'halt.one', error: 'PolicyUpgradeFailed', reason: 'ROLE_MISSING: role 1 is gone' }],
    });
    expect(await rollouts.latest()).toMatchObject({ rolloutId: 'rollout-halt', rolloutStatus: 'HALTED' });
  });

  it('closes COMPLETED within the tolerance, and a second close announces nothing more', async () => {
    // Prepare
    const rollout = await running('complete');
    await rollouts.open('rollout-complete', 1, { maxFailures: 10, maxFailurePercent: 10, toleratedFailures: 0, bindingThreshold: 'percent' });
    await rollouts.count('rollout-complete', 'upgraded');
    const deps = { rollouts, eventBridge: new EventBridgeClient({}), bus: BUS };

    // Act
    const first = await closeRollout(deps, ref(rollout), false);
    const second = await closeRollout(deps, ref(rollout), false);

    // Assess
    expect(first.status).toBe('COMPLETED');
    expect(second.status).toBe('COMPLETED');
    expect(eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries![0]!.DetailType)).toEqual(['Policy Rollout Completed']);
  });
});
