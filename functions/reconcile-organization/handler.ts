// Sweep step "Reconcile Organization": the organization's accounts against the registry. Onboards
// the ACTIVE members a missed new-account event left without a provider (at most
// MAX_ONBOARDINGS a run) and ends the providers of accounts that were closed or left. A failure
// throws: the sweep catches it, records it in the summary and goes on.
import { reconcileOrganization } from '../shared/adapters/reconcile-organization.js';
import { reconcileRegistry } from '../shared/adapters/reconcile-registry.js';
import { sweepIdOf } from '../shared/domain/fleet-sweep.js';
import type { ReconciliationSummary } from '../shared/domain/reconciliation.js';
import { departureDependenciesFromEnv } from '../shared/runtime/departure-dependencies.js';
import { booleanFlag, nonEmpty, positiveInteger, readEnv } from '../shared/runtime/env.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { onboardingStarterFromEnv } from '../shared/runtime/onboarding-starter.js';
import { accountRulesFromEnv } from '../shared/runtime/account-rules-settings.js';
import { organizationsClient } from '../shared/runtime/clients.js';

const env = readEnv({ TABLE_NAME: nonEmpty, RECONCILE_ENABLED: booleanFlag, MAX_ONBOARDINGS: positiveInteger(50) });
const deps = {
  organizations: organizationsClient(),
  registry: reconcileRegistry(env.TABLE_NAME),
  onboarding: onboardingStarterFromEnv(),
  departures: departureDependenciesFromEnv(),
  placement: accountRulesFromEnv(),
  maxOnboardings: env.MAX_ONBOARDINGS,
};

async function reconcileStep(event: { execution: { arn: string; startTime: string } }): Promise<ReconciliationSummary> {
  logger.appendKeys({ executionArn: event.execution.arn });
  if (!env.RECONCILE_ENABLED) return { status: 'disabled' };
  const summary = await reconcileOrganization(deps, sweepIdOf(new Date(event.execution.startTime)));
  logger.info('Organization reconciled', { ...summary });
  return summary;
}

export const handler = withMiddleware(reconcileStep);
