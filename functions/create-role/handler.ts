// Workflow step "Create Role In Target Account".
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import { nonEmpty, readEnv, rolePath } from '../shared/env.js';
import { externalIdFingerprint } from '../shared/external-id.js';
import { logger } from '../shared/logger.js';
import { withMiddleware } from '../shared/middleware.js';
import { partitionOf } from '../shared/provider.js';
import { ProviderRegistry } from '../shared/registry.js';
import { ensureRole, type EnsuredRole } from '../shared/role-provisioning.js';
import { iamClientForTargetAccount } from '../shared/target-account.js';
import { buildTrustPolicy } from '../shared/trust-policy.js';
import { bindWorkflowLogContext, roleTargetOf, targetAccessOf, type WorkflowTaskEvent } from '../shared/workflow.js';

const env = readEnv({
  TABLE_NAME: nonEmpty,
  BOOTSTRAP_ROLE_NAME: nonEmpty,
  ROLE_PATH: rolePath,
  MANAGEMENT_PRINCIPAL_ARN: nonEmpty,
});
const partition = partitionOf(env.MANAGEMENT_PRINCIPAL_ARN);
const sts = new STSClient({ maxAttempts: 5 });
const registry = new ProviderRegistry(DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 })), env.TABLE_NAME);

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
    externalId: externalIdFingerprint(record.externalId),
  });
  const role = await ensureRole(iam, roleTargetOf(event, partition), trustPolicy);
  logger.info('Provider role in place', { roleArn: role.roleArn, createdByThisExecution: role.createdByThisExecution });
  return role;
}

export const handler = withMiddleware(createRole);
