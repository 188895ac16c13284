// Verification step "Check Provider": every check of a READY or DEGRADED provider, read-only.
// In a fleet sweep the invocation lasts at least the minCheckMs it is given (the sweep's rate bound).
import { providerVerificationOf } from '../shared/runtime/provider-verification-settings.js';
import { iamClient, stsClient } from '../shared/runtime/clients.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { bindWorkflowLogContext } from '../shared/runtime/workflow-event.js';
import type { ProviderInspection, VerificationTaskEvent } from '../shared/runtime/verification-event.js';
import { paceFrom, systemPaceClock } from '../shared/adapters/pacing.js';
import { iamClientForTargetAccount } from '../shared/adapters/target-account.js';
import { verifyProvider } from '../shared/adapters/provider-verification.js';
import { providerRegistry } from '../shared/adapters/registry.js';
import { isVerifiable, verificationOutcome, type VerificationCheck } from '../shared/domain/drift.js';
import { bootstrapRoleOf, type ProviderRecord } from '../shared/domain/provider.js';

const settings = providerVerificationOf(process.env);
const sts = stsClient();
const managementIam = iamClient();
const registry = providerRegistry(settings.tableName);

async function checkProvider(event: VerificationTaskEvent): Promise<ProviderInspection> {
  const startedAt = systemPaceClock.now();
  bindWorkflowLogContext(event);
  const { provider, minCheckMs } = event.state;
  const verifiedAt = new Date().toISOString();
  const record = await registry.get(provider.providerId);
  if (!record || record.attempt !== provider.attempt || !isVerifiable(record.status)) {
    // An onboarding, a repair or an offboarding took over since the request: nothing to judge.
    // Not paced: one registry read, no IAM or STS call, so it costs the rate bound nothing.
    logger.info('Provider no longer verifiable: nothing checked', { status: record?.status, currentAttempt: record?.attempt });
    return { verifiable: false, ...(record && { previousStatus: record.status }), verifiedAt, checks: [] };
  }
  let checks: VerificationCheck[];
  let pacedWaitMs: number;
  try {
    checks = await checksOf(record);
  } finally {
    // Paced whether the checks answered or threw: a failed check made its IAM and STS calls too,
    // and the state machine's retry would otherwise start the next one at once.
    pacedWaitMs = await paceFrom(startedAt, minCheckMs);
  }
  const outcome = verificationOutcome(checks);
  logger.info('Provider checked', {
    status: record.status,
    outcome: outcome.status,
    reason: outcome.reason,
    failedChecks: checks.filter((check) => !check.passed).map((check) => check.name),
    minCheckMs,
    pacedWaitMs,
  });
  return { verifiable: true, previousStatus: record.status, verifiedAt, checks };
}

/** The checks, through a bootstrap session in the provider's account (STS, then IAM in both accounts). */
async function checksOf(record: ProviderRecord): Promise<VerificationCheck[]> {
  const targetIam = await iamClientForTargetAccount(sts, {
    accountId: record.accountId,
    partition: settings.partition,
    bootstrapRoleName: bootstrapRoleOf(record, settings.bootstrapRoleName),
    rolePath: record.rolePath,
    sessionName: `capa-reverify-${record.attempt}`,
  });
  return verifyProvider({ ...settings, targetIam, managementIam, sts }, record);
}

export const handler = withMiddleware(checkProvider);
