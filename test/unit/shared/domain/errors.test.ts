import { describe, expect, it } from 'vitest';
import {
  BootstrapRoleDenied,
  ExternalIdNotEnforced,
  FAILURE_REASONS,
  GrantLimitExceeded,
  ManagementRoleDenied,
  PolicyConflict,
  PropagationTimeout,
  RoleConflict,
  RoleNotYetAssumable,
  TransientAwsError,
  describeFailure,
  type FailureReason,
} from '../../../../functions/shared/domain/errors.js';

/** How Step Functions hands a caught Lambda error to the next state. */
function caught(error: Error): { Error: string; Cause: string } {
  return { Error: error.name, Cause: JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: [] }) };
}

describe('failure reasons', () => {
  it('are exactly the reasons the README documents', () => {
    // Act
    const reasons = [...FAILURE_REASONS];

    // Assess
    expect(reasons).toEqual([
      'BOOTSTRAP_ROLE_DENIED',
      'ROLE_CONFLICT',
      'POLICY_CONFLICT',
      'GRANT_LIMIT_EXCEEDED',
      'MANAGEMENT_ROLE_DENIED',
      'PROPAGATION_TIMEOUT',
      'EXTERNAL_ID_NOT_ENFORCED',
      'TIMEOUT',
      'EXECUTION_ABORTED',
      'INTERNAL',
    ]);
  });

  it.each<[string, FailureReason, Error]>([
    ['BootstrapRoleDenied', 'BOOTSTRAP_ROLE_DENIED', new BootstrapRoleDenied('why')],
    ['RoleConflict', 'ROLE_CONFLICT', new RoleConflict('why')],
    ['PolicyConflict', 'POLICY_CONFLICT', new PolicyConflict('why')],
    ['GrantLimitExceeded', 'GRANT_LIMIT_EXCEEDED', new GrantLimitExceeded('why')],
    ['ManagementRoleDenied', 'MANAGEMENT_ROLE_DENIED', new ManagementRoleDenied('why')],
    ['PropagationTimeout', 'PROPAGATION_TIMEOUT', new PropagationTimeout('why')],
    // Retries ran out before the deadline did: the role still never became assumable.
    ['RoleNotYetAssumable', 'PROPAGATION_TIMEOUT', new RoleNotYetAssumable('why')],
    ['ExternalIdNotEnforced', 'EXTERNAL_ID_NOT_ENFORCED', new ExternalIdNotEnforced('why')],
    ['TransientAwsError', 'INTERNAL', new TransientAwsError('why')],
    ['TypeError', 'INTERNAL', new TypeError('why')],
  ])('a Lambda error %s becomes reason %s with its message', (name, reason, error) => {
    // Act
    const failure = describeFailure(caught(error));

    // Assess
    expect(error.name).toBe(name);
    expect(failure).toEqual({ reason, message: 'why' });
  });

  it.each([
    ['States.Timeout', 'TIMEOUT'],
    ['Sandbox.Timedout', 'TIMEOUT'],
    ['States.TaskFailed', 'INTERNAL'],
  ])('a Step Functions error %s becomes reason %s', (name, reason) => {
    // Act
    const failure = describeFailure({ Error: name, Cause: 'Task timed out after 900.00 seconds' });

    // Assess
    expect(failure).toEqual({ reason, message: 'Task timed out after 900.00 seconds' });
  });

  it('keeps a JSON cause without an errorMessage whole as the message', () => {
    // Act
    const failure = describeFailure({ Error: 'PolicyConflict', Cause: '{"errorType":"PolicyConflict"}' });

    // Assess
    expect(failure).toEqual({ reason: 'POLICY_CONFLICT', message: '{"errorType":"PolicyConflict"}' });
  });

  it('uses the error name as the message when there is no cause, and INTERNAL when there is no error', () => {
    // Act
    const withoutCause = describeFailure({ Error: 'RoleConflict' });
    const withoutError = describeFailure(undefined);

    // Assess
    expect(withoutCause).toEqual({ reason: 'ROLE_CONFLICT', message: 'RoleConflict' });
    expect(withoutError).toEqual({ reason: 'INTERNAL', message: 'Unknown' });
  });
});
