// Sweep steps "Tally Page" (mode "tally": a page's results folded into the running counts) and
// "Record Sweep" (the counts become the latest sweep's summary and `Fleet Sweep Completed`).
import { fleetRegistry } from '../shared/adapters/fleet-registry.js';
import { recordSweep, type SweepRef } from '../shared/adapters/fleet-sweep.js';
import { tallySweep, type SweepTally } from '../shared/domain/fleet-sweep.js';
import { eventBridgeClient } from '../shared/runtime/clients.js';
import { nonEmpty, readEnv } from '../shared/runtime/env.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';

const env = readEnv({ TABLE_NAME: nonEmpty, EVENT_BUS_NAME: nonEmpty, EVENT_SOURCE: nonEmpty });
const deps = { fleet: fleetRegistry(env.TABLE_NAME), eventBridge: eventBridgeClient(), bus: { busName: env.EVENT_BUS_NAME, source: env.EVENT_SOURCE } };

type TallyEvent = { mode: 'tally'; execution: { arn: string }; tally: SweepTally | null; results: unknown[]; nextToken: string | null };
type RecordEvent = { mode?: undefined; execution: { arn: string }; sweep: SweepRef; tally: SweepTally | null };

async function recordSweepStep(event: TallyEvent | RecordEvent) {
  logger.appendKeys({ executionArn: event.execution.arn });
  if (event.mode === 'tally') {
    const tally = tallySweep(event.tally, event.results);
    logger.info('Sweep page tallied', { pageProviders: event.results.length, providers: tally.providers, lastPage: event.nextToken === null });
    return { nextToken: event.nextToken, tally };
  }
  logger.appendKeys({ sweepId: event.sweep.sweepId });
  const summary = await recordSweep(deps, event.sweep, event.tally);
  logger.info('Sweep recorded', { providers: summary.providers, byStatus: summary.byStatus, byReason: summary.byReason, failed: summary.failed });
  return summary;
}

export const handler = withMiddleware(recordSweepStep);
