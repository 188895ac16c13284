// Step Functions "Execution Status Change" (ABORTED, TIMED_OUT, FAILED; the rules filter) for the
// onboarding and offboarding state machines: a provider whose execution ended without recording an
// outcome is recorded FAILED with a reason, and what that execution created is removed (an
// offboarding creates nothing).
import { eventBridgeClient, iamClient, stsClient } from '../shared/runtime/clients.js';
import { grantMode, nonEmpty, partition as partitionName, readEnv, rolePath } from '../shared/runtime/env.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { endedExecutionOf, type ExecutionStatusChangeEvent } from '../shared/domain/ended-execution.js';
import { convergeEndedExecution } from '../shared/adapters/execution-convergence.js';
import { removeExecutionLeftovers } from '../shared/adapters/execution-leftovers.js';
import { providerEventDetail, publishProviderEvent } from '../shared/adapters/provider-events.js';
import { providerRegistry } from '../shared/adapters/registry.js';

const env = readEnv({
  PARTITION: partitionName,
  TABLE_NAME: nonEmpty,
  EVENT_BUS_NAME: nonEmpty,
  EVENT_SOURCE: nonEmpty,
  BOOTSTRAP_ROLE_NAME: nonEmpty,
  ROLE_PATH: rolePath,
  MANAGEMENT_ROLE_ARN: nonEmpty,
  GRANT_MODE: grantMode,
});
const registry = providerRegistry(env.TABLE_NAME);
const eventBridge = eventBridgeClient();
const cleanup = {
  sts: stsClient(),
  managementIam: iamClient(),
  bootstrapRoleName: env.BOOTSTRAP_ROLE_NAME,
  grant: { managementRoleArn: env.MANAGEMENT_ROLE_ARN, partition: env.PARTITION, rolePath: env.ROLE_PATH, mode: env.GRANT_MODE },
};
const bus = { busName: env.EVENT_BUS_NAME, source: env.EVENT_SOURCE };

/** What the invocation did; never the record itself, which holds the External ID. */
type Summary = { outcome: 'failed'; providerId: string; reason: string | undefined; removed: string[] } | { outcome: 'ignored'; why: string };

async function onExecutionEnded(event: ExecutionStatusChangeEvent): Promise<Summary> {
  const ended = endedExecutionOf(event);
  if (!ended) {
    // Not retryable: the same event would be rejected again.
    logger.warn('Ignored an event that announces no ended execution', { source: event.source, detailType: event['detail-type'] });
    return { outcome: 'ignored', why: 'not an ended execution' };
  }
  logger.appendKeys({ providerId: ended.providerId, executionArn: ended.executionArn, executionStatus: ended.status });
  const result = await convergeEndedExecution(
    {
      registry,
      removeLeftovers: (record, executionName) => removeExecutionLeftovers(cleanup, record, executionName),
      announceFailure: (record, executionArn) => publishProviderEvent(eventBridge, bus, 'Provider Failed', providerEventDetail(record, executionArn)),
    },
    ended,
  );
  if (result.outcome === 'failed') {
    logger.appendKeys({ accountId: result.provider.accountId, attempt: result.provider.attempt });
    logger.warn('Provider failed: its execution ended without recording an outcome', {
      reason: result.provider.reason,
      failureMessage: result.provider.message,
      removed: result.removed,
    });
    return { outcome: 'failed', providerId: result.provider.providerId, reason: result.provider.reason, removed: result.removed };
  }
  logger.info('Nothing to converge', { why: result.why });
  return result;
}

export const handler = withMiddleware(onExecutionEnded);
