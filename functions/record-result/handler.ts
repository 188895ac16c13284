// Workflow steps "Record Provider Ready" and "Record Provider Failed": the registry, then the event.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { nonEmpty, readEnv } from '../shared/env.js';
import { describeFailure } from '../shared/errors.js';
import { logger } from '../shared/logger.js';
import { withMiddleware } from '../shared/middleware.js';
import { providerEventDetail, publishProviderEvent } from '../shared/provider-events.js';
import { ProviderRegistry, StaleAttemptError } from '../shared/registry.js';
import { bindWorkflowLogContext, requireRole, type WorkflowTaskEvent } from '../shared/workflow.js';

const env = readEnv({ TABLE_NAME: nonEmpty, EVENT_BUS_NAME: nonEmpty, EVENT_SOURCE: nonEmpty });
const registry = new ProviderRegistry(DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 })), env.TABLE_NAME);
const eventBridge = new EventBridgeClient({ maxAttempts: 5 });
const bus = { busName: env.EVENT_BUS_NAME, source: env.EVENT_SOURCE };

export interface RecordResultEvent extends WorkflowTaskEvent {
  outcome: 'READY' | 'FAILED';
}

export interface RecordedOutcome {
  status: 'READY' | 'FAILED';
  reason: string | null;
  message: string | null;
}

function failureOf(event: RecordResultEvent): { reason: string; message: string } {
  const failure = describeFailure(event.state.error);
  const removed = event.state.compensation?.removed ?? [];
  const cleanup = event.state.compensationError
    ? ` Cleanup failed (${describeFailure(event.state.compensationError).message}); see the execution history.`
    : removed.length > 0
      ? ` Removed what this run created: ${removed.join(', ')}.`
      : '';
  return { reason: failure.reason, message: `${failure.message}${cleanup}` };
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
    const failure = failureOf(event);
    const record = await registry.transition(provider.providerId, provider.attempt, 'FAILED', failure);
    await publishProviderEvent(eventBridge, bus, 'Provider Failed', providerEventDetail(record, event.execution.arn));
    logger.warn('Provider onboarding failed', { reason: failure.reason, failureMessage: failure.message });
    return { status: 'FAILED', ...failure };
  } catch (error) {
    if (!(error instanceof StaleAttemptError)) throw error;
    // A newer attempt owns the provider now; this run's outcome must not overwrite it.
    logger.warn('Outcome not recorded: the provider moved on to a newer attempt', { outcome: event.outcome });
    const failure = event.outcome === 'FAILED' ? failureOf(event) : { reason: null, message: null };
    return { status: event.outcome, ...failure };
  }
}

export const handler = withMiddleware(recordResult);
