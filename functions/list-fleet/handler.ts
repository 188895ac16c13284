// Sweep step "List Fleet": every READY and DEGRADED provider, plus the sweep's identity. The
// reconcile's summary, which ran before, is handed on as is to the Record step.
import { fleetRegistry } from '../shared/adapters/fleet-registry.js';
import { listFleet } from '../shared/adapters/fleet-sweep.js';
import { booleanFlag, nonEmpty, readEnv } from '../shared/runtime/env.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';

const env = readEnv({ TABLE_NAME: nonEmpty, AUTO_REPAIR: booleanFlag });
const fleet = fleetRegistry(env.TABLE_NAME);

async function listFleetStep(event: { execution: { arn: string; name: string; startTime: string }; reconciliation?: unknown }) {
  logger.appendKeys({ executionArn: event.execution.arn });
  const listed = await listFleet(fleet, event.execution, env.AUTO_REPAIR);
  logger.info('Fleet listed', { sweepId: listed.sweep.sweepId, providers: listed.providers.length, autoRepair: env.AUTO_REPAIR });
  return { ...listed, reconciliation: event.reconciliation ?? null };
}

export const handler = withMiddleware(listFleetStep);
