// Workflow step "Grant Management Role Access".
import { grantMode, nonEmpty, partition, readEnv, rolePath } from '../shared/runtime/env.js';
import { iamClient } from '../shared/runtime/clients.js';
import { logger } from '../shared/runtime/logger.js';
import { ensureManagementGrant, type GrantResult } from '../shared/adapters/management-access.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { bindWorkflowLogContext, requireRole, type WorkflowTaskEvent } from '../shared/runtime/workflow-event.js';

const env = readEnv({
  PARTITION: partition,
  MANAGEMENT_ROLE_ARN: nonEmpty,
  ROLE_PATH: rolePath,
  GRANT_MODE: grantMode,
});
const iam = iamClient();

async function grantManagement(event: WorkflowTaskEvent): Promise<GrantResult> {
  bindWorkflowLogContext(event);
  const role = requireRole(event);
  const grant = await ensureManagementGrant(
    iam,
    { managementRoleArn: env.MANAGEMENT_ROLE_ARN, partition: env.PARTITION, rolePath: env.ROLE_PATH, mode: env.GRANT_MODE },
    role.roleArn,
  );
  logger.info('Management role may assume the provider role', {
    managementRoleArn: env.MANAGEMENT_ROLE_ARN,
    mode: grant.mode,
    changed: grant.changed,
  });
  return grant;
}

export const handler = withMiddleware(grantManagement);
