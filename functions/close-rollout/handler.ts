// Rollout step "Close Rollout": COMPLETED or HALTED, and the event that says so.
import { closeRollout, type RolloutRef } from '../shared/adapters/policy-rollout.js';
import { rolloutRegistry } from '../shared/adapters/rollout-registry.js';
import { eventBridgeClient } from '../shared/runtime/clients.js';
import { nonEmpty, readEnv } from '../shared/runtime/env.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';

const env = readEnv({ TABLE_NAME: nonEmpty, EVENT_BUS_NAME: nonEmpty, EVENT_SOURCE: nonEmpty });
const deps = { rollouts: rolloutRegistry(env.TABLE_NAME), eventBridge: eventBridgeClient(), bus: { busName: env.EVENT_BUS_NAME, source: env.EVENT_SOURCE } };

async function closeRolloutStep(event: { rollout: RolloutRef; walkError?: { Error?: string; Cause?: string } }) {
  logger.appendKeys({ rolloutId: event.rollout.rolloutId });
  const view = await closeRollout(deps, event.rollout, event.walkError !== undefined);
  logger.info('Rollout closed', { status: view.status, haltReason: view.haltReason, counts: view.counts, walkError: event.walkError?.Error });
  return view;
}

export const handler = withMiddleware(closeRolloutStep);
