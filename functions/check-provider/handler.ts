// Verification step "Check Provider": every check of a READY or DEGRADED provider, read-only.
import { providerVerificationOf } from '../shared/runtime/provider-verification-settings.js';
import { iamClient, stsClient } from '../shared/runtime/clients.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { bindWorkflowLogContext } from '../shared/runtime/workflow-event.js';
import type { ProviderInspection, VerificationTaskEvent } from '../shared/runtime/verification-event.js';
import { iamClientForTargetAccount } from '../shared/adapters/target-account.js';
import { verifyProvider } from '../shared/adapters/provider-verification.js';
import { providerRegistry } from '../shared/adapters/registry.js';
import { isVerifiable, verificationOutcome } from '../shared/domain/drift.js';
import { bootstrapRoleOf } from '../shared/domain/provider.js';

const settings = providerVerificationOf(process.env);
const sts = stsClient();
const managementIam = iamClient();
const registry = providerRegistry(settings.tableName);

async function checkProvider(event: VerificationTaskEvent): Promise<ProviderInspection> {
  bindWorkflowLogContext(event);
  const { provider } = event.state;
  const verifiedAt = new Date().toISOString();
  const record = await registry.get(provider.providerId);
  if (!record || record.attempt !== provider.attempt || !isVerifiable(record.status)) {
    // An onboarding, a repair or an offboarding took over since the request: nothing to judge.
    logger.info('Provider no longer verifiable: nothing checked', { status: record?.status, currentAttempt: record?.attempt });
    return { verifiable: false, ...(record && { previousStatus: record.status }), verifiedAt, checks: [] };
  }
  const targetIam = await iamClientForTargetAccount(sts, {
    accountId: record.accountId,
    partition: settings.partition,
    bootstrapRoleName: bootstrapRoleOf(record, settings.bootstrapRoleName),
    rolePath: record.rolePath,
    sessionName: `capa-reverify-${record.attempt}`,
  });
  const checks = await verifyProvider({ ...settings, targetIam, managementIam, sts }, record);
  const outcome = verificationOutcome(checks);
  logger.info('Provider checked', {
    status: record.status,
    outcome: outcome.status,
    reason: outcome.reason,
    failedChecks: checks.filter((check) => !check.passed).map((check) => check.name),
  });
  return { verifiable: true, previousStatus: record.status, verifiedAt, checks };
}

export const handler = withMiddleware(checkProvider);
