// Verification step "Record Verification": stores the checks on the provider, moves it between
// READY and DEGRADED, and announces a change (Provider Degraded / Provider Recovered).
import { nonEmpty, readEnv } from '../shared/runtime/env.js';
import { eventBridgeClient } from '../shared/runtime/clients.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { bindWorkflowLogContext } from '../shared/runtime/workflow-event.js';
import type { VerificationTaskEvent } from '../shared/runtime/verification-event.js';
import { providerEventDetail, publishProviderEvent } from '../shared/adapters/provider-events.js';
import { providerRegistry } from '../shared/adapters/registry.js';
import { verificationEventOf, verificationOutcome } from '../shared/domain/drift.js';

const env = readEnv({ TABLE_NAME: nonEmpty, EVENT_BUS_NAME: nonEmpty, EVENT_SOURCE: nonEmpty });
const registry = providerRegistry(env.TABLE_NAME);
const eventBridge = eventBridgeClient();
const bus = { busName: env.EVENT_BUS_NAME, source: env.EVENT_SOURCE };

export interface RecordedVerification {
  recorded: boolean;
  status: 'READY' | 'DEGRADED';
  reason: string | null;
  event: string | null;
}

async function recordVerification(event: VerificationTaskEvent): Promise<RecordedVerification> {
  bindWorkflowLogContext(event);
  const { provider, inspection } = event.state;
  if (!inspection?.previousStatus) throw new Error('The workflow state has no inspection: the check step did not run');
  const outcome = verificationOutcome(inspection.checks);
  const record = await registry.recordVerification(provider.providerId, provider.attempt, inspection.previousStatus, {
    ...outcome,
    checks: inspection.checks,
    lastVerifiedAt: inspection.verifiedAt,
  });
  if (!record) {
    logger.warn('Verification not recorded: the provider moved on since it was checked', { outcome: outcome.status });
    return { recorded: false, status: outcome.status, reason: outcome.reason ?? null, event: null };
  }
  // Decided from the status the checks started from, so a retried step announces again rather than not at all.
  const detailType = verificationEventOf(inspection.previousStatus, outcome.status);
  if (detailType) await publishProviderEvent(eventBridge, bus, detailType, providerEventDetail(record, event.execution.arn));
  logger.info('Verification recorded', { status: outcome.status, reason: outcome.reason, event: detailType });
  return { recorded: true, status: outcome.status, reason: outcome.reason ?? null, event: detailType ?? null };
}

export const handler = withMiddleware(recordVerification);
