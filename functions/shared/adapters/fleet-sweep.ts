// The sweep's three steps that are not the verification's own: listing the fleet, repairing a
// DEGRADED provider when autoRepair is on, and recording the summary with its event.
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { summarizeSweep, sweepIdOf, type SweepProviderResult, type SweepSummary } from '../domain/fleet-sweep.js';
import type { ReconciliationSummary } from '../domain/reconciliation.js';
import { workflowInputOf, type ProviderSpec } from '../domain/provider.js';
import type { FleetRegistry } from './fleet-registry.js';
import { publishEvent } from './provider-events.js';
import { startOnboarding, type OnboardingDependencies } from './start-onboarding.js';

export const SWEEP_COMPLETED = 'Fleet Sweep Completed';

/** What every later step of the sweep reads: its identity, when it started, whether it repairs. */
export interface SweepRef {
  sweepId: string;
  executionArn: string;
  startedAt: string;
  autoRepair: boolean;
}

export async function listFleet(
  fleet: FleetRegistry,
  execution: { arn: string; startTime: string },
  autoRepair: boolean,
): Promise<{ sweep: SweepRef; providers: ProviderSpec[] }> {
  const records = await fleet.verifiableProviders();
  // Sorted, so the history reads the same fleet in the same order from one sweep to the next.
  const providers = records.map(workflowInputOf).sort((a, b) => a.providerId.localeCompare(b.providerId));
  const started = new Date(execution.startTime);
  return { sweep: { sweepId: sweepIdOf(started), executionArn: execution.arn, startedAt: started.toISOString(), autoRepair }, providers };
}

/**
 * The repair a POST would start for a DEGRADED provider: the next onboarding attempt through the
 * shared start path, from the provider's own record (no External ID supplied: it keeps its own).
 * Started only while the provider is still DEGRADED on the attempt the sweep verified.
 */
export async function repairDegraded(deps: OnboardingDependencies, provider: ProviderSpec): Promise<{ started: boolean; attempt?: number }> {
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
  results: readonly SweepProviderResult[],
  reconciliation?: ReconciliationSummary,
): Promise<SweepSummary> {
  const summary = summarizeSweep(sweep, results, (deps.now ?? (() => new Date()))(), reconciliation);
  await deps.fleet.recordSweep(summary);
  await publishEvent(deps.eventBridge, deps.bus, SWEEP_COMPLETED, summary, [sweep.executionArn]);
  return summary;
}
