// Re-verification of a provider: gathers what its role, policies, grant and STS say now and turns
// each into a check (domain/drift.ts decides what they mean). Reads only; never repairs.
import type { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { SHIPPED_CAPA_POLICY, type CapaPolicy } from '../domain/capa-policy.js';
import { failed, passed, trustChecks, type VerificationCheck } from '../domain/drift.js';
import type { ManagementGrantTarget } from '../domain/management-grant.js';
import { samePolicyDocument } from '../domain/policy-documents.js';
import type { ProviderRecord } from '../domain/provider.js';
import { buildTrustPolicy } from '../domain/trust-policy.js';
import { isUpgradePending, upgradePendingChecks } from '../domain/upgrade-pending.js';
import { managementGrantCovers, managementRoleMayAssume } from './management-access.js';
import { readRecordedParts } from './recorded-policy-parts.js';
import { readProviderIam, type ProviderIamState } from './role-provisioning.js';
import { probeAssumeRole } from './verification.js';

export interface ProviderVerificationDependencies {
  /** The target account's IAM, through the bootstrap session. */
  targetIam: IAMClient;
  /** The management account's IAM (the function's own credentials). */
  managementIam: IAMClient;
  /** The function's own STS: the AssumeRole probes come from the management account. */
  sts: STSClient;
  partition: string;
  managementPrincipalArn: string;
  grant: ManagementGrantTarget;
  /** The CAPA policy this deployment ships (default: the bundled one). */
  policy?: CapaPolicy;
}

export function policyChecks(state: ProviderIamState): VerificationCheck[] {
  const detached = state.policies.filter((policy) => !policy.exists || !policy.attached).map((policy) => policy.arn);
  const drifted = state.policies
    .filter((policy) => policy.exists && !samePolicyDocument(policy.defaultDocument, policy.expected))
    .map((policy) => policy.arn);
  return [
    detached.length === 0
      ? passed('capa-policies-attached', `${state.policies.length} CAPA policy(ies) attached`)
      : failed('capa-policies-attached', 'POLICY_DETACHED', `not attached or missing: ${detached.join(', ')}`),
    drifted.length === 0
      ? passed('capa-policies-current', 'each CAPA policy’s default version is the deployed document')
      : failed('capa-policies-current', 'POLICY_DRIFTED', `default version differs from the deployed document: ${drifted.join(', ')}`),
  ];
}

/**
 * The CAPA policy checks: against the deployed policy, or, for a provider still recording an older
 * version (a rollout has not reached it yet), against the parts its record lists. Those fall back
 * to the deployed part names that exist when the record lists none.
 */
async function capaPolicyChecks(deps: ProviderVerificationDependencies, record: ProviderRecord, state: ProviderIamState, policy: CapaPolicy): Promise<VerificationCheck[]> {
  const deployedChecks = policyChecks(state);
  if (!isUpgradePending(record.policyVersion, policy.version)) return deployedChecks;
  const recordedArns = record.policyArns?.length ? record.policyArns : state.policies.filter((part) => part.exists).map((part) => part.arn);
  const parts = await readRecordedParts(deps.targetIam, record.roleName, state.role !== undefined, recordedArns);
  return upgradePendingChecks(deployedChecks, parts, record.policyVersion, policy.version);
}

async function grantChecks(deps: ProviderVerificationDependencies, roleArn: string): Promise<VerificationCheck[]> {
  const covered = await managementGrantCovers(deps.managementIam, deps.grant, roleArn);
  const simulated = await managementRoleMayAssume(deps.managementIam, deps.grant, roleArn);
  return [
    covered
      ? passed('management-grant', 'the management role’s grant covers the role')
      : failed('management-grant', 'GRANT_MISSING', 'the management role’s grant does not cover the role'),
    simulated.allowed
      ? passed('management-role-may-assume', 'IAM’s policy simulator allows the management role sts:AssumeRole on the role')
      : failed('management-role-may-assume', 'GRANT_MISSING', `IAM’s policy simulator answers ${simulated.decision} for sts:AssumeRole by the management role`),
  ];
}

async function assumeChecks(sts: STSClient, record: ProviderRecord): Promise<VerificationCheck[]> {
  const session = `capa-reverify-${record.attempt}`;
  const withId = await probeAssumeRole(sts, record.roleArn, session, record.externalId);
  const withoutId = await probeAssumeRole(sts, record.roleArn, `${session}-no-external-id`);
  return [
    withId === 'allowed'
      ? passed('assumable-with-external-id', 'AssumeRole with the External ID succeeded')
      : failed('assumable-with-external-id', 'NOT_ASSUMABLE', 'AssumeRole with the External ID was denied'),
    withoutId === 'denied'
      ? passed('denied-without-external-id', 'AssumeRole without the External ID was denied')
      : failed('denied-without-external-id', 'EXTERNAL_ID_NOT_ENFORCED', 'AssumeRole without the External ID succeeded'),
  ];
}

/** Every check, in a fixed order. A missing role fails the checks that need it with ROLE_MISSING. */
export async function verifyProvider(deps: ProviderVerificationDependencies, record: ProviderRecord): Promise<VerificationCheck[]> {
  const policy = deps.policy ?? SHIPPED_CAPA_POLICY;
  const state = await readProviderIam(deps.targetIam, { ...record, partition: deps.partition }, policy);
  const policies = await capaPolicyChecks(deps, record, state, policy);
  const grant = await grantChecks(deps, record.roleArn);
  if (state.role === undefined) {
    const missing = `role ${record.roleArn} does not exist`;
    return [
      failed('role-exists', 'ROLE_MISSING', missing),
      ...policies,
      ...grant,
      failed('assumable-with-external-id', 'ROLE_MISSING', missing),
    ];
  }
  const expectedTrust = buildTrustPolicy({
    managementPrincipalArn: deps.managementPrincipalArn,
    externalId: record.externalId,
    trustEc2: record.trustEc2,
  });
  return [
    passed('role-exists', `role ${record.roleArn} exists at ${record.rolePath}`),
    ...trustChecks(state.role.trust ?? { Version: '2012-10-17', Statement: [] }, expectedTrust),
    ...policies,
    ...grant,
    ...(await assumeChecks(deps.sts, record)),
  ];
}
