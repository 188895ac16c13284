// What an ended execution left behind, found without its state (gone with the execution): in the
// target account, everything carrying its owner tag, as compensation removes it; on the management
// role, the per-role grant, only when that execution created the role.
import type { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { BootstrapRoleDenied } from '../domain/errors.js';
import type { ManagementGrantTarget } from '../domain/management-grant.js';
import { bootstrapRoleOf, roleArnOf, type ProviderRecord } from '../domain/provider.js';
import { revokeManagementGrant } from './management-access.js';
import { removeCreatedResources, roleCreatedBy, type ProviderRoleTarget } from './role-provisioning.js';
import { iamClientForTargetAccount } from './target-account.js';

export interface LeftoverCleanup {
  sts: STSClient;
  /** IAM in the management account (the function's own credentials), for the grant. */
  managementIam: IAMClient;
  /** The deployment's default, for providers recorded without a bootstrap role of their own. */
  bootstrapRoleName: string;
  grant: ManagementGrantTarget;
}

/** Removes what execution `executionName` of the provider created; returns what was removed. */
export async function removeExecutionLeftovers(cleanup: LeftoverCleanup, record: ProviderRecord, executionName: string): Promise<string[]> {
  const { partition } = cleanup.grant;
  const target: ProviderRoleTarget = {
    accountId: record.accountId,
    partition,
    roleName: record.roleName,
    rolePath: record.rolePath,
    providerId: record.providerId,
    executionName,
  };
  let iam: IAMClient;
  try {
    iam = await iamClientForTargetAccount(cleanup.sts, {
      accountId: record.accountId,
      partition,
      bootstrapRoleName: bootstrapRoleOf(record, cleanup.bootstrapRoleName),
      rolePath: record.rolePath,
      sessionName: `capa-onboarding-execution-ended-${record.attempt}`,
    });
  } catch (error) {
    // Without the bootstrap role the execution cannot have created anything in the account either.
    if (error instanceof BootstrapRoleDenied) return [];
    throw error;
  }
  const removed: string[] = [];
  // The grant first: once the role is deleted, nothing shows any more that this execution created it.
  if (await roleCreatedBy(iam, target)) {
    const roleArn = roleArnOf(target);
    if (await revokeManagementGrant(cleanup.managementIam, cleanup.grant, roleArn)) {
      removed.push(`${cleanup.grant.managementRoleArn} grant for ${roleArn}`);
    }
  }
  removed.push(...(await removeCreatedResources(iam, target)));
  return removed;
}
