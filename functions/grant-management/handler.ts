// Workflow step "Grant Management Role Access".
import { IAMClient } from '@aws-sdk/client-iam';
import { grantMode, nonEmpty, readEnv, rolePath } from '../shared/env.js';
import { logger } from '../shared/logger.js';
import { ensureManagementGrant, type GrantResult } from '../shared/management-access.js';
import { withMiddleware } from '../shared/middleware.js';
import { bindWorkflowLogContext, requireRole, type WorkflowTaskEvent } from '../shared/workflow.js';

const env = readEnv({
  MANAGEMENT_ROLE_ARN: nonEmpty,
  ROLE_PATH: rolePath,
  GRANT_MODE: grantMode,
});
const iam = new IAMClient({ maxAttempts: 5 });

async function grantManagement(event: WorkflowTaskEvent): Promise<GrantResult> {
  bindWorkflowLogContext(event);
  const role = requireRole(event);
  const grant = await ensureManagementGrant(
    iam,
    { managementRoleArn: env.MANAGEMENT_ROLE_ARN, rolePath: env.ROLE_PATH, mode: env.GRANT_MODE },
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
