// Edges of starting an onboarding against a real registry (dynalite), Step Functions mocked: a
// DescribeExecution failure other than "no such execution" is not taken for a running execution,
// a provider that is neither READY nor in flight answers in-progress, and the stale record of a
// restart another request won is not reported as restarted.
import { DescribeExecutionCommand, ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import type { ProviderRecord } from '../../../../functions/shared/domain/provider.js';
import { startOnboarding, type OnboardingDependencies } from '../../../../functions/shared/adapters/start-onboarding.js';
import { providerRecord, registryOn } from '../../../support/provider-records.js';
import { sfn, startOnboardingHarness } from './start-onboarding-harness.js';

const harness = startOnboardingHarness();

function dependencies(): OnboardingDependencies & { registry: ReturnType<typeof registryOn> } {
  return harness.dependencies(new Date('2026-11-29T10:00:00.000Z'));
}

/** Provider edges.<name> at attempt 1 in `status`, as the start path records it. */
function stored(name: string, status: ProviderRecord['status']): ProviderRecord {
  return providerRecord({
    providerId: `edges.${name}`,
    workspace: 'edges',
    name,
    roleName: `capa-edges-${name}`,
    roleArn: `arn:aws:iam::123456789012:role/capa-providers/capa-edges-${name}`,
    status,
    executionName: `edges_${name}_1`,
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:edges_${name}_1`,
  });
}

const request = (name: string) => ({ workspace: 'edges', name, accountId: '123456789012', externalId: 'stored-external-id-7f3a9c1e5b2d4860' });

describe('startOnboarding', () => {
  it('passes on a DescribeExecution failure other than "no such execution", restarting nothing', async () => {
    // Prepare
    const deps = dependencies();
    const record = stored('describe', 'CREATING');
    await deps.registry.create(record);
    const denied = Object.assign(new Error('not authorized to perform: states:DescribeExecution'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    sfn.on(DescribeExecutionCommand).rejects(denied);

    // Act
    const starting = startOnboarding(deps, request('describe'));

    // Assess
    await expect(starting).rejects.toBe(denied);
    expect(await deps.registry.get('edges.describe')).toEqual(record);
  });

  it('answers deleting, unchanged, for a provider being deleted', async () => {
    // Prepare
    const deps = dependencies();
    const record = stored('deleting', 'DELETING');
    await deps.registry.create(record);

    // Act
    const result = await startOnboarding(deps, request('deleting'));

    // Assess
    expect(result).toEqual({ outcome: 'deleting', provider: record });
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('answers existing for a READY provider', async () => {
    // Prepare
    const deps = dependencies();
    const record = stored('ready', 'READY');
    await deps.registry.create(record);

    // Act
    const result = await startOnboarding(deps, request('ready'));

    // Assess
    expect(result).toEqual({ outcome: 'existing', provider: record });
  });
});
