// The CAPA policy rollout: one walk of the fleet that moves every READY and DEGRADED provider to the
// policy version this deployment ships, with a failure tolerance like CloudFormation StackSets'
// (a count and a percentage of the fleet; whichever is lower stops the walk).

/**
 * Registry keys of rollout items. A provider id is `<workspace>.<name>` of DNS labels, which never
 * start with `#`, so these cannot collide with a provider; they carry no `workspace`, `accountId`
 * or `status`, so no index and no provider query sees them (a rollout's state is `rolloutStatus`).
 */
export const ROLLOUT_KEY_PREFIX = '#policy-rollout#';
/** Points at the latest rollout: the one a second start answers while it runs. */
export const LATEST_ROLLOUT_KEY = `${ROLLOUT_KEY_PREFIX}latest`;

export function rolloutKey(rolloutId: string): string {
  return `${ROLLOUT_KEY_PREFIX}${rolloutId}`;
}

export type RolloutStatus = 'RUNNING' | 'COMPLETED' | 'HALTED';
export type RolloutTrigger = 'deploy' | 'api';
/** Why a rollout halted: a tolerance exceeded, a newer policy deployed, or the walk itself failed. */
export type HaltReason = 'FAILURE_COUNT_EXCEEDED' | 'FAILURE_PERCENT_EXCEEDED' | 'SUPERSEDED' | 'ROLLOUT_ERROR';

/** Failures the record lists (the counters count them all). */
export const MAX_LISTED_FAILURES = 20;
/** A failure's reason as the record keeps it (the execution history has the rest). */
const MAX_REASON_LENGTH = 300;

export interface RolloutCounts {
  upgraded: number;
  current: number;
  movedOn: number;
  failed: number;
  skipped: number;
}

export const COUNT_NAMES: readonly (keyof RolloutCounts)[] = ['upgraded', 'current', 'movedOn', 'failed', 'skipped'];

export interface FailureTolerance {
  /** rolloutMaxFailures: providers that may fail before the rollout halts. */
  maxFailures: number;
  /** rolloutMaxFailurePercent: the same, as a percentage of the fleet counted at the start. */
  maxFailurePercent: number;
  /** The lower of the two (the percentage rounded down, as StackSets does); one more failure halts. */
  toleratedFailures: number;
  /** Which setting gave toleratedFailures (the count when both give the same number). */
  bindingThreshold: 'count' | 'percent';
}

export interface RolloutFailure {
  providerId: string;
  /** The error name the upgrade failed with (e.g. PolicyUpgradeFailed, States.Timeout). */
  error: string;
  reason: string;
}

/** A rollout as the registry keeps it and the API returns it. */
export interface RolloutRecord {
  rolloutId: string;
  policyVersion: string;
  trigger: RolloutTrigger;
  rolloutStatus: RolloutStatus;
  startedAt: string;
  endedAt?: string;
  executionArn: string;
  /** Providers counted at the start (READY or DEGRADED); unset until the rollout has opened. */
  total?: number;
  tolerance?: FailureTolerance;
  haltReason?: HaltReason;
  failures: RolloutFailure[];
  upgraded: number;
  current: number;
  movedOn: number;
  failed: number;
  skipped: number;
}

/** What the upgrade function answers for one provider (its contract). */
export interface ProviderUpgradeResult {
  providerId: string;
  outcome: 'UPGRADED' | 'CURRENT' | 'MOVED_ON';
  fromPolicyVersion?: string;
  policyVersion: string;
}

export const OUTCOME_COUNTER: Record<ProviderUpgradeResult['outcome'], keyof RolloutCounts> = {
  UPGRADED: 'upgraded',
  CURRENT: 'current',
  MOVED_ON: 'movedOn',
};

/**
 * `rollout-<first 8 hex digits of the policy version>-<UTC start to the millisecond>`: readable,
 * unique per start, and a valid execution name (the state machine runs it under this name).
 */
export function rolloutIdOf(policyVersion: string, startedAt: Date): string {
  const digest = policyVersion.replace(/^sha256:/, '').replace(/[^0-9a-zA-Z]/g, '').slice(0, 8);
  return `rollout-${digest}-${startedAt.toISOString().replace(/[-:.]/g, '')}`;
}

export function failureTolerance(total: number, maxFailures: number, maxFailurePercent: number): FailureTolerance {
  const byPercent = Math.floor((total * maxFailurePercent) / 100);
  return {
    maxFailures,
    maxFailurePercent,
    toleratedFailures: Math.min(maxFailures, byPercent),
    bindingThreshold: maxFailures <= byPercent ? 'count' : 'percent',
  };
}

/** The threshold a rollout with `failed` failures has exceeded, if any. */
export function exceededThreshold(tolerance: FailureTolerance, failed: number): HaltReason | undefined {
  if (failed <= tolerance.toleratedFailures) return undefined;
  return tolerance.bindingThreshold === 'count' ? 'FAILURE_COUNT_EXCEEDED' : 'FAILURE_PERCENT_EXCEEDED';
}

/** How a rollout ends: halted when a tolerance was exceeded or the walk failed, else completed. */
export function closingStatus(record: RolloutRecord, walkFailed: boolean): { rolloutStatus: RolloutStatus; haltReason?: HaltReason } {
  const exceeded = record.tolerance !== undefined ? exceededThreshold(record.tolerance, record.failed) : undefined;
  if (exceeded !== undefined) return { rolloutStatus: 'HALTED', haltReason: exceeded };
  if (walkFailed) return { rolloutStatus: 'HALTED', haltReason: 'ROLLOUT_ERROR' };
  return { rolloutStatus: 'COMPLETED' };
}

/** A caught Step Functions error ({Error, Cause}) as a listed failure; a Lambda Cause is JSON with errorMessage. */
export function rolloutFailureOf(providerId: string, caught: { Error?: string; Cause?: string } | undefined): RolloutFailure {
  const error = caught?.Error ?? 'Unknown';
  let reason = caught?.Cause ?? error;
  try {
    const parsed = JSON.parse(reason) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') reason = parsed.errorMessage;
  } catch {
    // A plain-text cause (a States.* error) is the reason as it is.
  }
  return { providerId, error, reason: reason.slice(0, MAX_REASON_LENGTH) };
}

export function countsOf(record: RolloutRecord): RolloutCounts {
  return { upgraded: record.upgraded, current: record.current, movedOn: record.movedOn, failed: record.failed, skipped: record.skipped };
}

/** A rollout as the API returns it and the closing events carry it. */
export interface RolloutView {
  rolloutId: string;
  policyVersion: string;
  trigger: RolloutTrigger;
  status: RolloutStatus;
  startedAt: string;
  endedAt: string | null;
  executionArn: string;
  total: number | null;
  counts: RolloutCounts;
  tolerance: FailureTolerance | null;
  haltReason: HaltReason | null;
  failures: RolloutFailure[];
}

export function rolloutView(record: RolloutRecord): RolloutView {
  return {
    rolloutId: record.rolloutId,
    policyVersion: record.policyVersion,
    trigger: record.trigger,
    status: record.rolloutStatus,
    startedAt: record.startedAt,
    endedAt: record.endedAt ?? null,
    executionArn: record.executionArn,
    total: record.total ?? null,
    counts: countsOf(record),
    tolerance: record.tolerance ?? null,
    haltReason: record.haltReason ?? null,
    failures: record.failures,
  };
}

/** Whether a rollout left nothing to do: completed for this version with every provider upgraded or current. */
export function fleetIsCurrent(record: RolloutRecord, policyVersion: string): boolean {
  return record.policyVersion === policyVersion && record.rolloutStatus === 'COMPLETED' && record.failed === 0 && record.skipped === 0;
}
