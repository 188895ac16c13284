// The upgrade-provider-policy function as a deployment that bundles another CAPA policy runs it
// (CDK context capaPolicyFile: esbuild puts that document in place of the shipped one). In-process
// the shipped document is the one `#capa-policy` resolves to, so this module takes the deployed
// document from TEST_DEPLOYED_CAPA_POLICY_FILE instead (the shipped one when unset) and runs the
// real handler's adapter with it, with the function's own environment and role.
import { readFileSync } from 'node:fs';
import { policyUpgradeRegistry } from '../../functions/shared/adapters/policy-upgrade-registry.js';
import { upgradeProviderPolicy } from '../../functions/shared/adapters/policy-upgrade.js';
import { capaPolicyOf, SHIPPED_CAPA_POLICY } from '../../functions/shared/domain/capa-policy.js';
import type { PolicyDocument } from '../../functions/shared/domain/policy-documents.js';
import type { PolicyUpgradeInput } from '../../functions/shared/domain/policy-upgrade.js';
import { eventBridgeClient, stsClient } from '../../functions/shared/runtime/clients.js';
import { nonEmpty, partition, readEnv } from '../../functions/shared/runtime/env.js';
import { withMiddleware } from '../../functions/shared/runtime/middleware.js';

const env = readEnv({ PARTITION: partition, TABLE_NAME: nonEmpty, BOOTSTRAP_ROLE_NAME: nonEmpty, EVENT_BUS_NAME: nonEmpty, EVENT_SOURCE: nonEmpty });
const file = process.env.TEST_DEPLOYED_CAPA_POLICY_FILE;
const dependencies = {
  registry: policyUpgradeRegistry(env.TABLE_NAME),
  sts: stsClient(),
  eventBridge: eventBridgeClient(),
  bus: { busName: env.EVENT_BUS_NAME, source: env.EVENT_SOURCE },
  partition: env.PARTITION,
  bootstrapRoleName: env.BOOTSTRAP_ROLE_NAME,
  policy: file ? capaPolicyOf(JSON.parse(readFileSync(file, 'utf8')) as PolicyDocument) : SHIPPED_CAPA_POLICY,
};

export const handler = withMiddleware((event: PolicyUpgradeInput) => upgradeProviderPolicy(dependencies, event));
