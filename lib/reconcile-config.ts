// The reconcile's knobs (CDK context): whether the sweep's first step reconciles the organization
// with the registry, and how many onboardings one run may start. Validated at synth.
import type { Node } from 'constructs';
import { ConfigError } from './config.js';

export interface ReconcileConfig {
  /** false: the step still runs and answers `{ "status": "disabled" }` without calling Organizations. */
  readonly reconcileEnabled: boolean;
  /** Onboardings one reconcile starts at most; the rest wait for the next sweep. */
  readonly reconcileMaxOnboardings: number;
}

export const RECONCILE_DEFAULTS: ReconcileConfig = { reconcileEnabled: true, reconcileMaxOnboardings: 50 };

/** One run's onboardings stay well within a Lambda invocation and Step Functions' start rate. */
export const MAX_RECONCILE_ONBOARDINGS = 500;

type Lookup = (key: string) => unknown;

export function parseReconcileConfig(lookup: Lookup): ReconcileConfig {
  const enabled = lookup('reconcileEnabled') ?? RECONCILE_DEFAULTS.reconcileEnabled;
  // `-c reconcileEnabled=false` arrives as text, cdk.json may hold a boolean.
  if (![true, false, 'true', 'false'].includes(enabled as never)) {
    throw new ConfigError('reconcileEnabled', `${JSON.stringify(enabled)} must be true or false`);
  }
  const raw = lookup('reconcileMaxOnboardings') ?? RECONCILE_DEFAULTS.reconcileMaxOnboardings;
  const max = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1 || max > MAX_RECONCILE_ONBOARDINGS) {
    throw new ConfigError('reconcileMaxOnboardings', `${JSON.stringify(raw)} must be an integer from 1 to ${MAX_RECONCILE_ONBOARDINGS}`);
  }
  return { reconcileEnabled: enabled === true || enabled === 'true', reconcileMaxOnboardings: max };
}

/** Reads the reconcile configuration from a construct's context (cdk.json or `-c key=value`). */
export function readReconcileConfig(node: Node): ReconcileConfig {
  return parseReconcileConfig((key) => node.tryGetContext(key));
}
