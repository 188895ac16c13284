// A repeated request for a provider whose attempt is still in flight: it converges with Step
// Functions. A running execution is left alone, a lost one is started again under its name, and
// one that ended without recording an outcome (its status-change event lost) gives way to the next
// attempt. Against dynalite; Step Functions is mocked with the answers AWS gives.
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  StartExecutionCommand,
  type ExecutionStatus,
} from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import type { ProviderRecord } from '../../../../functions/shared/domain/provider.js';
import { startOnboarding, type OnboardingDependencies } from '../../../../functions/shared/adapters/start-onboarding.js';
import { providerRecord, registryOn, TEST_STATE_MACHINE_ARN } from '../../../support/provider-records.js';
import { sfn, startOnboardingHarness } from './start-onboarding-harness.js';

const NOW = new Date('2026-11-28T05:00:00.000Z');
const harness = startOnboardingHarness();

function dependencies(): OnboardingDependencies & { registry: ReturnType<typeof registryOn> } {
  return harness.dependencies(NOW);
}

/** Provider converge.<name> at attempt 1 in `status` (each test has its own). */
function inFlight(name: string, status: ProviderRecord['status']): ProviderRecord {
  return providerRecord({
    providerId: `converge.${name}`,
    workspace: 'converge',
    name,
    roleName: `capa-converge-${name}`,
    roleArn: `arn:aws:iam::123456789012:role/capa-providers/capa-converge-${name}`,
    status,
    executionName: `converge_${name}_1`,
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:converge_${name}_1`,
  });
}

const request = (name: string) => ({ workspace: 'converge', name, accountId: '123456789012' });

/** What Step Functions answers for attempt 1's execution when it has ended with `status`. */
function attemptOneEnded(name: string, status: ExecutionStatus): void {
  sfn.on(StartExecutionCommand, { name: `converge_${name}_1` }).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
  sfn.on(DescribeExecutionCommand, { executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:converge_${name}_1` }).resolves({ status });
  sfn.on(StartExecutionCommand, { name: `converge_${name}_2` }).resolves({ executionArn: 'arn', startDate: NOW });
}

describe('an in-flight provider whose execution ended without recording an outcome', () => {
  it.each<[ProviderRecord['status'], ExecutionStatus]>([
    ['PENDING', 'ABORTED'],
    ['CREATING', 'ABORTED'],
    ['VERIFYING', 'TIMED_OUT'],
    ['VERIFYING', 'FAILED'],
    ['CREATING', 'SUCCEEDED'],
  ])('%s with its execution %s starts attempt 2 under the next deterministic name', async (status, executionStatus) => {
    // Prepare
    const name = `${status}-${executionStatus}`.toLowerCase().replace('_', '-');
    const deps = dependencies();
    await deps.registry.create(inFlight(name, status));
    attemptOneEnded(name, executionStatus);

    // Act
    const result = await startOnboarding(deps, request(name));

    // Assess
    const restarted = providerRecord({
      ...inFlight(name, 'PENDING'),
      attempt: 2,
      executionName: `converge_${name}_2`,
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:converge_${name}_2`,
      updatedAt: '2026-11-28T05:00:00.000Z',
    });
    expect(result).toEqual({
      outcome: 'restarted',
      provider: restarted,
      endedExecution: { executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:converge_${name}_1`, status: executionStatus },
    });
    expect(await deps.registry.get(`converge.${name}`)).toEqual(restarted);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 2);
    expect(sfn.commandCalls(StartExecutionCommand)[1]?.args[0].input).toEqual({
      stateMachineArn: TEST_STATE_MACHINE_ARN,
      name: `converge_${name}_2`,
      input: `{"provider":{"providerId":"converge.${name}","workspace":"converge","name":"${name}","accountId":"123456789012","roleName":"capa-converge-${name}","rolePath":"/capa-providers/","trustEc2":true,"attempt":2}}`,
    });
  });

  it('concurrent requests start exactly one next attempt and both answer with it', async () => {
    // Prepare
    const deps = dependencies();
    await deps.registry.create(inFlight('race', 'VERIFYING'));
    attemptOneEnded('race', 'ABORTED');

    // Act
    const results = await Promise.all([startOnboarding(deps, request('race')), startOnboarding(deps, request('race'))]);

    // Assess
    expect(results.map((result) => result.outcome).sort()).toEqual(['in-progress', 'restarted']);
    expect(results.map((result) => result.provider.executionName)).toEqual(['converge_race_2', 'converge_race_2']);
    expect(sfn.commandCalls(StartExecutionCommand, { name: 'converge_race_2' })).toHaveLength(1);
    expect(await deps.registry.get('converge.race')).toMatchObject({ status: 'PENDING', attempt: 2 });
  });
});

describe('an in-flight provider whose execution has not ended', () => {
  it.each(['PENDING', 'CREATING', 'VERIFYING'] as const)('%s with its execution running answers in progress and changes nothing', async (status) => {
    // Prepare: StartExecution with a running execution's name and input answers as for the original start.
    const name = `running-${status.toLowerCase()}`;
    const deps = dependencies();
    await deps.registry.create(inFlight(name, status));
    sfn.on(StartExecutionCommand).resolves({ executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:converge_${name}_1`, startDate: NOW });

    // Act
    const result = await startOnboarding(deps, request(name));

    // Assess
    expect(result).toEqual({ outcome: 'in-progress', provider: inFlight(name, status) });
    expect(await deps.registry.get(`converge.${name}`)).toEqual(inFlight(name, status));
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { name: `converge_${name}_1` });
  });

  it('CREATING with no execution at all (lost in a crash) starts that attempt again under its own name', async () => {
    // Prepare
    const deps = dependencies();
    await deps.registry.create(inFlight('lost', 'CREATING'));
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: NOW });

    // Act
    const result = await startOnboarding(deps, request('lost'));

    // Assess
    expect(result).toEqual({ outcome: 'in-progress', provider: inFlight('lost', 'CREATING') });
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: TEST_STATE_MACHINE_ARN,
      name: 'converge_lost_1',
      input: '{"provider":{"providerId":"converge.lost","workspace":"converge","name":"lost","accountId":"123456789012","roleName":"capa-converge-lost","rolePath":"/capa-providers/","trustEc2":true,"attempt":1}}',
    });
  });

  it('an execution of the same name still RUNNING with another input is not replaced by a next attempt', async () => {
    // Prepare: StartExecution refuses (the input differs, e.g. started by an older deployment) but the execution runs.
    const deps = dependencies();
    await deps.registry.create(inFlight('other-input', 'VERIFYING'));
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    // Act
    const result = await startOnboarding(deps, request('other-input'));

    // Assess
    expect(result).toEqual({ outcome: 'in-progress', provider: inFlight('other-input', 'VERIFYING') });
    expect(await deps.registry.get('converge.other-input')).toEqual(inFlight('other-input', 'VERIFYING'));
  });

  it('an execution Step Functions does not describe is not taken for ended', async () => {
    // Prepare
    const deps = dependencies();
    await deps.registry.create(inFlight('undescribed', 'CREATING'));
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));

    // Act
    const result = await startOnboarding(deps, request('undescribed'));

    // Assess
    expect(result).toEqual({ outcome: 'in-progress', provider: inFlight('undescribed', 'CREATING') });
    expect(await deps.registry.get('converge.undescribed')).toEqual(inFlight('undescribed', 'CREATING'));
  });
});
