// Rollout step "Open Rollout": the providers to upgrade, and the rollout's fleet size and tolerance.
import { fleetRegistry } from '../shared/adapters/fleet-registry.js';
import { openRollout, type RolloutRef } from '../shared/adapters/policy-rollout.js';
import { rolloutRegistry } from '../shared/adapters/rollout-registry.js';
import { boundedInteger, nonEmpty, readEnv } from '../shared/runtime/env.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';

const env = readEnv({
  TABLE_NAME: nonEmpty,
  ROLLOUT_MAX_FAILURES: boundedInteger(10, 1_000_000),
  ROLLOUT_MAX_FAILURE_PERCENT: boundedInteger(10, 100),
});
const deps = {
  fleet: fleetRegistry(env.TABLE_NAME),
  rollouts: rolloutRegistry(env.TABLE_NAME),
  tolerance: { maxFailures: env.ROLLOUT_MAX_FAILURES, maxFailurePercent: env.ROLLOUT_MAX_FAILURE_PERCENT },
};

async function openRolloutStep(event: { rollout: RolloutRef }) {
  logger.appendKeys({ rolloutId: event.rollout.rolloutId });
  const opened = await openRollout(deps, event.rollout);
  logger.info('Rollout opened', { policyVersion: event.rollout.policyVersion, providers: opened.providers.length, tolerance: opened.rollout.tolerance });
  return opened;
}

export const handler = withMiddleware(openRolloutStep);
