// Offboarding steps "Record Provider Deleted" and "Record Offboarding Failed": the registry, then
// the event. DELETED keeps the provider as a tombstone (deletedAt, what was removed and left).
import { nonEmpty, readEnv } from '../shared/runtime/env.js';
import { eventBridgeClient } from '../shared/runtime/clients.js';
import { describeFailure } from '../shared/domain/errors.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { providerDeletedDetail, providerEventDetail, publishProviderEvent } from '../shared/adapters/provider-events.js';
import { providerRegistry, StaleAttemptError } from '../shared/adapters/registry.js';
import { offboardingOutcomeOf, type OffboardingTaskEvent } from '../shared/runtime/offboarding-event.js';
import { bindWorkflowLogContext } from '../shared/runtime/workflow-event.js';
import type { LeftInPlace } from '../shared/domain/provider.js';

const env = readEnv({ TABLE_NAME: nonEmpty, EVENT_BUS_NAME: nonEmpty, EVENT_SOURCE: nonEmpty });
const registry = providerRegistry(env.TABLE_NAME);
const eventBridge = eventBridgeClient();
const bus = { busName: env.EVENT_BUS_NAME, source: env.EVENT_SOURCE };

export interface RecordOffboardingEvent extends OffboardingTaskEvent {
  outcome: 'DELETED' | 'FAILED';
}

export interface RecordedOffboarding {
  status: 'DELETED' | 'FAILED';
  reason: string | null;
  message: string | null;
  removed: string[];
  leftInPlace: LeftInPlace[];
}

/** A failed offboarding's reason, and a message that says what was already removed. */
function offboardingFailure(event: RecordOffboardingEvent, removed: string[]): { reason: string; message: string } {
  const failure = describeFailure(event.state.error);
  const done = removed.length > 0 ? ` Already removed: ${removed.join(', ')}.` : '';
  return { reason: failure.reason, message: `Offboarding failed: ${failure.message}${done}` };
}

async function recordOffboarding(event: RecordOffboardingEvent): Promise<RecordedOffboarding> {
  bindWorkflowLogContext(event);
  const { provider, force } = event.state;
  const outcome = offboardingOutcomeOf(event.state);
  const offboarding = { force, ...outcome };
  const failure = event.outcome === 'FAILED' ? offboardingFailure(event, outcome.removed) : undefined;
  try {
    if (event.outcome === 'DELETED') {
      const now = new Date();
      const record = await registry.transition(provider.providerId, provider.attempt, 'DELETED', { deletedAt: now.toISOString(), offboarding }, now);
      await publishProviderEvent(eventBridge, bus, 'Provider Deleted', providerDeletedDetail(record, event.execution.arn));
      logger.info('Provider deleted', outcome);
    } else if (failure !== undefined) {
      const record = await registry.transition(provider.providerId, provider.attempt, 'FAILED', { ...failure, offboarding });
      await publishProviderEvent(eventBridge, bus, 'Provider Failed', providerEventDetail(record, event.execution.arn));
      logger.warn('Provider offboarding failed', { reason: failure.reason, failureMessage: failure.message });
    }
  } catch (error) {
    if (!(error instanceof StaleAttemptError)) throw error;
    // This attempt's end was recorded already (its execution was stopped while this step ran), or
    // a newer request owns the provider: this run's outcome must not overwrite either.
    logger.warn('Outcome not recorded: the provider moved on to a newer attempt or this attempt has ended', { outcome: event.outcome });
  }
  return { status: event.outcome, reason: failure?.reason ?? null, message: failure?.message ?? null, ...outcome };
}

export const handler = withMiddleware(recordOffboarding);
