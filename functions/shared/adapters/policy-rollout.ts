// The rollout-policy state machine's own steps: open the rollout (list the fleet, fix the
// tolerance), admit or skip each provider, count what its upgrade came to, and close the rollout
// with `Policy Rollout Completed` or `Policy Rollout Halted`.
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
import type { FleetRegistry } from './fleet-registry.js';
import { publishEvent } from './provider-events.js';
import type { RolloutRegistry } from './rollout-registry.js';

export const ROLLOUT_COMPLETED = 'Policy Rollout Completed';
export const ROLLOUT_HALTED = 'Policy Rollout Halted';

/** What every step of the walk reads: the rollout it belongs to (the state machine's input). */
export interface RolloutRef {
  rolloutId: string;
  policyVersion: string;
}

/** Providers per listing page (the walk itself is one inline Map over every page's ids). */
const LISTING_PAGE_SIZE = 1_000;
/** Pages one listing may read: far more than the inline Map's state can carry. */
const MAX_LISTING_PAGES = 1_000;

export interface ToleranceSettings {
  maxFailures: number;
  maxFailurePercent: number;
}

/** Lists the providers to upgrade (READY or DEGRADED, sorted) and records the fleet size and tolerance. */
export async function openRollout(
  deps: { fleet: FleetRegistry; rollouts: RolloutRegistry; tolerance: ToleranceSettings },
  rollout: RolloutRef,
): Promise<{ rollout: RolloutRef & { tolerance: FailureTolerance }; providers: Array<{ providerId: string }> }> {
  const providerIds: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < MAX_LISTING_PAGES; page += 1) {
    const listed = await deps.fleet.verifiableProvidersPage(LISTING_PAGE_SIZE, startKey);
    providerIds.push(...listed.providers.map((record) => record.providerId));
    startKey = listed.nextKey;
    if (startKey === undefined) break;
  }
  if (startKey !== undefined) throw new Error(`The fleet listing did not end within ${MAX_LISTING_PAGES} pages`);
  // Sorted, so the history walks the fleet in the same order from one rollout to the next.
  const providers = providerIds.sort((a, b) => a.localeCompare(b)).map((providerId) => ({ providerId }));
  const tolerance = failureTolerance(providers.length, deps.tolerance.maxFailures, deps.tolerance.maxFailurePercent);
  await deps.rollouts.open(rollout.rolloutId, providers.length, tolerance);
  return { rollout: { rolloutId: rollout.rolloutId, policyVersion: rollout.policyVersion, tolerance }, providers };
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
