// Sweep step "List Fleet Page": one page of READY and DEGRADED providers (what an iteration needs
// of each), the sweep's identity, and the token of the next page (null after the last).
import { fleetRegistry } from '../shared/adapters/fleet-registry.js';
import { listFleetPage } from '../shared/adapters/fleet-sweep.js';
import { booleanFlag, nonEmpty, positiveInteger, readEnv } from '../shared/runtime/env.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';

/** The stack sets PAGE_SIZE from its sweepPageSize; 500 keeps a page's results far below 256 KB. */
const env = readEnv({ TABLE_NAME: nonEmpty, AUTO_REPAIR: booleanFlag, PAGE_SIZE: positiveInteger(500) });
const fleet = fleetRegistry(env.TABLE_NAME);

async function listFleetPageStep(event: { execution: { arn: string; name: string; startTime: string }; nextToken?: string | null }) {
  logger.appendKeys({ executionArn: event.execution.arn });
  const page = await listFleetPage(fleet, event.execution, { autoRepair: env.AUTO_REPAIR, pageSize: env.PAGE_SIZE, nextToken: event.nextToken ?? null });
  logger.info('Fleet page listed', { sweepId: page.sweep.sweepId, providers: page.providers.length, lastPage: page.nextToken === null, autoRepair: env.AUTO_REPAIR });
  return page;
}

export const handler = withMiddleware(listFleetPageStep);
