// Workflow step "Attach CAPA Policies".
import { nonEmpty, partition as partitionName, readEnv, rolePath } from '../shared/runtime/env.js';
import { stsClient } from '../shared/runtime/clients.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { ensureCapaPolicies, type AttachedPolicies } from '../shared/adapters/role-provisioning.js';
import { iamClientForTargetAccount } from '../shared/adapters/target-account.js';
import { providerRegistry } from '../shared/adapters/registry.js';
import { unlessAttemptFailed } from '../shared/adapters/ended-attempt.js';
import { bindWorkflowLogContext, roleTargetOf, targetAccessOf, type WorkflowTaskEvent } from '../shared/runtime/workflow-event.js';

const env = readEnv({
  PARTITION: partitionName,
  TABLE_NAME: nonEmpty,
  BOOTSTRAP_ROLE_NAME: nonEmpty,
  ROLE_PATH: rolePath,
});
const sts = stsClient();
const registry = providerRegistry(env.TABLE_NAME);
const partition = env.PARTITION;

async function attachPolicies(event: WorkflowTaskEvent): Promise<AttachedPolicies> {
  bindWorkflowLogContext(event);
  const iam = await iamClientForTargetAccount(sts, targetAccessOf(event, partition, env.BOOTSTRAP_ROLE_NAME, 'attach-policies'));
  const target = roleTargetOf(event, partition);
  const attempt = event.state.provider.attempt;
  const policies = await unlessAttemptFailed({ registry, iam, target, attempt }, () => ensureCapaPolicies(iam, target));
  logger.info('CAPA policies attached', { policyArns: policies.policyArns, policyVersion: policies.policyVersion });
  return policies;
}

export const handler = withMiddleware(attachPolicies);
