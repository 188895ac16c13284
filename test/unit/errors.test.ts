import { describe, expect, it } from 'vitest';
import { describeFailure } from '../../functions/shared/domain/errors.js';

describe('describeFailure', () => {
  it.each([
    ['BootstrapRoleDenied', 'BOOTSTRAP_ROLE_DENIED'],
    ['RoleConflict', 'ROLE_CONFLICT'],
    ['PropagationTimeout', 'PROPAGATION_TIMEOUT'],
    ['RoleNotYetAssumable', 'PROPAGATION_TIMEOUT'],
    ['ExternalIdNotEnforced', 'EXTERNAL_ID_NOT_ENFORCED'],
    ['States.Timeout', 'TIMEOUT'],
    ['TypeError', 'INTERNAL'],
  ])('maps %s to %s', (name, reason) => {
    expect(describeFailure({ Error: name, Cause: JSON.stringify({ errorType: name, errorMessage: 'why' }) })).toEqual({ reason, message: 'why' });
  });

  it('keeps a plain-text cause as the message and survives a missing error', () => {
    expect(describeFailure({ Error: 'States.Timeout', Cause: 'Task timed out' })).toEqual({ reason: 'TIMEOUT', message: 'Task timed out' });
    expect(describeFailure(undefined)).toEqual({ reason: 'INTERNAL', message: 'Unknown' });
  });
});
