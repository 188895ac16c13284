// Workflow step "Create Role In Target Account".
import { nonEmpty, partition as partitionName, readEnv, rolePath } from '../shared/runtime/env.js';
import { stsClient } from '../shared/runtime/clients.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { ensureRole, type EnsuredRole } from '../shared/adapters/role-provisioning.js';
import { iamClientForTargetAccount } from '../shared/adapters/target-account.js';
import { buildTrustPolicy } from '../shared/domain/trust-policy.js';
import { bindWorkflowLogContext, roleTargetOf, targetAccessOf, type WorkflowTaskEvent } from '../shared/runtime/workflow-event.js';
import { providerRegistry } from '../shared/adapters/registry.js';
import { unlessAttemptFailed } from '../shared/adapters/ended-attempt.js';

const env = readEnv({
  PARTITION: partitionName,
  TABLE_NAME: nonEmpty,
  BOOTSTRAP_ROLE_NAME: nonEmpty,
  ROLE_PATH: rolePath,
  MANAGEMENT_PRINCIPAL_ARN: nonEmpty,
});
const partition = env.PARTITION;
const sts = stsClient();
const registry = providerRegistry(env.TABLE_NAME);

async function createRole(event: WorkflowTaskEvent): Promise<EnsuredRole> {
  bindWorkflowLogContext(event);
  const { provider } = event.state;
  const record = await registry.transition(provider.providerId, provider.attempt, 'CREATING');
  const iam = await iamClientForTargetAccount(sts, targetAccessOf(event, partition, env.BOOTSTRAP_ROLE_NAME, 'create-role'));
  const trustPolicy = buildTrustPolicy({
    managementPrincipalArn: env.MANAGEMENT_PRINCIPAL_ARN,
    externalId: record.externalId,
    trustEc2: provider.trustEc2,
  });
  logger.info('Ensuring provider role', {
    roleName: provider.roleName,
    rolePath: provider.rolePath,
    trustEc2: provider.trustEc2,
    externalIdSource: record.externalIdSource,
  });
  const target = roleTargetOf(event, partition);
  const role = await unlessAttemptFailed({ registry, iam, target, attempt: provider.attempt }, () => ensureRole(iam, target, trustPolicy));
  logger.info('Provider role in place', { roleArn: role.roleArn, createdByThisExecution: role.createdByThisExecution });
  return role;
}

export const handler = withMiddleware(createRole);
