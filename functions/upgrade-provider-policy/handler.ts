// Policy rollout step "Upgrade Provider Policy": moves one provider's role to the CAPA policy this
// deployment ships (bundled, see lib/policy-config.ts), records and announces it.
import { nonEmpty, partition, readEnv } from '../shared/runtime/env.js';
import { eventBridgeClient, stsClient } from '../shared/runtime/clients.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { upgradeProviderPolicy } from '../shared/adapters/policy-upgrade.js';
import { policyUpgradeRegistry } from '../shared/adapters/policy-upgrade-registry.js';
import { SHIPPED_CAPA_POLICY } from '../shared/domain/capa-policy.js';
import type { PolicyUpgradeInput, PolicyUpgradeResult } from '../shared/domain/policy-upgrade.js';

const env = readEnv({
  PARTITION: partition,
  TABLE_NAME: nonEmpty,
  BOOTSTRAP_ROLE_NAME: nonEmpty,
  EVENT_BUS_NAME: nonEmpty,
  EVENT_SOURCE: nonEmpty,
});
const dependencies = {
  registry: policyUpgradeRegistry(env.TABLE_NAME),
  sts: stsClient(),
  eventBridge: eventBridgeClient(),
  bus: { busName: env.EVENT_BUS_NAME, source: env.EVENT_SOURCE },
  partition: env.PARTITION,
  bootstrapRoleName: env.BOOTSTRAP_ROLE_NAME,
  policy: SHIPPED_CAPA_POLICY,
};

async function upgradeProvider(event: PolicyUpgradeInput): Promise<PolicyUpgradeResult> {
  logger.appendKeys({ providerId: event.provider.providerId, rolloutId: event.rollout.id });
  const result = await upgradeProviderPolicy(dependencies, event);
  logger.info('Provider policy upgrade', { outcome: result.outcome, fromPolicyVersion: result.fromPolicyVersion, policyVersion: result.policyVersion });
  return result;
}

export const handler = withMiddleware(upgradeProvider);
