// The registry converges with an execution that ended without recording an outcome (stopped by an
// operator, timed out, or failed in its Record step): its provider is recorded FAILED with a
// reason (and a mark that its leftovers are being removed), what the execution created is removed,
// the mark goes, and "Provider Failed" announces it. The same holds
// for an offboarding execution (the provider was DELETING), which creates nothing: FAILED is
// retryable by another DELETE or a POST.
import { failureOfEndedExecution, type EndedExecution } from '../domain/ended-execution.js';
import { isUnsettled, type ProviderRecord } from '../domain/provider.js';
import type { ProviderRegistry } from './registry.js';

export interface ConvergenceDependencies {
  registry: ProviderRegistry;
  /** Removes what the execution created; returns what was removed. */
  removeLeftovers: (record: ProviderRecord, executionName: string) => Promise<string[]>;
  /** Publishes "Provider Failed" for the record. */
  announceFailure: (record: ProviderRecord, executionArn: string) => Promise<void>;
  now?: () => Date;
}

export type ConvergenceOutcome =
  | { outcome: 'failed'; provider: ProviderRecord; removed: string[] }
  /** Nothing to do: no such provider, it is on another attempt, or the workflow recorded the outcome. */
  | { outcome: 'ignored'; why: 'unknown provider' | 'another attempt' | 'outcome recorded' };

export async function convergeEndedExecution(deps: ConvergenceDependencies, ended: EndedExecution): Promise<ConvergenceOutcome> {
  const current = ended.providerId !== undefined ? await deps.registry.get(ended.providerId) : undefined;
  if (current === undefined) return { outcome: 'ignored', why: 'unknown provider' };
  if (current.executionArn !== ended.executionArn) return { outcome: 'ignored', why: 'another attempt' };
  const failure = failureOfEndedExecution(ended);
  // FAILED is recorded before anything is removed: a step still running when the execution was
  // stopped then finds its attempt ended and can no longer record READY over a removed role.
  const failed = isUnsettled(current.status)
    ? await deps.registry.failInFlight(current.providerId, current.attempt, failure, (deps.now ?? (() => new Date()))())
    : recordedByThisEvent(current, failure);
  if (failed === undefined) return { outcome: 'ignored', why: 'outcome recorded' };
  const { leftoversPendingSince, ...provider } = failed;
  let removed: string[] = [];
  if (leftoversPendingSince !== undefined) {
    // Until the mark goes, a retry of this event finds it and removes again, and the next attempt
    // waits: it would adopt a role this removal then deletes.
    removed = await deps.removeLeftovers(failed, ended.executionName);
    await deps.registry.leftoversRemoved(failed.providerId, failed.attempt);
  }
  // Last, so "Provider Failed" tells a client the next attempt may start.
  await deps.announceFailure(provider, ended.executionArn);
  return { outcome: 'failed', provider, removed };
}

/**
 * The record when it holds exactly the failure this event derives: a delivery of it already
 * recorded FAILED, then failed before the end. This one finishes the work: the removal while the
 * leftovers mark is still set, and the announcement (again, at worst: events are at-least-once).
 */
function recordedByThisEvent(current: ProviderRecord, failure: { reason: string; message: string }): ProviderRecord | undefined {
  const same = current.status === 'FAILED' && current.reason === failure.reason && current.message === failure.message;
  return same ? current : undefined;
}
