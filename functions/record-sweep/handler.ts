// Sweep step "Record Sweep": the summary becomes the latest sweep and `Fleet Sweep Completed`.
import { fleetRegistry } from '../shared/adapters/fleet-registry.js';
import { recordSweep, type SweepRef } from '../shared/adapters/fleet-sweep.js';
import type { SweepProviderResult } from '../shared/domain/fleet-sweep.js';
import { reconciliationOf } from '../shared/domain/reconciliation.js';
import { eventBridgeClient } from '../shared/runtime/clients.js';
import { nonEmpty, readEnv } from '../shared/runtime/env.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';

const env = readEnv({ TABLE_NAME: nonEmpty, EVENT_BUS_NAME: nonEmpty, EVENT_SOURCE: nonEmpty });
const deps = { fleet: fleetRegistry(env.TABLE_NAME), eventBridge: eventBridgeClient(), bus: { busName: env.EVENT_BUS_NAME, source: env.EVENT_SOURCE } };

async function recordSweepStep(event: { execution: { arn: string }; sweep: SweepRef; results: SweepProviderResult[]; reconciliation?: unknown }) {
  logger.appendKeys({ executionArn: event.execution.arn, sweepId: event.sweep.sweepId });
  const summary = await recordSweep(deps, event.sweep, event.results, reconciliationOf(event.reconciliation));
  logger.info('Sweep recorded', { providers: summary.providers, byStatus: summary.byStatus, byReason: summary.byReason, failed: summary.failed, reconciliation: summary.reconciliation?.status });
  return summary;
}

export const handler = withMiddleware(recordSweepStep);
