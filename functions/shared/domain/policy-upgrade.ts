// Moving one provider to the CAPA policy this deployment ships: the contract the rollout's state
// machine calls (input, output, failures) and the decisions that need no AWS call.
import type { ProviderRecord, ProviderStatus } from './provider.js';

/** One provider of one rollout. Everything else is read from the registry. */
export interface PolicyUpgradeInput {
  rollout: { id: string; policyVersion: string };
  provider: { providerId: string };
}

/**
 * UPGRADED: the role now carries the shipped policy, recorded and announced.
 * CURRENT: it already did; nothing was written.
 * MOVED_ON: the provider is gone, or not READY/DEGRADED, or changed attempt while upgrading:
 * whatever took it over (onboarding, repair, offboarding) applies the shipped policy or removes it.
 */
export type PolicyUpgradeOutcome = 'UPGRADED' | 'CURRENT' | 'MOVED_ON';

export interface PolicyUpgradeResult {
  providerId: string;
  outcome: PolicyUpgradeOutcome;
  /** The version the provider was on, when known (absent for a provider that is gone). */
  fromPolicyVersion?: string;
  /** The version this deployment ships (= the rollout's). */
  policyVersion: string;
}

/** Why an upgrade failed, first word of PolicyUpgradeFailed's message and its `reason`. */
export const POLICY_UPGRADE_REASONS = [
  /** The rollout carries another version than this deployment ships (a newer deployment superseded it, or an older one still runs). */
  'ROLLOUT_SUPERSEDED',
  /** The account's bootstrap role cannot be assumed. */
  'BOOTSTRAP_ROLE_DENIED',
  /** The provider's role does not exist (or lies outside the product's path). */
  'ROLE_MISSING',
  /** A policy with one of our part names exists but is not tagged as this provider's. */
  'POLICY_CONFLICT',
  /** The new parts would take the role past IAM's managed-policies-per-role quota (10 by default). */
  'POLICY_LIMIT_EXCEEDED',
  /** After the upgrade, the role is not assumable with its External ID or its attached parts differ from the policy. */
  'VERIFICATION_FAILED',
] as const;
export type PolicyUpgradeReason = (typeof POLICY_UPGRADE_REASONS)[number];

/**
 * A failure retrying will not cure. Step Functions sees the error name `PolicyUpgradeFailed` and the
 * message `<REASON>: <what failed>` (Cause.errorMessage); policyUpgradeFailureOf parses it back.
 * Throttling and 5xx are TransientAwsError instead (retried by the state machine).
 */
export class PolicyUpgradeFailed extends Error {
  // A string literal, never `constructor.name`: the minifier renames classes in the bundles.
  override readonly name = 'PolicyUpgradeFailed';
  constructor(
    readonly reason: PolicyUpgradeReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** The reason and message of a PolicyUpgradeFailed as Step Functions caught it ({Error, Cause}). */
export function policyUpgradeFailureOf(error: { Error?: string; Cause?: string }): { reason: PolicyUpgradeReason; message: string } | undefined {
  if (error.Error !== 'PolicyUpgradeFailed' || !error.Cause) return undefined;
  let message = error.Cause;
  try {
    const parsed = JSON.parse(error.Cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // not JSON: the cause is the message
  }
  const reason = POLICY_UPGRADE_REASONS.find((known) => message.startsWith(`${known}: `));
  return reason === undefined ? undefined : { reason, message };
}

/** The statuses an upgrade touches: a provider with a settled, working role. */
export const UPGRADABLE_STATUSES = ['READY', 'DEGRADED'] as const satisfies readonly ProviderStatus[];

export function isUpgradable(status: ProviderStatus): boolean {
  return (UPGRADABLE_STATUSES as readonly ProviderStatus[]).includes(status);
}

/** What to do with a provider as read from the registry, before any IAM call. */
export type UpgradePlan =
  | { action: 'skip'; result: PolicyUpgradeResult }
  | { action: 'announce'; record: ProviderRecord; upgrade: PolicyUpgradeRecord; result: PolicyUpgradeResult }
  | { action: 'upgrade'; record: ProviderRecord };

/**
 * A provider on the shipped version is CURRENT, unless this very rollout moved it there: then a
 * retried invocation (the record was written, the event was not) announces it again.
 */
export function planUpgrade(record: ProviderRecord | undefined, input: PolicyUpgradeInput, shippedVersion: string): UpgradePlan {
  const providerId = input.provider.providerId;
  if (record === undefined || !isUpgradable(record.status)) {
    return {
      action: 'skip',
      result: { providerId, outcome: 'MOVED_ON', ...(record?.policyVersion && { fromPolicyVersion: record.policyVersion }), policyVersion: shippedVersion },
    };
  }
  if (record.policyVersion !== shippedVersion) return { action: 'upgrade', record };
  const last = record.lastPolicyUpgrade;
  if (last?.rolloutId === input.rollout.id && last.policyVersion === shippedVersion) {
    return {
      action: 'announce',
      record,
      upgrade: last,
      result: { providerId, outcome: 'UPGRADED', fromPolicyVersion: last.fromPolicyVersion, policyVersion: shippedVersion },
    };
  }
  return { action: 'skip', result: { providerId, outcome: 'CURRENT', fromPolicyVersion: shippedVersion, policyVersion: shippedVersion } };
}

/** Recorded on the provider with its new policyVersion: which rollout moved it, from what. */
export interface PolicyUpgradeRecord {
  rolloutId: string;
  fromPolicyVersion: string;
  policyVersion: string;
  upgradedAt: string;
}

/** The "Provider Policy Upgraded" event's detail. Never the External ID. */
export interface PolicyUpgradedDetail {
  providerId: string;
  workspace: string;
  name: string;
  accountId: string;
  roleArn: string;
  fromPolicyVersion: string;
  policyVersion: string;
  policyArns: string[];
  rolloutId: string;
}
