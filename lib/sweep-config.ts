// The fleet health sweep's knobs (CDK context): when it runs, whether at all, how many providers
// it lists per page, re-verifies at once and starts checking per second, and whether it repairs
// what it finds DEGRADED. Validated at synth.
import type { Node } from 'constructs';
import { ConfigError } from './config.js';

export interface SweepConfig {
  /** Whether the schedule runs the sweep (the state machine exists either way, to run it by hand). */
  readonly sweepEnabled: boolean;
  /** An EventBridge schedule expression: `rate(N minute|minutes|hour|hours|day|days)` or `cron(...)`. */
  readonly sweepSchedule: string;
  /** The Distributed Map's MaxConcurrency: providers re-verified at once (child executions). */
  readonly sweepConcurrency: number;
  /** Providers per page: one listing, one Map Run, one tally each. */
  readonly sweepPageSize: number;
  /**
   * Checks started per second at most, whatever IAM's and STS's latency: each check lasts at least
   * `minCheckDurationMs(sweepConcurrency, sweepChecksPerSecond)` (each makes 3 STS and 6 IAM calls).
   */
  readonly sweepChecksPerSecond: number;
  /** Whether a provider found DEGRADED gets the next onboarding attempt (the repair) in the same sweep. */
  readonly autoRepair: boolean;
}

export const SWEEP_DEFAULTS: SweepConfig = {
  sweepEnabled: true,
  sweepSchedule: 'rate(6 hours)',
  sweepConcurrency: 20,
  sweepPageSize: 500,
  sweepChecksPerSecond: 20,
  autoRepair: false,
};

/**
 * A Distributed Map runs up to 10,000 child executions at once; 1,000 is an account's default Lambda
 * concurrency, which every child's functions share, and IAM and STS throttle far below that.
 */
export const MAX_SWEEP_CONCURRENCY = 1_000;

/** A page's results (about 130 bytes each) must stay far below the 256 KB a state may carry. */
export const MAX_SWEEP_PAGE_SIZE = 1_000;

export const MAX_SWEEP_CHECKS_PER_SECOND = 1_000;

/** Half of check-provider's 60 s timeout: the paced wait must leave a slow check room to finish. */
export const MAX_MIN_CHECK_DURATION_MS = 30_000;

/**
 * How long each check lasts at least so that `concurrency` checks at once start at most
 * `checksPerSecond` a second: each of the `concurrency` slots starts one check per duration.
 */
export function minCheckDurationMs(concurrency: number, checksPerSecond: number): number {
  return Math.ceil((1000 * concurrency) / checksPerSecond);
}

const RATE = /^rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\)$/;
// Six fields (minutes hours day-of-month month day-of-week year), as EventBridge's cron.
const CRON = /^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/;

type Lookup = (key: string) => unknown;

function booleanValue(lookup: Lookup, key: 'sweepEnabled' | 'autoRepair'): boolean {
  const raw = lookup(key) ?? SWEEP_DEFAULTS[key];
  // `-c autoRepair=true` arrives as text, cdk.json may hold a boolean.
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new ConfigError(key, `${JSON.stringify(raw)} must be true or false`);
}

/** A whole number from 1 to `max`, as a number or (from `-c key=value`) as text. */
function integerValue(lookup: Lookup, key: 'sweepConcurrency' | 'sweepPageSize' | 'sweepChecksPerSecond', max: number): number {
  const raw = lookup(key) ?? SWEEP_DEFAULTS[key];
  const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new ConfigError(key, `${JSON.stringify(raw)} must be an integer from 1 to ${max}`);
  }
  return value;
}

export function parseSweepConfig(lookup: Lookup): SweepConfig {
  const schedule = lookup('sweepSchedule') ?? SWEEP_DEFAULTS.sweepSchedule;
  if (typeof schedule !== 'string' || !(RATE.test(schedule) || CRON.test(schedule))) {
    throw new ConfigError('sweepSchedule', `${JSON.stringify(schedule)} must be an EventBridge schedule expression such as rate(6 hours) or cron(0 */6 * * ? *)`);
  }
  const sweepConcurrency = integerValue(lookup, 'sweepConcurrency', MAX_SWEEP_CONCURRENCY);
  const sweepChecksPerSecond = integerValue(lookup, 'sweepChecksPerSecond', MAX_SWEEP_CHECKS_PER_SECOND);
  const durationMs = minCheckDurationMs(sweepConcurrency, sweepChecksPerSecond);
  if (durationMs > MAX_MIN_CHECK_DURATION_MS) {
    throw new ConfigError(
      'sweepChecksPerSecond',
      `${sweepChecksPerSecond} checks per second with sweepConcurrency ${sweepConcurrency} makes each check last at least ${durationMs} ms, ` +
        `over ${MAX_MIN_CHECK_DURATION_MS} ms (check-provider's timeout is 60 s): give at least ${Math.ceil((1000 * sweepConcurrency) / MAX_MIN_CHECK_DURATION_MS)} or lower sweepConcurrency`,
    );
  }
  return {
    sweepEnabled: booleanValue(lookup, 'sweepEnabled'),
    sweepSchedule: schedule,
    sweepConcurrency,
    sweepPageSize: integerValue(lookup, 'sweepPageSize', MAX_SWEEP_PAGE_SIZE),
    sweepChecksPerSecond,
    autoRepair: booleanValue(lookup, 'autoRepair'),
  };
}

/** Reads the sweep configuration from a construct's context (cdk.json or `-c key=value`). */
export function readSweepConfig(node: Node): SweepConfig {
  return parseSweepConfig((key) => node.tryGetContext(key));
}
