// Workflow steps "Record Provider Ready" and "Record Provider Failed": the registry, then the event.
import { nonEmpty, readEnv } from '../shared/runtime/env.js';
import { eventBridgeClient } from '../shared/runtime/clients.js';
import { describeRunFailure } from '../shared/domain/errors.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { providerEventDetail, publishProviderEvent } from '../shared/adapters/provider-events.js';
import { providerRegistry, StaleAttemptError } from '../shared/adapters/registry.js';
import { bindWorkflowLogContext, requireRole, type WorkflowTaskEvent } from '../shared/runtime/workflow-event.js';

const env = readEnv({ TABLE_NAME: nonEmpty, EVENT_BUS_NAME: nonEmpty, EVENT_SOURCE: nonEmpty });
const registry = providerRegistry(env.TABLE_NAME);
const eventBridge = eventBridgeClient();
const bus = { busName: env.EVENT_BUS_NAME, source: env.EVENT_SOURCE };

export interface RecordResultEvent extends WorkflowTaskEvent {
  outcome: 'READY' | 'FAILED';
}

export interface RecordedOutcome {
  status: 'READY' | 'FAILED';
  reason: string | null;
  message: string | null;
}

async function recordResult(event: RecordResultEvent): Promise<RecordedOutcome> {
  bindWorkflowLogContext(event);
  const { provider } = event.state;
  try {
    if (event.outcome === 'READY') {
      const role = requireRole(event);
      const now = new Date();
      const record = await registry.transition(
        provider.providerId,
        provider.attempt,
        'READY',
        {
          roleArn: role.roleArn,
          policyArns: event.state.policies?.policyArns,
          policyVersion: event.state.policies?.policyVersion,
          readyAt: now.toISOString(),
        },
        now,
      );
      await publishProviderEvent(eventBridge, bus, 'Provider Ready', providerEventDetail(record, event.execution.arn));
      logger.info('Provider ready', { roleArn: record.roleArn, policyVersion: record.policyVersion });
      return { status: 'READY', reason: null, message: null };
    }
    const failure = describeRunFailure(event.state);
    const record = await registry.transition(provider.providerId, provider.attempt, 'FAILED', failure);
    await publishProviderEvent(eventBridge, bus, 'Provider Failed', providerEventDetail(record, event.execution.arn));
    logger.warn('Provider onboarding failed', { reason: failure.reason, failureMessage: failure.message });
    return { status: 'FAILED', ...failure };
  } catch (error) {
    if (!(error instanceof StaleAttemptError)) throw error;
    // A newer attempt owns the provider, or this attempt's end was recorded already (its execution
    // was stopped or timed out while this step ran): this run's outcome must not overwrite either.
    logger.warn('Outcome not recorded: the provider moved on to a newer attempt or this attempt has ended', { outcome: event.outcome });
    const failure = event.outcome === 'FAILED' ? describeRunFailure(event.state) : { reason: null, message: null };
    return { status: event.outcome, ...failure };
  }
}

export const handler = withMiddleware(recordResult);
