// Workflow step "Verify Role Is Assumable". One attempt per invocation: the state machine's
// Retry supplies the exponential backoff with jitter, and each attempt shows in the history.
import { nonEmpty, positiveInteger, readEnv } from '../shared/runtime/env.js';
import { stsClient } from '../shared/runtime/clients.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { verifyRoleAssumable, type VerificationResult } from '../shared/adapters/verification.js';
import { bindWorkflowLogContext, requireRole, type WorkflowTaskEvent } from '../shared/runtime/workflow-event.js';
import { providerRegistry } from '../shared/adapters/registry.js';

const env = readEnv({
  TABLE_NAME: nonEmpty,
  VERIFY_TIMEOUT_SECONDS: positiveInteger(120),
});
const sts = stsClient();
const registry = providerRegistry(env.TABLE_NAME);

async function verifyRole(event: WorkflowTaskEvent): Promise<VerificationResult> {
  bindWorkflowLogContext(event);
  const { provider } = event.state;
  const role = requireRole(event);
  const record = await registry.transition(provider.providerId, provider.attempt, 'VERIFYING');
  const deadline = new Date(Date.parse(role.ensuredAt) + env.VERIFY_TIMEOUT_SECONDS * 1000);
  const result = await verifyRoleAssumable(sts, {
    roleArn: role.roleArn,
    externalId: record.externalId,
    sessionName: `capa-onboarding-verify-${provider.attempt}`,
    deadline,
  });
  logger.info('Role assumable with its External ID, and only with it', { roleArn: role.roleArn });
  return result;
}

export const handler = withMiddleware(verifyRole);
