// The fleet health sweep: what each provider's re-verification in a sweep came to, and the sweep's
// summary (counts per status and reason, duration) that the registry keeps and the API returns.
import type { ProviderStatus } from './provider.js';
import type { ReconciliationSummary } from './reconciliation.js';

/**
 * The registry key of the latest sweep's summary. A provider id is `<workspace>.<name>` of DNS
 * labels, which never start with `#`, so this item cannot collide with a provider; it has no
 * `workspace`, so it stays out of the byWorkspace index, and no `status`, so no provider query sees it.
 */
export const LATEST_SWEEP_KEY = '#fleet-sweep#latest';

/** What the sweep's Map iteration returns for one provider (its last Pass state shapes it). */
export type SweepProviderResult =
  | {
      providerId: string;
      outcome: 'verified';
      /** The status the verification started from. */
      previousStatus: ProviderStatus;
      status: 'READY' | 'DEGRADED';
      reason: string | null;
      /** Whether autoRepair started the next onboarding attempt of this DEGRADED provider. */
      repairStarted: boolean;
    }
  /** An onboarding, a repair or an offboarding took over since the listing: nothing was checked. */
  | { providerId: string; outcome: 'moved-on'; repairStarted: false }
  /** A step failed past its retries: the provider keeps its status. */
  | { providerId: string; outcome: 'failed'; error: string; repairStarted: false };

export interface SweepSummary {
  sweepId: string;
  executionArn: string;
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  autoRepair: boolean;
  providers: number;
  /** Verified providers per status after the sweep (READY, DEGRADED). */
  byStatus: Record<string, number>;
  /** DEGRADED providers per drift reason. */
  byReason: Record<string, number>;
  /** Providers whose verification found them moved on (nothing checked or recorded). */
  movedOn: number;
  /** Providers whose verification failed past its retries (their status unchanged). */
  failed: number;
  repairsStarted: number;
  /** Providers whose status changed (READY to DEGRADED or back). */
  changed: number;
  /** The reconcile that ran first (absent when the sweep ran none). */
  reconciliation?: ReconciliationSummary;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

export function summarizeSweep(
  sweep: { sweepId: string; executionArn: string; startedAt: string; autoRepair: boolean },
  results: readonly SweepProviderResult[],
  endedAt: Date,
  reconciliation?: ReconciliationSummary,
): SweepSummary {
  const verified = results.filter((result) => result.outcome === 'verified');
  return {
    sweepId: sweep.sweepId,
    executionArn: sweep.executionArn,
    startedAt: sweep.startedAt,
    endedAt: endedAt.toISOString(),
    durationSeconds: Math.max(0, (endedAt.getTime() - Date.parse(sweep.startedAt)) / 1000),
    autoRepair: sweep.autoRepair,
    providers: results.length,
    byStatus: countBy(verified.map((result) => result.status)),
    byReason: countBy(verified.filter((result) => result.status === 'DEGRADED').map((result) => result.reason ?? 'UNKNOWN')),
    movedOn: results.filter((result) => result.outcome === 'moved-on').length,
    failed: results.filter((result) => result.outcome === 'failed').length,
    repairsStarted: results.filter((result) => result.repairStarted).length,
    changed: verified.filter((result) => result.status !== result.previousStatus).length,
    ...(reconciliation !== undefined && { reconciliation }),
  };
}

/** `sweep-<UTC time to the millisecond>`, from the execution's start: one id per sweep execution. */
export function sweepIdOf(startedAt: Date): string {
  return `sweep-${startedAt.toISOString().replace(/[-:.]/g, '')}`;
}
