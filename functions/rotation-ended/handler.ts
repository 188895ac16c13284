// Step Functions "Execution Status Change" (ABORTED, TIMED_OUT, FAILED; the rule filters) for the
// rotation state machine: a rotation whose execution ended while it was open is settled as the
// workflow's own failure path settles it (trust back to the registry's ID, rotation closed with a
// reason), so the provider stays usable and a new rotation can start.
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { rotationDependenciesFromEnv } from '../shared/runtime/rotation-dependencies.js';
import { settleRotation, type Settlement } from '../shared/adapters/external-id-rotation.js';
import { endedRotationOf } from '../shared/domain/rotation.js';
import type { ExecutionStatusChangeEvent } from '../shared/domain/ended-execution.js';

const deps = rotationDependenciesFromEnv();

async function onRotationEnded(event: ExecutionStatusChangeEvent): Promise<Settlement | { outcome: 'ignored' }> {
  const ended = endedRotationOf(event);
  if (ended === undefined) {
    logger.warn('Ignored an event that announces no ended rotation', { source: event.source, detailType: event['detail-type'] });
    return { outcome: 'ignored' };
  }
  logger.appendKeys({ providerId: ended.rotation.provider.providerId, rotationId: ended.rotation.rotationId, executionArn: ended.executionArn });
  const settlement = await settleRotation(deps, { rotation: ended.rotation, executionArn: ended.executionArn }, ended.error);
  logger.info(settlement.outcome === 'rolled-back' ? 'Rotation rolled back: its execution ended while it was open' : 'Nothing to settle', {
    settlement,
    executionStatus: ended.status,
  });
  return settlement;
}

export const handler = withMiddleware(onRotationEnded);
