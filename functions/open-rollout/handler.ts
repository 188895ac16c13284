// Rollout steps "Open Rollout" (the rollout's fleet size and tolerance) and "List Rollout Page"
// (one page of the providers to upgrade and the next page's token): the same table reads.
import { fleetRegistry } from '../shared/adapters/fleet-registry.js';
import { listRolloutPage, openRollout, type RolloutRef } from '../shared/adapters/policy-rollout.js';
import { rolloutRegistry } from '../shared/adapters/rollout-registry.js';
import { boundedInteger, nonEmpty, positiveInteger, readEnv } from '../shared/runtime/env.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';

/** The stack sets PAGE_SIZE from its rolloutPageSize; 500 ids keep a page far below 256 KB. */
const env = readEnv({
  TABLE_NAME: nonEmpty,
  PAGE_SIZE: positiveInteger(500),
  ROLLOUT_MAX_FAILURES: boundedInteger(10, 1_000_000),
  ROLLOUT_MAX_FAILURE_PERCENT: boundedInteger(10, 100),
});
const deps = {
  fleet: fleetRegistry(env.TABLE_NAME),
  rollouts: rolloutRegistry(env.TABLE_NAME),
  tolerance: { maxFailures: env.ROLLOUT_MAX_FAILURES, maxFailurePercent: env.ROLLOUT_MAX_FAILURE_PERCENT },
};

type OpenRolloutEvent = { step?: undefined; rollout: RolloutRef } | { step: 'page'; rollout: RolloutRef; nextToken: string | null };

async function openRolloutStep(event: OpenRolloutEvent) {
  logger.appendKeys({ rolloutId: event.rollout.rolloutId });
  if (event.step === 'page') {
    const page = await listRolloutPage(deps.fleet, { pageSize: env.PAGE_SIZE, nextToken: event.nextToken });
    logger.info('Rollout page listed', { providers: page.providers.length, lastPage: page.nextToken === null });
    return page;
  }
  const opened = await openRollout(deps, event.rollout);
  logger.info('Rollout opened', { policyVersion: event.rollout.policyVersion, tolerance: opened.rollout.tolerance });
  return opened;
}

export const handler = withMiddleware(openRolloutStep);
