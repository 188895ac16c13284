// A FAILED provider whose ended execution's leftovers execution-ended is still removing: its next
// onboarding attempt waits (a POST would adopt the role that removal then deletes), bounded by
// LEFTOVER_REMOVAL_WAIT_MS; an offboarding does not wait (it removes them too). Against dynalite,
// so the engine evaluates the conditions; Step Functions is mocked.
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { beforeEach, describe, expect, it } from 'vitest';
import { startOnboarding, type OnboardingDependencies } from '../../../../functions/shared/adapters/start-onboarding.js';
import { LEFTOVER_REMOVAL_WAIT_MS, type ProviderRecord } from '../../../../functions/shared/domain/provider.js';
import { providerRecord, registryOn } from '../../../support/provider-records.js';
import { sfn, startOnboardingHarness } from './start-onboarding-harness.js';

const STOPPED_AT = new Date('2026-11-29T10:00:00.000Z');
const harness = startOnboardingHarness();

beforeEach(() => {
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:x', startDate: new Date() });
});

function dependencies(now: Date): OnboardingDependencies & { registry: ReturnType<typeof registryOn> } {
  return harness.dependencies(now);
}

/** Provider leftovers.<name> at attempt 1, VERIFYING (each test has its own). */
function verifying(name: string): ProviderRecord {
  return providerRecord({
    providerId: `leftovers.${name}`,
    workspace: 'leftovers',
    name,
    roleName: `capa-leftovers-${name}`,
    roleArn: `arn:aws:iam::123456789012:role/capa-providers/capa-leftovers-${name}`,
    status: 'VERIFYING',
    executionName: `leftovers_${name}_1`,
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:leftovers_${name}_1`,
  });
}

const request = (name: string) => ({ workspace: 'leftovers', name, accountId: '123456789012', roleName: `capa-leftovers-${name}` });
const after = (ms: number) => new Date(STOPPED_AT.getTime() + ms);

/** Attempt 1 stopped: execution-ended recorded FAILED (and the mark) at STOPPED_AT. */
async function stopped(name: string) {
  const deps = dependencies(STOPPED_AT);
  await deps.registry.create(verifying(name));
  await deps.registry.failInFlight(`leftovers.${name}`, 1, { reason: 'EXECUTION_ABORTED', message: 'stopped' }, STOPPED_AT);
  return deps.registry;
}

describe('a POST for a FAILED provider whose leftovers are being removed', () => {
  it('answers removing-leftovers and starts nothing while the removal runs', async () => {
    // Prepare
    await stopped('running');

    // Act
    const result = await startOnboarding(dependencies(after(2_000)), request('running'));

    // Assess
    expect(result).toMatchObject({ outcome: 'removing-leftovers', provider: { status: 'FAILED', attempt: 1, leftoversPendingSince: STOPPED_AT.toISOString() } });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('restarts once execution-ended marked the removal done, and the next attempt carries no mark', async () => {
    // Prepare
    const registry = await stopped('done');
    await registry.leftoversRemoved('leftovers.done', 1);

    // Act
    const result = await startOnboarding(dependencies(after(3_000)), request('done'));

    // Assess
    expect(result).toMatchObject({ outcome: 'restarted', provider: { status: 'PENDING', attempt: 2 } });
    expect(result.provider.leftoversPendingSince).toBeUndefined();
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it('restarts anyway once the removal has run longer than the wait (execution-ended failed past its retries), clearing the mark', async () => {
    // Prepare
    const registry = await stopped('stuck');

    // Act
    const result = await startOnboarding(dependencies(after(LEFTOVER_REMOVAL_WAIT_MS + 1_000)), request('stuck'));

    // Assess
    expect(result).toMatchObject({ outcome: 'restarted', provider: { attempt: 2 } });
    const stored = await registry.get('leftovers.stuck');
    expect(stored).toMatchObject({ status: 'PENDING', attempt: 2 });
    expect(stored?.leftoversPendingSince).toBeUndefined();
  });

  it('the registry itself refuses the restart while the mark is fresh, whatever the caller read', async () => {
    // Prepare
    const registry = await stopped('raced');

    // Act
    const restarted = await registry.restart('leftovers.raced', 1, {
      attempt: 2,
      executionName: 'leftovers_raced_2',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:leftovers_raced_2',
      updatedAt: after(LEFTOVER_REMOVAL_WAIT_MS - 1_000).toISOString(),
    });

    // Assess
    expect(restarted).toBe(false);
    expect(await registry.get('leftovers.raced')).toMatchObject({ status: 'FAILED', attempt: 1 });
  });
});

describe('the mark and other attempts', () => {
  it('an offboarding does not wait for the removal, and its attempt carries no mark', async () => {
    // Prepare
    const registry = await stopped('offboarded');

    // Act
    const begun = await registry.beginOffboarding(
      'leftovers.offboarded',
      1,
      {
        attempt: 2,
        executionName: 'leftovers_offboarded_2',
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Offboard:leftovers_offboarded_2',
        updatedAt: after(1_000).toISOString(),
        offboarding: { force: false },
      },
      ['FAILED'],
    );

    // Assess
    expect(begun).toBe(true);
    const stored = await registry.get('leftovers.offboarded');
    expect(stored).toMatchObject({ status: 'DELETING', attempt: 2 });
    expect(stored?.leftoversPendingSince).toBeUndefined();
  });

  it('marking the removal done for an attempt the provider has left changes nothing', async () => {
    // Prepare
    const registry = await stopped('left');
    await registry.leftoversRemoved('leftovers.left', 1);
    await startOnboarding(dependencies(after(1_000)), request('left'));
    const before = await registry.get('leftovers.left');

    // Act
    await registry.leftoversRemoved('leftovers.left', 1);

    // Assess
    expect(await registry.get('leftovers.left')).toEqual(before);
    expect(before).toMatchObject({ status: 'PENDING', attempt: 2 });
  });
});
