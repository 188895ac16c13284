// Offboarding step "Revoke Management Grant": in per-role mode, the management role may no longer
// assume the provider's role. The shared path grant (path mode) serves every provider and stays.
import { grantMode, nonEmpty, partition as partitionName, readEnv, rolePath } from '../shared/runtime/env.js';
import { iamClient } from '../shared/runtime/clients.js';
import { ManagementRoleDenied } from '../shared/domain/errors.js';
import { logger } from '../shared/runtime/logger.js';
import { revokeManagementGrant } from '../shared/adapters/management-access.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { roleArnOf } from '../shared/domain/provider.js';
import type { GrantRevocation, OffboardingTaskEvent } from '../shared/runtime/offboarding-event.js';
import { bindWorkflowLogContext } from '../shared/runtime/workflow-event.js';

const env = readEnv({ PARTITION: partitionName, MANAGEMENT_ROLE_ARN: nonEmpty, ROLE_PATH: rolePath, GRANT_MODE: grantMode });
const managementIam = iamClient();
const grant = { managementRoleArn: env.MANAGEMENT_ROLE_ARN, partition: env.PARTITION, rolePath: env.ROLE_PATH, mode: env.GRANT_MODE };

async function revokeGrant(event: OffboardingTaskEvent): Promise<GrantRevocation> {
  bindWorkflowLogContext(event);
  const { provider } = event.state;
  const roleArn = roleArnOf({ partition: env.PARTITION, accountId: provider.accountId, rolePath: provider.rolePath, roleName: provider.roleName });
  const described = `${env.MANAGEMENT_ROLE_ARN} grant for ${roleArn}`;
  try {
    const revoked = await revokeManagementGrant(managementIam, grant, roleArn);
    logger.info('Management grant checked', { grantMode: env.GRANT_MODE, revoked });
    return { mode: env.GRANT_MODE, removed: revoked ? [described] : [], leftInPlace: [] };
  } catch (error) {
    // Forced: the provider leaves the registry anyway, and the grant is named as left in place.
    if (!(error instanceof ManagementRoleDenied) || !event.state.force) throw error;
    logger.warn('Management grant not revoked (forced offboarding goes on)', { errorMessage: error.message });
    return { mode: env.GRANT_MODE, removed: [], leftInPlace: [{ resource: described, why: `not revoked: ${error.message}` }] };
  }
}

export const handler = withMiddleware(revokeGrant);
