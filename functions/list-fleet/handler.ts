// Sweep step "List Fleet Page": one page of READY and DEGRADED providers (what an iteration needs
// of each), the sweep's identity and pacing, and the token of the next page (null after the last).
import { fleetRegistry } from '../shared/adapters/fleet-registry.js';
import { listFleetPage } from '../shared/adapters/fleet-sweep.js';
import { booleanFlag, boundedInteger, nonEmpty, positiveInteger, readEnv } from '../shared/runtime/env.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';

/**
 * The stack sets PAGE_SIZE from its sweepPageSize (500 keeps a page's results far below 256 KB) and
 * MIN_CHECK_MS from sweepConcurrency and sweepChecksPerSecond (1,000 by default; at most 30,000,
 * half of check-provider's timeout; 0 would not pace).
 */
const env = readEnv({ TABLE_NAME: nonEmpty, AUTO_REPAIR: booleanFlag, PAGE_SIZE: positiveInteger(500), MIN_CHECK_MS: boundedInteger(1_000, 30_000) });
const fleet = fleetRegistry(env.TABLE_NAME);

async function listFleetPageStep(event: { execution: { arn: string; name: string; startTime: string }; nextToken?: string | null }) {
  logger.appendKeys({ executionArn: event.execution.arn });
  const page = await listFleetPage(fleet, event.execution, {
    autoRepair: env.AUTO_REPAIR,
    pageSize: env.PAGE_SIZE,
    minCheckMs: env.MIN_CHECK_MS,
    nextToken: event.nextToken ?? null,
  });
  logger.info('Fleet page listed', {
    sweepId: page.sweep.sweepId,
    providers: page.providers.length,
    lastPage: page.nextToken === null,
    autoRepair: env.AUTO_REPAIR,
    minCheckMs: env.MIN_CHECK_MS,
  });
  return page;
}

export const handler = withMiddleware(listFleetPageStep);
