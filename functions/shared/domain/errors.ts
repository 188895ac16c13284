// Errors the workflow reacts to. A Lambda error's `name` becomes the Step Functions error name,
// so Retry/Catch in the ASL and the FAILED reason code are keyed on these names.

/** Machine-readable reasons a provider can fail with (stored on the provider and in events). */
export const FAILURE_REASONS = [
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
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

// Names are string literals, never `constructor.name`: the minifier renames classes in the bundles.
export class BootstrapRoleDenied extends Error {
  override readonly name = 'BootstrapRoleDenied';
}
export class RoleConflict extends Error {
  override readonly name = 'RoleConflict';
}
export class PolicyConflict extends Error {
  override readonly name = 'PolicyConflict';
}
export class GrantLimitExceeded extends Error {
  override readonly name = 'GrantLimitExceeded';
}
export class ManagementRoleDenied extends Error {
  override readonly name = 'ManagementRoleDenied';
}
export class PropagationTimeout extends Error {
  override readonly name = 'PropagationTimeout';
}
export class ExternalIdNotEnforced extends Error {
  override readonly name = 'ExternalIdNotEnforced';
}

/** The new role is still not assumable (IAM propagation) when verification's polling budget ends: the state machine invokes it again. */
export class RoleNotYetAssumable extends Error {
  override readonly name = 'RoleNotYetAssumable';
}

/** Throttling or a 5xx that outlived the SDK's own retries: the state machine retries with backoff. */
export class TransientAwsError extends Error {
  override readonly name = 'TransientAwsError';
}

const REASON_BY_ERROR_NAME: Record<string, FailureReason> = {
  BootstrapRoleDenied: 'BOOTSTRAP_ROLE_DENIED',
  RoleConflict: 'ROLE_CONFLICT',
  PolicyConflict: 'POLICY_CONFLICT',
  GrantLimitExceeded: 'GRANT_LIMIT_EXCEEDED',
  ManagementRoleDenied: 'MANAGEMENT_ROLE_DENIED',
  PropagationTimeout: 'PROPAGATION_TIMEOUT',
  // Retries ran out before the deadline did: still the role never became assumable.
  RoleNotYetAssumable: 'PROPAGATION_TIMEOUT',
  ExternalIdNotEnforced: 'EXTERNAL_ID_NOT_ENFORCED',
  'States.Timeout': 'TIMEOUT',
  'Sandbox.Timedout': 'TIMEOUT',
};

/** Maps a Step Functions error (as caught: {Error, Cause}) to a reason code and a human message. */
export function describeFailure(error: { Error?: string; Cause?: string } | undefined): {
  reason: FailureReason;
  message: string;
} {
  const name = error?.Error ?? 'Unknown';
  const reason = REASON_BY_ERROR_NAME[name] ?? 'INTERNAL';
  return { reason, message: causeMessage(error?.Cause) ?? name };
}

type CaughtError = { Error?: string; Cause?: string };

/**
 * A failed run's reason and message: what failed, then what compensation did about it
 * (removed this run's resources, or could not: then the history has the details).
 */
export function describeRunFailure(run: {
  error?: CaughtError;
  compensation?: { removed: string[] };
  compensationError?: CaughtError;
}): { reason: FailureReason; message: string } {
  const failure = describeFailure(run.error);
  const removed = run.compensation?.removed ?? [];
  const cleanup = run.compensationError
    ? ` Cleanup failed (${describeFailure(run.compensationError).message}); see the execution history.`
    : removed.length > 0
      ? ` Removed what this run created: ${removed.join(', ')}.`
      : '';
  return { reason: failure.reason, message: `${failure.message}${cleanup}` };
}

/** A Lambda error's Cause is JSON {errorType, errorMessage, trace}; other causes are plain text. */
function causeMessage(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the cause is already the message
  }
  return cause;
}
