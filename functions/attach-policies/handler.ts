// Workflow step "Attach CAPA Policies".
import { STSClient } from '@aws-sdk/client-sts';
import { nonEmpty, readEnv, rolePath } from '../shared/env.js';
import { logger } from '../shared/logger.js';
import { withMiddleware } from '../shared/middleware.js';
import { partitionOf } from '../shared/provider.js';
import { ensureCapaPolicies, type AttachedPolicies } from '../shared/role-provisioning.js';
import { iamClientForTargetAccount } from '../shared/target-account.js';
import { bindWorkflowLogContext, requireRole, roleTargetOf, targetAccessOf, type WorkflowTaskEvent } from '../shared/workflow.js';

const env = readEnv({
  BOOTSTRAP_ROLE_NAME: nonEmpty,
  ROLE_PATH: rolePath,
});
const sts = new STSClient({ maxAttempts: 5 });

async function attachPolicies(event: WorkflowTaskEvent): Promise<AttachedPolicies> {
  bindWorkflowLogContext(event);
  const partition = partitionOf(requireRole(event).roleArn);
  const iam = await iamClientForTargetAccount(sts, targetAccessOf(event, partition, env.BOOTSTRAP_ROLE_NAME, 'attach-policies'));
  const policies = await ensureCapaPolicies(iam, roleTargetOf(event, partition));
  logger.info('CAPA policies attached', { policyArns: policies.policyArns, policyVersion: policies.policyVersion });
  return policies;
}

export const handler = withMiddleware(attachPolicies);
