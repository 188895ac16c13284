// The bootstrap role a provider is onboarded through: recorded at creation from the caller's
// choice (the new-account trigger's), kept when an API request restarts the provider, and
// replaced when a new-account event restarts it through another source's role (in a Control Tower
// landing zone, Organizations' CreateAccountResult arrives first and fails for want of
// OrganizationAccountAccessRole; the later CreateManagedAccount must retry through
// AWSControlTowerExecution).
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { beforeEach, describe, expect, it } from 'vitest';
import { startOnboarding, type OnboardingDependencies } from '../../../../functions/shared/adapters/start-onboarding.js';
import { providerRecord } from '../../../support/provider-records.js';
import { sfn, startOnboardingHarness } from './start-onboarding-harness.js';

const NOW = new Date('2026-11-29T16:00:00.000Z');
const harness = startOnboardingHarness();

beforeEach(() => {
  sfn.on(StartExecutionCommand).resolves({});
});

function dependencies(): OnboardingDependencies {
  return harness.dependencies(NOW);
}

/** A FAILED provider `lz.<name>` of account 123456789012 recorded with the Organizations role. */
async function failed(name: string): Promise<void> {
  await harness.registry().create(
    providerRecord({
      providerId: `lz.${name}`,
      workspace: 'lz',
      name,
      roleName: `capa-lz-${name}`,
      status: 'FAILED',
      reason: 'BOOTSTRAP_ROLE_DENIED',
      attempt: 1,
      executionName: `lz_${name}_1`,
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:lz_${name}_1`,
      bootstrapRoleName: 'OrganizationAccountAccessRole',
    }),
  );
}

function startedInput(): { provider: Record<string, unknown> } {
  return JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!) as { provider: Record<string, unknown> };
}

describe('the bootstrap role across restarts', () => {
  it('records the role the caller chose on a new provider', async () => {
    // Act
    await startOnboarding(dependencies(), { workspace: 'lz', name: 'fresh', accountId: '123456789012' }, { bootstrapRoleName: 'AWSControlTowerExecution' });
    // Assess
    expect(await harness.registry().get('lz.fresh')).toMatchObject({ bootstrapRoleName: 'AWSControlTowerExecution' });
    expect(startedInput().provider).toMatchObject({ bootstrapRoleName: 'AWSControlTowerExecution' });
  });

  it('restarts a FAILED provider through the role of the event that restarts it', async () => {
    // Prepare
    await failed('ct');
    // Act
    const result = await startOnboarding(dependencies(), { workspace: 'lz', name: 'ct', accountId: '123456789012' }, { onboardDeleted: false, bootstrapRoleName: 'AWSControlTowerExecution' });
    // Assess
    expect(result).toMatchObject({ outcome: 'restarted', provider: { attempt: 2, bootstrapRoleName: 'AWSControlTowerExecution' } });
    expect(await harness.registry().get('lz.ct')).toMatchObject({ status: 'PENDING', attempt: 2, bootstrapRoleName: 'AWSControlTowerExecution' });
    expect(startedInput().provider).toMatchObject({ attempt: 2, bootstrapRoleName: 'AWSControlTowerExecution' });
  });

  it('keeps the recorded role when an API request (no role of its own) restarts the provider', async () => {
    // Prepare
    await failed('api');
    // Act
    await startOnboarding(dependencies(), { workspace: 'lz', name: 'api', accountId: '123456789012' });
    // Assess
    expect(await harness.registry().get('lz.api')).toMatchObject({ status: 'PENDING', attempt: 2, bootstrapRoleName: 'OrganizationAccountAccessRole' });
    expect(startedInput().provider).toMatchObject({ bootstrapRoleName: 'OrganizationAccountAccessRole' });
  });
});
