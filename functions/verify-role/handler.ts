// Workflow step "Verify Role Is Assumable". The invocation polls AssumeRole itself (about twice a
// second) until IAM lets the role be assumed, so READY follows propagation within a poll interval.
// When its time budget (the function's remaining time, less a reserve) ends first, it fails with
// RoleNotYetAssumable and the state machine invokes it again, until VERIFY_TIMEOUT_SECONDS.
import type { Context } from 'aws-lambda';
import { nonEmpty, positiveInteger, readEnv } from '../shared/runtime/env.js';
import { stsClient } from '../shared/runtime/clients.js';
import { SINGLE_ATTEMPT_SDK_CLIENT_OPTIONS } from '../shared/adapters/sdk-options.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { pollingBudgetMs, verifyRoleAssumable, type VerificationResult } from '../shared/adapters/verification.js';
import { bindWorkflowLogContext, requireRole, type WorkflowTaskEvent } from '../shared/runtime/workflow-event.js';
import { providerRegistry } from '../shared/adapters/registry.js';

const env = readEnv({
  TABLE_NAME: nonEmpty,
  VERIFY_TIMEOUT_SECONDS: positiveInteger(120),
});
// The polling loop paces AssumeRole itself, backing off on throttling: no SDK retries on top.
const sts = stsClient(SINGLE_ATTEMPT_SDK_CLIENT_OPTIONS);
const registry = providerRegistry(env.TABLE_NAME);

async function verifyRole(event: WorkflowTaskEvent, context: Context): Promise<VerificationResult> {
  bindWorkflowLogContext(event);
  const { provider } = event.state;
  const role = requireRole(event);
  const record = await registry.transition(provider.providerId, provider.attempt, 'VERIFYING');
  const started = Date.now();
  const { verification, polls } = await verifyRoleAssumable(sts, {
    roleArn: role.roleArn,
    externalId: record.externalId,
    sessionName: `capa-onboarding-verify-${provider.attempt}`,
    deadline: new Date(Date.parse(role.ensuredAt) + env.VERIFY_TIMEOUT_SECONDS * 1000),
    pollUntil: new Date(started + pollingBudgetMs(context.getRemainingTimeInMillis())),
  });
  logger.info('Role assumable with its External ID, and only with it', { roleArn: role.roleArn, polls, waitedMs: Date.now() - started });
  return verification;
}

export const handler = withMiddleware(verifyRole);
