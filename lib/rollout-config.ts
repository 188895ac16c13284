// The CAPA policy rollout's knobs (CDK context): how many providers it upgrades at once and its
// failure tolerance (a count and a percentage of the fleet, like StackSets'). Validated at synth.
import type { Node } from 'constructs';
import { ConfigError } from './config.js';

export interface RolloutConfig {
  /** The Distributed Map's MaxConcurrency: providers upgraded at once. */
  readonly rolloutConcurrency: number;
  /** Providers per page: what one listing returns and one Map run upgrades (the state carries one page's ids). */
  readonly rolloutPageSize: number;
  /** Providers that may fail before the rollout halts (0: the first failure halts it). */
  readonly rolloutMaxFailures: number;
  /** The same as a percentage of the providers counted at the start, rounded down. */
  readonly rolloutMaxFailurePercent: number;
}

export const ROLLOUT_DEFAULTS: RolloutConfig = {
  rolloutConcurrency: 20,
  rolloutPageSize: 500,
  rolloutMaxFailures: 10,
  rolloutMaxFailurePercent: 10,
};

/** A Distributed Map runs up to 10,000 child executions at once; 1,000 (the sweep's cap) keeps IAM and STS calls well inside their quotas. */
export const MAX_ROLLOUT_CONCURRENCY = 1_000;
/** A page of 1,000 provider ids stays far below the 256 KB state limit. */
export const MAX_ROLLOUT_PAGE_SIZE = 1_000;

type Lookup = (key: string) => unknown;

function integer(lookup: Lookup, key: keyof RolloutConfig, min: number, max: number): number {
  const raw = lookup(key) ?? ROLLOUT_DEFAULTS[key];
  // `-c rolloutConcurrency=5` arrives as text, cdk.json may hold a number.
  const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(key, `${JSON.stringify(raw)} must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function parseRolloutConfig(lookup: Lookup): RolloutConfig {
  return {
    rolloutConcurrency: integer(lookup, 'rolloutConcurrency', 1, MAX_ROLLOUT_CONCURRENCY),
    rolloutPageSize: integer(lookup, 'rolloutPageSize', 1, MAX_ROLLOUT_PAGE_SIZE),
    rolloutMaxFailures: integer(lookup, 'rolloutMaxFailures', 0, 1_000_000),
    rolloutMaxFailurePercent: integer(lookup, 'rolloutMaxFailurePercent', 0, 100),
  };
}

/** Reads the rollout configuration from a construct's context (cdk.json or `-c key=value`). */
export function readRolloutConfig(node: Node): RolloutConfig {
  return parseRolloutConfig((key) => node.tryGetContext(key));
}
