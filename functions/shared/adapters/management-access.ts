// Applying the management grant on the management role (its own account's IAM, the function's credentials).
import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
  SimulatePrincipalPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { isAccessDenied, isNoSuchEntity, rethrowTransient } from './aws-errors.js';
import { ManagementRoleDenied } from '../domain/errors.js';
import {
  MANAGEMENT_GRANT_POLICY_NAME,
  addRoleToGrant,
  buildPathGrant,
  grantCoversRole,
  managementRoleName,
  removeRoleFromGrant,
  type ManagementGrantTarget,
} from '../domain/management-grant.js';
import { samePolicyDocument, type PolicyDocument } from '../domain/policy-documents.js';

export interface GrantResult {
  mode: ManagementGrantTarget['mode'];
  /** True when this call changed the management role's policy. */
  changed: boolean;
}

async function guarded<T>(what: string, target: ManagementGrantTarget, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (isAccessDenied(error)) {
      throw new ManagementRoleDenied(`${what} on ${target.managementRoleArn} was denied: ${(error as Error).message}`);
    }
    return rethrowTransient(error, what);
  }
}

async function currentGrant(iam: IAMClient, target: ManagementGrantTarget): Promise<PolicyDocument | undefined> {
  return guarded('GetRolePolicy', target, async () => {
    try {
      const result = await iam.send(
        new GetRolePolicyCommand({
          RoleName: managementRoleName(target.managementRoleArn),
          PolicyName: MANAGEMENT_GRANT_POLICY_NAME,
        }),
      );
      return result.PolicyDocument ? (JSON.parse(decodeURIComponent(result.PolicyDocument)) as PolicyDocument) : undefined;
    } catch (error) {
      if (isNoSuchEntity(error)) return undefined;
      throw error;
    }
  });
}

async function putGrant(iam: IAMClient, target: ManagementGrantTarget, document: PolicyDocument): Promise<void> {
  await guarded('PutRolePolicy', target, () =>
    iam.send(
      new PutRolePolicyCommand({
        RoleName: managementRoleName(target.managementRoleArn),
        PolicyName: MANAGEMENT_GRANT_POLICY_NAME,
        PolicyDocument: JSON.stringify(document),
      }),
    ),
  );
}

/** Makes sure the management role may assume `roleArn`; writes only when something is missing. */
export async function ensureManagementGrant(
  iam: IAMClient,
  target: ManagementGrantTarget,
  roleArn: string,
): Promise<GrantResult> {
  const current = await currentGrant(iam, target);
  if (target.mode === 'path') {
    const wanted = buildPathGrant(target.partition, target.rolePath);
    if (current && samePolicyDocument(current, wanted)) return { mode: 'path', changed: false };
    await putGrant(iam, target, wanted);
    return { mode: 'path', changed: true };
  }
  const next = addRoleToGrant(current, roleArn);
  if (!next) return { mode: 'per-role', changed: false };
  await putGrant(iam, target, next);
  return { mode: 'per-role', changed: true };
}

/** Per-role mode: takes `roleArn` out of the grant. The shared path grant is never removed. */
export async function revokeManagementGrant(
  iam: IAMClient,
  target: ManagementGrantTarget,
  roleArn: string,
): Promise<boolean> {
  if (target.mode === 'path') return false;
  const next = removeRoleFromGrant(await currentGrant(iam, target), roleArn);
  if (next === undefined) return false;
  if (next === null) {
    await guarded('DeleteRolePolicy', target, () =>
      iam.send(
        new DeleteRolePolicyCommand({
          RoleName: managementRoleName(target.managementRoleArn),
          PolicyName: MANAGEMENT_GRANT_POLICY_NAME,
        }),
      ),
    );
  } else {
    await putGrant(iam, target, next);
  }
  return true;
}

/** Whether this service's grant on the management role (as it is now) names `roleArn`, by path or by ARN. */
export async function managementGrantCovers(iam: IAMClient, target: ManagementGrantTarget, roleArn: string): Promise<boolean> {
  return grantCoversRole(await currentGrant(iam, target), roleArn);
}

/**
 * Whether the management cluster's role may sts:AssumeRole on `roleArn`, as IAM decides it from
 * all of that role's identity policies (not only this service's grant): IAM's policy simulator.
 */
export async function managementRoleMayAssume(
  iam: IAMClient,
  target: ManagementGrantTarget,
  roleArn: string,
): Promise<{ allowed: boolean; decision: string }> {
  const result = await guarded('SimulatePrincipalPolicy', target, () =>
    iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: target.managementRoleArn,
        ActionNames: ['sts:AssumeRole'],
        ResourceArns: [roleArn],
      }),
    ),
  );
  const decision = result.EvaluationResults?.[0]?.EvalDecision ?? 'implicitDeny';
  return { allowed: decision === 'allowed', decision };
}
