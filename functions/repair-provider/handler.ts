// Sweep step "Repair Provider" (autoRepair on): starts the next onboarding attempt of a provider
// the sweep found DEGRADED, through the same start path as a POST.
import { repairDegraded } from '../shared/adapters/fleet-sweep.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { onboardingStarterFromEnv } from '../shared/runtime/onboarding-starter.js';
import { bindWorkflowLogContext, type ProviderTaskEvent } from '../shared/runtime/workflow-event.js';

const starter = onboardingStarterFromEnv(process.env);

async function repairProvider(event: ProviderTaskEvent) {
  bindWorkflowLogContext(event);
  const repair = await repairDegraded(starter, event.state.provider);
  logger.info(repair.started ? 'Repair started' : 'No repair: the provider moved on', { repairAttempt: repair.attempt });
  return repair;
}

export const handler = withMiddleware(repairProvider);
