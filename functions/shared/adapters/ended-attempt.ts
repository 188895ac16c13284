// A step still running when its execution is stopped, or times out, runs to its end (AWS lets a
// running Lambda finish): it may create the role or a policy after execution-ended has recorded the
// attempt FAILED and removed what the execution had created so far. So a step that creates in the
// target account reads its attempt once it is done (or has failed); if that attempt has FAILED, the
// step removes what its execution created and ends with StaleAttemptError.
// execution-ended records FAILED before it removes anything, and this read comes after the step's
// writes: either the read sees FAILED, or the removal comes after the writes and sees them.
import type { IAMClient } from '@aws-sdk/client-iam';
import { StaleAttemptError, type ProviderRegistry } from './registry.js';
import { removeCreatedResources, type ProviderRoleTarget } from './role-provisioning.js';

export interface AttemptGuard {
  registry: ProviderRegistry;
  /** IAM in the target account (the step's bootstrap session). */
  iam: IAMClient;
  target: ProviderRoleTarget;
  attempt: number;
}

/** Removes what the execution created when its attempt has FAILED; throws StaleAttemptError then. */
async function removeIfAttemptFailed(guard: AttemptGuard): Promise<void> {
  const { providerId } = guard.target;
  const record = await guard.registry.get(providerId);
  // Another attempt may adopt what this one created: only a FAILED attempt of our own is cleared.
  if (record?.attempt !== guard.attempt || record.status !== 'FAILED') return;
  const removed = await removeCreatedResources(guard.iam, guard.target);
  throw new StaleAttemptError(
    `Attempt ${guard.attempt} of ${providerId} FAILED while execution ${guard.target.executionName} was still running this step; ` +
      `removed what it had created (${removed.length === 0 ? 'nothing' : removed.join(', ')})`,
  );
}

/** Runs `create`, then makes sure nothing it created outlives an attempt that FAILED meanwhile. */
export async function unlessAttemptFailed<T>(guard: AttemptGuard, create: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await create();
  } catch (error) {
    await removeIfAttemptFailed(guard);
    throw error;
  }
  await removeIfAttemptFailed(guard);
  return result;
}
