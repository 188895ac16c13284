// The bootstrap role travels with the provider: recorded at creation, carried in the onboarding,
// offboarding and rotation inputs, and assumed by every step; a provider recorded before it was
// recorded falls back to the deployment's default, with its inputs unchanged.
import { describe, expect, it } from 'vitest';
import { offboardingInputOf, workflowInputOf } from '../../../../functions/shared/domain/provider.js';
import { rotationInputOf } from '../../../../functions/shared/domain/rotation.js';
import { targetAccessOf } from '../../../../functions/shared/runtime/workflow-event.js';
import { providerRecord } from '../../../support/provider-records.js';

const execution = { arn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:payments_dev_1', name: 'payments_dev_1' };

describe('the bootstrap role of a provider', () => {
  it('is assumed by the workflow steps as recorded on the provider, whatever the deployment default', () => {
    // Prepare
    const record = providerRecord({ bootstrapRoleName: 'AWSControlTowerExecution' });
    // Act
    const access = targetAccessOf({ execution, state: { provider: workflowInputOf(record) } }, 'aws', 'OrganizationAccountAccessRole', 'create-role');
    // Assess
    expect(access).toMatchObject({ accountId: '123456789012', bootstrapRoleName: 'AWSControlTowerExecution' });
  });

  it('falls back to the deployment default for a provider recorded without one', () => {
    // Prepare
    const record = providerRecord();
    // Act
    const access = targetAccessOf({ execution, state: { provider: workflowInputOf(record) } }, 'aws', 'OrganizationAccountAccessRole', 'offboard');
    // Assess
    expect(access.bootstrapRoleName).toBe('OrganizationAccountAccessRole');
  });

  it('is carried in the onboarding, offboarding and rotation inputs only when recorded, so older inputs stay byte-identical', () => {
    // Prepare
    const recorded = providerRecord({ bootstrapRoleName: 'AWSControlTowerExecution' });
    const older = providerRecord();
    // Act
    const inputs = [workflowInputOf(recorded), offboardingInputOf(recorded).provider, rotationInputOf(recorded, '0123456789abcdef', 60).provider];
    const olderInputs = [workflowInputOf(older), offboardingInputOf(older).provider, rotationInputOf(older, '0123456789abcdef', 60).provider];
    // Assess
    expect(inputs.map((input) => input.bootstrapRoleName)).toEqual(['AWSControlTowerExecution', 'AWSControlTowerExecution', 'AWSControlTowerExecution']);
    expect(olderInputs.map((input) => Object.hasOwn(input, 'bootstrapRoleName'))).toEqual([false, false, false]);
  });
});
