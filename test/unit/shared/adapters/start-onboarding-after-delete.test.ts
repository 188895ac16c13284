// A request for a provider that is being, or has been, offboarded. Against dynalite; Step
// Functions is mocked.
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ProviderRecord } from '../../../../functions/shared/domain/provider.js';
import { startOnboarding, type OnboardingDependencies } from '../../../../functions/shared/adapters/start-onboarding.js';
import { providerRecord } from '../../../support/provider-records.js';
import { sfn, startOnboardingHarness } from './start-onboarding-harness.js';

const NOW = new Date('2026-11-29T10:00:00.000Z');
const harness = startOnboardingHarness();

beforeEach(() => {
  sfn.on(StartExecutionCommand).resolves({});
});

function dependencies(): OnboardingDependencies {
  return harness.dependencies(NOW);
}

async function stored(name: string, status: ProviderRecord['status']): Promise<ProviderRecord> {
  const record = providerRecord({
    providerId: `gone.${name}`,
    workspace: 'gone',
    name,
    status,
    attempt: 2,
    executionName: `gone_${name}_2`,
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:Offboard:gone_${name}_2`,
    ...(status === 'DELETED' ? { deletedAt: '2026-11-29T09:00:00.000Z', offboarding: { force: false, removed: [], leftInPlace: [] } } : {}),
  });
  await harness.registry().create(record);
  return record;
}

describe('onboarding a provider that was offboarded', () => {
  it('a DELETED provider onboards afresh at the next attempt with the new request’s spec; the tombstone fields are gone', async () => {
    // Prepare
    await stored('fresh', 'DELETED');

    // Act
    const result = await startOnboarding(dependencies(), { workspace: 'gone', name: 'fresh', accountId: '999988887777', externalId: 'fresh-external-id' });

    // Assess
    expect(result).toMatchObject({ outcome: 'started', provider: { status: 'PENDING', attempt: 3, accountId: '999988887777', executionName: 'gone_fresh_3' } });
    const record = await harness.registry().get('gone.fresh');
    expect(record).toMatchObject({ status: 'PENDING', attempt: 3, accountId: '999988887777', externalId: 'fresh-external-id', createdAt: '2026-11-29T10:00:00.000Z' });
    expect(record?.deletedAt).toBeUndefined();
    expect(record?.offboarding).toBeUndefined();
    expect(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name)).toEqual(['gone_fresh_3']);
  });

  it('with onboardDeleted false (the new-account trigger) a DELETED provider stays deleted and nothing starts', async () => {
    // Prepare
    const tombstone = await stored('kept', 'DELETED');

    // Act
    const result = await startOnboarding(dependencies(), { workspace: 'gone', name: 'kept', accountId: '123456789012' }, { onboardDeleted: false });

    // Assess
    expect(result).toEqual({ outcome: 'deleted', provider: tombstone });
    expect(await harness.registry().get('gone.kept')).toEqual(tombstone);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('a DELETING provider is answered as being deleted, and nothing starts', async () => {
    // Prepare
    const deleting = await stored('leaving', 'DELETING');

    // Act
    const result = await startOnboarding(dependencies(), { workspace: 'gone', name: 'leaving', accountId: '123456789012' });

    // Assess
    expect(result).toEqual({ outcome: 'deleting', provider: deleting });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
