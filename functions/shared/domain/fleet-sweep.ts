// The fleet health sweep: what each provider's re-verification in a sweep came to, the counts the
// sweep keeps page by page (its tally), and the summary (counts per status and reason, duration)
// that the registry keeps and the API returns.
import type { ProviderStatus } from './provider.js';

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

/** The counts a sweep keeps while it goes through the fleet page by page (small: no provider list). */
export interface SweepTally {
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
}

export interface SweepSummary extends SweepTally {
  sweepId: string;
  executionArn: string;
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  autoRepair: boolean;
}

export function emptyTally(): SweepTally {
  return { providers: 0, byStatus: {}, byReason: {}, movedOn: 0, failed: 0, repairsStarted: 0, changed: 0 };
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function isProviderResult(result: unknown): result is SweepProviderResult {
  const outcome = (result as { outcome?: unknown } | null)?.outcome;
  return outcome === 'verified' || outcome === 'moved-on' || outcome === 'failed';
}

/**
 * The tally with one page's results added. A result that is not a provider's (a child execution
 * that failed outside its own Catch reports its error instead) counts as a failed provider.
 */
export function tallySweep(tally: SweepTally | null, results: readonly unknown[]): SweepTally {
  const next = structuredClone(tally ?? emptyTally());
  for (const result of results) {
    next.providers += 1;
    if (!isProviderResult(result) || result.outcome === 'failed') {
      next.failed += 1;
    } else if (result.outcome === 'moved-on') {
      next.movedOn += 1;
    } else {
      increment(next.byStatus, result.status);
      if (result.status === 'DEGRADED') increment(next.byReason, result.reason ?? 'UNKNOWN');
      if (result.status !== result.previousStatus) next.changed += 1;
    }
    if (isProviderResult(result) && result.repairStarted) next.repairsStarted += 1;
  }
  return next;
}

export function summarizeSweep(
  sweep: { sweepId: string; executionArn: string; startedAt: string; autoRepair: boolean },
  tally: SweepTally | null,
  endedAt: Date,
): SweepSummary {
  return {
    sweepId: sweep.sweepId,
    executionArn: sweep.executionArn,
    startedAt: sweep.startedAt,
    endedAt: endedAt.toISOString(),
    durationSeconds: Math.max(0, (endedAt.getTime() - Date.parse(sweep.startedAt)) / 1000),
    autoRepair: sweep.autoRepair,
    ...(tally ?? emptyTally()),
  };
}

/** `sweep-<UTC time to the millisecond>`, from the execution's start: one id per sweep execution. */
export function sweepIdOf(startedAt: Date): string {
  return `sweep-${startedAt.toISOString().replace(/[-:.]/g, '')}`;
}
