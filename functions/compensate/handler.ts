// Workflow step "Remove Created Resources": undo exactly what this execution created.
import type { IAMClient } from '@aws-sdk/client-iam';
import { grantMode, nonEmpty, partition as partitionName, readEnv, rolePath } from '../shared/runtime/env.js';
import { iamClient, stsClient } from '../shared/runtime/clients.js';
import { BootstrapRoleDenied } from '../shared/domain/errors.js';
import { logger } from '../shared/runtime/logger.js';
import { revokeManagementGrant } from '../shared/adapters/management-access.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { roleArnOf } from '../shared/domain/provider.js';
import { removeCreatedResources } from '../shared/adapters/role-provisioning.js';
import { iamClientForTargetAccount } from '../shared/adapters/target-account.js';
import { bindWorkflowLogContext, roleTargetOf, targetAccessOf, type WorkflowTaskEvent } from '../shared/runtime/workflow-event.js';

const env = readEnv({
  PARTITION: partitionName,
  BOOTSTRAP_ROLE_NAME: nonEmpty,
  ROLE_PATH: rolePath,
  MANAGEMENT_ROLE_ARN: nonEmpty,
  GRANT_MODE: grantMode,
});
const partition = env.PARTITION;
const sts = stsClient();
const managementIam = iamClient();

async function compensate(event: WorkflowTaskEvent): Promise<{ removed: string[] }> {
  bindWorkflowLogContext(event);
  const target = roleTargetOf(event, partition);
  const removed: string[] = [];

  let targetIam: IAMClient | undefined;
  try {
    targetIam = await iamClientForTargetAccount(sts, targetAccessOf(event, partition, env.BOOTSTRAP_ROLE_NAME, 'compensate'));
  } catch (error) {
    // Without the bootstrap role nothing can have been created in the account either.
    if (!(error instanceof BootstrapRoleDenied)) throw error;
    logger.warn('Target account unreachable; nothing there to remove', { errorMessage: error.message });
  }
  if (targetIam) removed.push(...(await removeCreatedResources(targetIam, target)));

  // A role this run created can only have been granted by this run; an adopted one only if the grant changed.
  const roleArn = event.state.role?.roleArn ?? roleArnOf(target);
  const grantedHere = event.state.grant?.changed === true || event.state.role?.createdByThisExecution === true;
  if (grantedHere) {
    const revoked = await revokeManagementGrant(
      managementIam,
      { managementRoleArn: env.MANAGEMENT_ROLE_ARN, partition: env.PARTITION, rolePath: env.ROLE_PATH, mode: env.GRANT_MODE },
      roleArn,
    );
    if (revoked) removed.push(`${env.MANAGEMENT_ROLE_ARN} grant for ${roleArn}`);
  }
  logger.info('Compensation finished', { removed, cause: event.state.error?.Error });
  return { removed };
}

export const handler = withMiddleware(compensate);
