// The sweep's steps that are not the verification's own: listing the fleet a page at a time,
// repairing a DEGRADED provider when autoRepair is on, and recording the summary with its event.
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { summarizeSweep, sweepIdOf, type SweepSummary, type SweepTally } from '../domain/fleet-sweep.js';
import type { ProviderSpec } from '../domain/provider.js';
import type { ReconciliationSummary } from '../domain/reconciliation.js';
import { decodeFleetPageToken, encodeFleetPageToken, type FleetRegistry } from './fleet-registry.js';
import { publishEvent } from './provider-events.js';
import { startOnboarding, type OnboardingDependencies } from './start-onboarding.js';

export const SWEEP_COMPLETED = 'Fleet Sweep Completed';

/** What every later step of the sweep reads: its identity, when it started, whether it repairs, how each check is paced. */
export interface SweepRef {
  sweepId: string;
  executionArn: string;
  startedAt: string;
  autoRepair: boolean;
  /** The least time each child's check lasts (the Map's ItemSelector hands it to check-provider): the sweep's rate bound. */
  minCheckMs: number;
}

/** What a sweep's iteration needs of a provider: check-provider and repair-provider read the record by id and attempt; the account tags their logs. */
export type SweepItem = Pick<ProviderSpec, 'providerId' | 'accountId' | 'attempt'>;

export interface FleetPageAnswer {
  sweep: SweepRef;
  providers: SweepItem[];
  /** Where the next page starts; null after the last page. */
  nextToken: string | null;
}

/** One page of the fleet (READY and DEGRADED providers), with the sweep's identity and the next page's token. */
export async function listFleetPage(
  fleet: FleetRegistry,
  execution: { arn: string; startTime: string },
  options: { autoRepair: boolean; pageSize: number; minCheckMs: number; nextToken?: string | null },
): Promise<FleetPageAnswer> {
  const page = await fleet.verifiableProvidersPage(options.pageSize, decodeFleetPageToken(options.nextToken));
  // Sorted, so the history reads a page in the same order from one sweep to the next.
  const providers = page.providers
    .map(({ providerId, accountId, attempt }) => ({ providerId, accountId, attempt }))
    .sort((a, b) => a.providerId.localeCompare(b.providerId));
  const started = new Date(execution.startTime);
  return {
    sweep: {
      sweepId: sweepIdOf(started),
      executionArn: execution.arn,
      startedAt: started.toISOString(),
      autoRepair: options.autoRepair,
      minCheckMs: options.minCheckMs,
    },
    providers,
    nextToken: encodeFleetPageToken(page.nextKey),
  };
}

/**
 * The repair a POST would start for a DEGRADED provider: the next onboarding attempt through the
 * shared start path, from the provider's own record (no External ID supplied: it keeps its own).
 * Started only while the provider is still DEGRADED on the attempt the sweep verified.
 */
export async function repairDegraded(deps: OnboardingDependencies, provider: Pick<SweepItem, 'providerId' | 'attempt'>): Promise<{ started: boolean; attempt?: number }> {
  const record = await deps.registry.get(provider.providerId);
  if (!record || record.attempt !== provider.attempt || record.status !== 'DEGRADED') return { started: false };
  const result = await startOnboarding(
    deps,
    { workspace: record.workspace, name: record.name, accountId: record.accountId, roleName: record.roleName, trustEc2: record.trustEc2 },
    { onboardDeleted: false },
  );
  return result.outcome === 'restarted' ? { started: true, attempt: result.provider.attempt } : { started: false };
}

export interface SweepRecorder {
  fleet: FleetRegistry;
  eventBridge: EventBridgeClient;
  bus: { busName: string; source: string };
  now?: () => Date;
}

/** Stores the summary as the latest sweep and announces `Fleet Sweep Completed` with it. */
export async function recordSweep(
  deps: SweepRecorder,
  sweep: SweepRef,
  tally: SweepTally | null,
  reconciliation?: ReconciliationSummary,
): Promise<SweepSummary> {
  const summary = summarizeSweep(sweep, tally, (deps.now ?? (() => new Date()))(), reconciliation);
  await deps.fleet.recordSweep(summary);
  await publishEvent(deps.eventBridge, deps.bus, SWEEP_COMPLETED, summary, [sweep.executionArn]);
  return summary;
}
