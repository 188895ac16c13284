// The fleet health sweep's knobs (CDK context): when it runs, whether at all, how many providers
// it re-verifies at once, and whether it repairs what it finds DEGRADED. Validated at synth.
import type { Node } from 'constructs';
import { ConfigError } from './config.js';

export interface SweepConfig {
  /** Whether the schedule runs the sweep (the state machine exists either way, to run it by hand). */
  readonly sweepEnabled: boolean;
  /** An EventBridge schedule expression: `rate(N minute|minutes|hour|hours|day|days)` or `cron(...)`. */
  readonly sweepSchedule: string;
  /** The Map state's MaxConcurrency: providers re-verified at once. */
  readonly sweepConcurrency: number;
  /** Whether a provider found DEGRADED gets the next onboarding attempt (the repair) in the same sweep. */
  readonly autoRepair: boolean;
}

export const SWEEP_DEFAULTS: SweepConfig = {
  sweepEnabled: true,
  sweepSchedule: 'rate(6 hours)',
  sweepConcurrency: 20,
  autoRepair: false,
};

/** An inline Map runs at most 40 iterations at once, whatever MaxConcurrency says. */
export const MAX_SWEEP_CONCURRENCY = 40;

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

export function parseSweepConfig(lookup: Lookup): SweepConfig {
  const schedule = lookup('sweepSchedule') ?? SWEEP_DEFAULTS.sweepSchedule;
  if (typeof schedule !== 'string' || !(RATE.test(schedule) || CRON.test(schedule))) {
    throw new ConfigError('sweepSchedule', `${JSON.stringify(schedule)} must be an EventBridge schedule expression such as rate(6 hours) or cron(0 */6 * * ? *)`);
  }
  const concurrencyRaw = lookup('sweepConcurrency') ?? SWEEP_DEFAULTS.sweepConcurrency;
  const concurrency = typeof concurrencyRaw === 'string' && /^\d+$/.test(concurrencyRaw.trim()) ? Number(concurrencyRaw) : concurrencyRaw;
  if (typeof concurrency !== 'number' || !Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > MAX_SWEEP_CONCURRENCY) {
    throw new ConfigError('sweepConcurrency', `${JSON.stringify(concurrencyRaw)} must be an integer from 1 to ${MAX_SWEEP_CONCURRENCY}`);
  }
  return {
    sweepEnabled: booleanValue(lookup, 'sweepEnabled'),
    sweepSchedule: schedule,
    sweepConcurrency: concurrency,
    autoRepair: booleanValue(lookup, 'autoRepair'),
  };
}

/** Reads the sweep configuration from a construct's context (cdk.json or `-c key=value`). */
export function readSweepConfig(node: Node): SweepConfig {
  return parseSweepConfig((key) => node.tryGetContext(key));
}
