// The provider lifecycle the README and the API contract document: its statuses, which of them
// are in flight (an attempt whose execution has not recorded an outcome), and ARNs derived from names.
import { describe, expect, it } from 'vitest';
import {
  executionArnOf,
  IN_FLIGHT_STATUSES,
  isInFlight,
  managedPolicyArnOf,
  partitionOf,
  PROVIDER_STATUSES,
  type ProviderStatus,
} from '../../../../functions/shared/domain/provider.js';

describe('provider statuses', () => {
  it('are exactly the statuses the API documents, in lifecycle order', () => {
    // Act
    const statuses = [...PROVIDER_STATUSES];

    // Assess
    expect(statuses).toEqual(['PENDING', 'CREATING', 'VERIFYING', 'READY', 'FAILED', 'DELETING', 'DELETED', 'DEGRADED', 'ACCOUNT_REMOVED']);
  });

  it('in flight are the statuses before an outcome is recorded', () => {
    // Act
    const inFlight = [...IN_FLIGHT_STATUSES];

    // Assess
    expect(inFlight).toEqual(['PENDING', 'CREATING', 'VERIFYING']);
  });

  it.each<[ProviderStatus, boolean]>([
    ['PENDING', true],
    ['CREATING', true],
    ['VERIFYING', true],
    ['READY', false],
    ['FAILED', false],
    ['DELETING', false],
    ['DELETED', false],
  ])('%s is in flight: %s', (status, expected) => {
    // Act
    const inFlight = isInFlight(status);

    // Assess
    expect(inFlight).toBe(expected);
  });
});

describe('derived ARNs', () => {
  it('an execution ARN is the state machine ARN with the execution resource type and name', () => {
    // Act
    const arn = executionArnOf('arn:aws:states:eu-west-1:000000000000:stateMachine:Onboard', 'payments_dev_3');

    // Assess
    expect(arn).toBe('arn:aws:states:eu-west-1:000000000000:execution:Onboard:payments_dev_3');
  });

  it('a managed policy ARN sits on the product path of the account and partition', () => {
    // Act
    const arn = managedPolicyArnOf({ partition: 'aws-us-gov', accountId: '123456789012', rolePath: '/capa-providers/' }, 'capa-payments-dev-capa-1');

    // Assess
    expect(arn).toBe('arn:aws-us-gov:iam::123456789012:policy/capa-providers/capa-payments-dev-capa-1');
  });

  it.each([
    ['arn:aws-cn:iam::123456789012:role/capa-management', 'aws-cn'],
    ['arn:aws:iam::123456789012:role/capa-management', 'aws'],
    ['not-an-arn', 'aws'],
  ])('the partition of %s is %s', (arn, expected) => {
    // Act
    const partition = partitionOf(arn);

    // Assess
    expect(partition).toBe(expected);
  });
});
