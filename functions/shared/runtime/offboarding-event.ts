// The shape of the offboarding state machine's data, as the ASL passes it to every task:
// { execution: { arn, name }, state: <the accumulated state> }.
import type { GrantResult } from '../adapters/management-access.js';
import type { RemovalResult } from '../adapters/provider-removal.js';
import type { LeftInPlace, OffboardingInput } from '../domain/provider.js';
import type { ExecutionRef } from './workflow-event.js';

/** What "Revoke Management Grant" did: the grant it revoked, or (forced) the one it could not. */
export interface GrantRevocation {
  mode: GrantResult['mode'];
  removed: string[];
  leftInPlace: LeftInPlace[];
}

export interface OffboardingState extends OffboardingInput {
  grant?: GrantRevocation;
  removal?: RemovalResult;
  /** Set by the Catch that sends a failed run to "Record Offboarding Failed". */
  error?: { Error?: string; Cause?: string };
}

export interface OffboardingTaskEvent {
  execution: ExecutionRef;
  state: OffboardingState;
}

/** Everything the run removed and left in place, the grant first, as the provider and the event record it. */
export function offboardingOutcomeOf(state: OffboardingState): { removed: string[]; leftInPlace: LeftInPlace[] } {
  return {
    removed: [...(state.grant?.removed ?? []), ...(state.removal?.removed ?? [])],
    leftInPlace: [...(state.grant?.leftInPlace ?? []), ...(state.removal?.leftInPlace ?? [])],
  };
}
