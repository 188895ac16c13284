// Outcomes of startOnboarding for an existing provider, against dynalite with Step Functions
// mocked: a DEGRADED provider is repaired by its next attempt; a request that loses the race to
// restart an in-flight provider whose execution ended answers in-progress with the winner's record
// and no ended execution of its own; a provider that vanishes between the failed create and the
// read is an error that names it.
import { DescribeExecutionCommand, ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProviderRecord } from '../../../../functions/shared/domain/provider.js';
import { startOnboarding, type OnboardingDependencies } from '../../../../functions/shared/adapters/start-onboarding.js';
import { providerRecord, registryOn } from '../../../support/provider-records.js';
import { sfn, startOnboardingHarness } from './start-onboarding-harness.js';

const harness = startOnboardingHarness();

afterEach(() => {
  vi.restoreAllMocks();
});

function dependencies(): OnboardingDependencies & { registry: ReturnType<typeof registryOn> } {
  return harness.dependencies(new Date('2026-11-29T18:00:00.000Z'));
}

/** Provider outcomes.<name> on attempt 1 in `status`, with `overrides`. */
function stored(name: string, status: ProviderRecord['status'], overrides: Partial<ProviderRecord> = {}): ProviderRecord {
  return providerRecord({
    providerId: `outcomes.${name}`,
    workspace: 'outcomes',
    name,
    roleName: `capa-outcomes-${name}`,
    roleArn: `arn:aws:iam::123456789012:role/capa-providers/capa-outcomes-${name}`,
    status,
    executionName: `outcomes_${name}_1`,
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:outcomes_${name}_1`,
    ...overrides,
  });
}

const request = (name: string) => ({ workspace: 'outcomes', name, accountId: '123456789012' });

describe('startOnboarding for a DEGRADED provider', () => {
  it('restarts it at the next attempt, PENDING, without the drift reason, and starts that execution', async () => {
    // Prepare
    const deps = dependencies();
    await deps.registry.create(stored('degraded', 'DEGRADED', { reason: 'POLICY_DETACHED', message: 'not attached or missing' }));
    sfn.on(StartExecutionCommand).resolves({});

    // Act
    const result = await startOnboarding(deps, request('degraded'));

    // Assess
    const restarted = stored('degraded', 'PENDING', {
      attempt: 2,
      executionName: 'outcomes_degraded_2',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:outcomes_degraded_2',
      updatedAt: '2026-11-29T18:00:00.000Z',
    });
    expect(result).toEqual({ outcome: 'restarted', provider: restarted });
    expect(await deps.registry.get('outcomes.degraded')).toEqual(restarted);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { name: 'outcomes_degraded_2' });
  });
});

describe('startOnboarding for an in-flight provider whose execution ended', () => {
  it('answers in-progress with the winner’s record, and no ended execution, when another request restarted it first', async () => {
    // Prepare: attempt 1's execution FAILED without recording it; another request restarts the
    // provider between this request's read and its own restart.
    const deps = dependencies();
    await deps.registry.create(stored('lost-race', 'VERIFYING'));
    sfn.on(StartExecutionCommand, { name: 'outcomes_lost-race_1' }).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED' });
    const winner = {
      attempt: 2,
      executionName: 'outcomes_lost-race_2',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:outcomes_lost-race_2',
      updatedAt: '2026-11-29T17:59:59.000Z',
    };
    const restart = deps.registry.restart.bind(deps.registry);
    vi.spyOn(deps.registry, 'restart').mockImplementationOnce(async (providerId, previousAttempt, next, from) => {
      await restart(providerId, previousAttempt, winner, from);
      return restart(providerId, previousAttempt, next, from);
    });

    // Act
    const result = await startOnboarding(deps, request('lost-race'));

    // Assess
    expect(result).toEqual({ outcome: 'in-progress', provider: stored('lost-race', 'PENDING', winner) });
    expect(result).not.toHaveProperty('endedExecution');
    expect(sfn).not.toHaveReceivedCommandWith(StartExecutionCommand, { name: 'outcomes_lost-race_2' });
  });
});

describe('startOnboarding when the provider vanishes', () => {
  it('fails naming the provider when it exists for the create but not for the read that follows', async () => {
    // Prepare: an offboarding's final delete lands between the two calls.
    const deps = dependencies();
    await deps.registry.create(stored('vanished', 'READY'));
    vi.spyOn(deps.registry, 'get').mockResolvedValueOnce(undefined);

    // Act
    const starting = startOnboarding(deps, request('vanished'));

    // Assess
    await expect(starting).rejects.toThrow(new Error('Provider outcomes.vanished vanished while being created'));
    expect(sfn).not.toHaveReceivedAnyCommand();
  });
});
