// Rollout steps of each provider: "Admit Provider" (skipped once the tolerance is exceeded),
// "Record Upgrade" and "Record Failure" (the rollout's counters, moved atomically).
import type { ProviderUpgradeResult } from '../shared/domain/policy-rollout.js';
import { admitProvider, recordFailure, recordUpgrade, type RolloutRef } from '../shared/adapters/policy-rollout.js';
import { rolloutRegistry } from '../shared/adapters/rollout-registry.js';
import { nonEmpty, readEnv } from '../shared/runtime/env.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';

const env = readEnv({ TABLE_NAME: nonEmpty });
const rollouts = rolloutRegistry(env.TABLE_NAME);

export type RolloutProgressEvent = { rollout: RolloutRef; provider: { providerId: string } } & (
  | { step: 'admit' }
  | { step: 'upgraded'; upgrade: ProviderUpgradeResult }
  | { step: 'failed'; error?: { Error?: string; Cause?: string } }
);

async function rolloutProgressStep(event: RolloutProgressEvent) {
  logger.appendKeys({ rolloutId: event.rollout.rolloutId, providerId: event.provider.providerId });
  switch (event.step) {
    case 'admit':
      return admitProvider(rollouts, event.rollout);
    case 'upgraded':
      return recordUpgrade(rollouts, event.rollout, event.upgrade);
    case 'failed': {
      const recorded = await recordFailure(rollouts, event.rollout, event.provider.providerId, event.error);
      logger.warn('Provider policy upgrade failed', { failure: recorded.failure, failed: recorded.failed });
      return recorded;
    }
  }
}

export const handler = withMiddleware(rolloutProgressStep);
