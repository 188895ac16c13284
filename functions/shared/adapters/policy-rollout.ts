// The rollout-policy state machine's own steps: open the rollout (count the fleet, fix the
// tolerance), list the fleet a page at a time, admit or skip each provider, count what its upgrade
// came to, and close the rollout with `Policy Rollout Completed` or `Policy Rollout Halted`.
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  exceededThreshold,
  closingStatus,
  failureTolerance,
  OUTCOME_COUNTER,
  rolloutFailureOf,
  rolloutView,
  type FailureTolerance,
  type ProviderUpgradeResult,
  type RolloutFailure,
  type RolloutView,
} from '../domain/policy-rollout.js';
import { decodeFleetPageToken, encodeFleetPageToken, type FleetRegistry } from './fleet-registry.js';
import { publishEvent } from './provider-events.js';
import type { RolloutRegistry } from './rollout-registry.js';

export const ROLLOUT_COMPLETED = 'Policy Rollout Completed';
export const ROLLOUT_HALTED = 'Policy Rollout Halted';

/** What every step of the walk reads: the rollout it belongs to (the state machine's input). */
export interface RolloutRef {
  rolloutId: string;
  policyVersion: string;
}

export interface ToleranceSettings {
  maxFailures: number;
  maxFailurePercent: number;
}

/**
 * Counts the providers to upgrade (READY or DEGRADED) and records that fleet size and the tolerance
 * it gives. The pages are listed afterwards (listRolloutPage), so the state never holds the fleet.
 */
export async function openRollout(
  deps: { fleet: FleetRegistry; rollouts: RolloutRegistry; tolerance: ToleranceSettings },
  rollout: RolloutRef,
): Promise<{ rollout: RolloutRef & { tolerance: FailureTolerance } }> {
  const total = await deps.fleet.countVerifiableProviders();
  const tolerance = failureTolerance(total, deps.tolerance.maxFailures, deps.tolerance.maxFailurePercent);
  await deps.rollouts.open(rollout.rolloutId, total, tolerance);
  return { rollout: { rolloutId: rollout.rolloutId, policyVersion: rollout.policyVersion, tolerance } };
}

/** One page of the rollout's fleet (what an iteration needs: the provider's id) and the next page's token (null after the last). */
export async function listRolloutPage(
  fleet: FleetRegistry,
  options: { pageSize: number; nextToken?: string | null },
): Promise<{ providers: Array<{ providerId: string }>; nextToken: string | null }> {
  const page = await fleet.verifiableProvidersPage(options.pageSize, decodeFleetPageToken(options.nextToken));
  // Sorted, so the history walks a page in the same order from one rollout to the next.
  const providers = page.providers.map(({ providerId }) => ({ providerId })).sort((a, b) => a.providerId.localeCompare(b.providerId));
  return { providers, nextToken: encodeFleetPageToken(page.nextKey) };
}

/**
 * Whether a provider is upgraded: not once the failures have exceeded the tolerance (then it is
 * counted as skipped and left untouched). Read before each provider, so the walk stops within the
 * iterations already running.
 */
export async function admitProvider(rollouts: RolloutRegistry, rollout: RolloutRef): Promise<{ admitted: boolean }> {
  const record = await rollouts.get(rollout.rolloutId);
  if (!record) throw new Error(`Rollout ${rollout.rolloutId} has no record`);
  const halted = record.rolloutStatus !== 'RUNNING' || (record.tolerance !== undefined && exceededThreshold(record.tolerance, record.failed) !== undefined);
  if (halted) await rollouts.count(rollout.rolloutId, 'skipped');
  return { admitted: !halted };
}

export async function recordUpgrade(rollouts: RolloutRegistry, rollout: RolloutRef, result: ProviderUpgradeResult): Promise<{ counted: string }> {
  const counter = OUTCOME_COUNTER[result.outcome];
  await rollouts.count(rollout.rolloutId, counter);
  return { counted: counter };
}

/** Counts a provider whose upgrade failed past its retries and lists it among the first failures. */
export async function recordFailure(
  rollouts: RolloutRegistry,
  rollout: RolloutRef,
  providerId: string,
  caught: { Error?: string; Cause?: string } | undefined,
): Promise<{ failure: RolloutFailure; failed: number }> {
  const failure = rolloutFailureOf(providerId, caught);
  const counted = await rollouts.count(rollout.rolloutId, 'failed');
  await rollouts.listFailure(rollout.rolloutId, failure);
  return { failure, failed: counted.failed };
}

export interface RolloutCloser {
  rollouts: RolloutRegistry;
  eventBridge: EventBridgeClient;
  bus: { busName: string; source: string };
  now?: () => Date;
}

/**
 * Ends the rollout (HALTED when a tolerance was exceeded or the walk failed, else COMPLETED) and
 * announces it. A rollout a newer one superseded is already HALTED: nothing more is announced.
 */
export async function closeRollout(deps: RolloutCloser, rollout: RolloutRef, walkFailed: boolean): Promise<RolloutView> {
  const current = await deps.rollouts.get(rollout.rolloutId);
  if (!current) throw new Error(`Rollout ${rollout.rolloutId} has no record`);
  const end = closingStatus(current, walkFailed);
  const closed = await deps.rollouts.close(rollout.rolloutId, { ...end, endedAt: (deps.now ?? (() => new Date()))().toISOString() });
  if (!closed) return rolloutView(current);
  const view = rolloutView(closed);
  const detailType = view.status === 'COMPLETED' ? ROLLOUT_COMPLETED : ROLLOUT_HALTED;
  await publishEvent(deps.eventBridge, deps.bus, detailType, rolloutEventDetail(view), [view.executionArn]);
  return view;
}

/** The closing events' detail (docs/CONTRACTS.md): the rollout's view without the execution ARN (the event's resource). */
export function rolloutEventDetail(view: RolloutView): Omit<RolloutView, 'executionArn'> {
  const { executionArn: _resource, ...detail } = view;
  return detail;
}
