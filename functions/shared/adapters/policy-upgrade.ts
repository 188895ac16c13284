// One provider moved to the CAPA policy this deployment ships: read it, change its parts in the
// target account, prove the role still works, record the new policyVersion (conditionally) and
// announce "Provider Policy Upgraded". Safe to retry at any point: each step converges.
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import type { CapaPolicy } from '../domain/capa-policy.js';
import { BootstrapRoleDenied } from '../domain/errors.js';
import {
  planUpgrade,
  PolicyUpgradeFailed,
  type PolicyUpgradedDetail,
  type PolicyUpgradeInput,
  type PolicyUpgradeRecord,
  type PolicyUpgradeResult,
} from '../domain/policy-upgrade.js';
import { bootstrapRoleOf, type ProviderRecord } from '../domain/provider.js';
import { applyPolicyParts, type ProviderPolicyTarget } from './policy-parts.js';
import type { PolicyUpgradeRegistry } from './policy-upgrade-registry.js';
import { publishEvent } from './provider-events.js';
import { policyChecks } from './provider-verification.js';
import { readProviderIam } from './role-provisioning.js';
import { iamClientForTargetAccount } from './target-account.js';
import { probeAssumeRole } from './verification.js';

export const POLICY_UPGRADED = 'Provider Policy Upgraded';

export interface PolicyUpgradeDependencies {
  registry: Pick<PolicyUpgradeRegistry, 'get' | 'recordPolicyUpgrade'>;
  /** The function's own STS: assumes the bootstrap role, and the provider role for the proof. */
  sts: STSClient;
  eventBridge: EventBridgeClient;
  bus: { busName: string; source: string };
  partition: string;
  bootstrapRoleName: string;
  /** The policy this deployment ships. */
  policy: CapaPolicy;
  now?: () => Date;
}

/** Fields copied one by one, never spread from the record: the External ID cannot reach the event. */
export function policyUpgradedDetail(record: ProviderRecord, upgrade: PolicyUpgradeRecord): PolicyUpgradedDetail {
  return {
    providerId: record.providerId,
    workspace: record.workspace,
    name: record.name,
    accountId: record.accountId,
    roleArn: record.roleArn,
    fromPolicyVersion: upgrade.fromPolicyVersion,
    policyVersion: upgrade.policyVersion,
    policyArns: [...(record.policyArns ?? [])],
    rolloutId: upgrade.rolloutId,
  };
}

async function announce(deps: PolicyUpgradeDependencies, record: ProviderRecord, upgrade: PolicyUpgradeRecord): Promise<void> {
  await publishEvent(deps.eventBridge, deps.bus, POLICY_UPGRADED, policyUpgradedDetail(record, upgrade), [record.roleArn]);
}

async function targetIamOf(deps: PolicyUpgradeDependencies, record: ProviderRecord): Promise<IAMClient> {
  try {
    return await iamClientForTargetAccount(deps.sts, {
      accountId: record.accountId,
      partition: deps.partition,
      bootstrapRoleName: bootstrapRoleOf(record, deps.bootstrapRoleName),
      rolePath: record.rolePath,
      sessionName: `capa-policy-upgrade-${record.attempt}`,
    });
  } catch (error) {
    if (error instanceof BootstrapRoleDenied) throw new PolicyUpgradeFailed('BOOTSTRAP_ROLE_DENIED', error.message);
    throw error;
  }
}

/** The role still works with its External ID, and carries exactly the new parts as their default documents. */
async function verifyUpgrade(deps: PolicyUpgradeDependencies, iam: IAMClient, target: ProviderPolicyTarget, record: ProviderRecord): Promise<void> {
  const state = await readProviderIam(iam, target, deps.policy);
  const failures = policyChecks(state).filter((check) => !check.passed).map((check) => `${check.name}: ${check.detail}`);
  const assumable = await probeAssumeRole(deps.sts, record.roleArn, `capa-policy-upgrade-${record.attempt}`, record.externalId);
  if (assumable !== 'allowed') failures.push(`assumable-with-external-id: AssumeRole on ${record.roleArn} with the External ID was denied`);
  if (failures.length > 0) {
    throw new PolicyUpgradeFailed('VERIFICATION_FAILED', `after moving ${record.providerId} to ${deps.policy.version}: ${failures.join('; ')}`);
  }
}

/** The owner tag value of parts a rollout creates, within IAM's tag-value alphabet and length. */
export function rolloutOwnerTag(rolloutId: string): string {
  return `rollout-${rolloutId}`.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '-').slice(0, 256);
}

export async function upgradeProviderPolicy(deps: PolicyUpgradeDependencies, input: PolicyUpgradeInput): Promise<PolicyUpgradeResult> {
  const shipped = deps.policy.version;
  if (input.rollout.policyVersion !== shipped) {
    throw new PolicyUpgradeFailed(
      'ROLLOUT_SUPERSEDED',
      `rollout ${input.rollout.id} moves providers to ${input.rollout.policyVersion}, but this deployment ships ${shipped}; nothing was changed`,
    );
  }
  const plan = planUpgrade(await deps.registry.get(input.provider.providerId), input, shipped);
  if (plan.action === 'skip') return plan.result;
  if (plan.action === 'announce') {
    // A retry after the record was written but before the event was: announce it (at least once).
    await announce(deps, plan.record, plan.upgrade);
    return plan.result;
  }

  const { record } = plan;
  const iam = await targetIamOf(deps, record);
  const target: ProviderPolicyTarget = { ...record, partition: deps.partition };
  const policyArns = await applyPolicyParts(iam, target, deps.policy, record.policyArns ?? [], rolloutOwnerTag(input.rollout.id));
  await verifyUpgrade(deps, iam, target, record);

  const fromPolicyVersion = record.policyVersion ?? 'unknown';
  const upgrade: PolicyUpgradeRecord = {
    rolloutId: input.rollout.id,
    fromPolicyVersion,
    policyVersion: shipped,
    upgradedAt: (deps.now?.() ?? new Date()).toISOString(),
  };
  const updated = await deps.registry.recordPolicyUpgrade(record.providerId, record.attempt, { policyArns, upgrade });
  // Whatever took the provider over (an onboarding, a repair, an offboarding) attaches the shipped policy or removes it.
  if (!updated) return { providerId: record.providerId, outcome: 'MOVED_ON', fromPolicyVersion, policyVersion: shipped };
  await announce(deps, updated, upgrade);
  return { providerId: record.providerId, outcome: 'UPGRADED', fromPolicyVersion, policyVersion: shipped };
}
