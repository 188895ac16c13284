// What the rotation's step function and its execution-ended function share: the same settings
// from the same environment, and the clients the rotation steps need.
import { iamClientForTargetAccount } from '../adapters/target-account.js';
import type { RotationDependencies } from '../adapters/external-id-rotation.js';
import { rotationRegistry } from '../adapters/rotation-registry.js';
import { eventBridgeClient, stsClient } from './clients.js';
import { nonEmpty, partition, readEnv, rolePath } from './env.js';
import { bootstrapRoleOf } from '../domain/provider.js';

export function rotationDependenciesFromEnv(source: NodeJS.ProcessEnv = process.env): RotationDependencies {
  const env = readEnv(
    {
      PARTITION: partition,
      TABLE_NAME: nonEmpty,
      EVENT_BUS_NAME: nonEmpty,
      EVENT_SOURCE: nonEmpty,
      BOOTSTRAP_ROLE_NAME: nonEmpty,
      ROLE_PATH: rolePath,
      MANAGEMENT_PRINCIPAL_ARN: nonEmpty,
    },
    source,
  );
  const sts = stsClient();
  return {
    registry: rotationRegistry(env.TABLE_NAME),
    sts,
    eventBridge: eventBridgeClient(),
    bus: { busName: env.EVENT_BUS_NAME, source: env.EVENT_SOURCE },
    managementPrincipalArn: env.MANAGEMENT_PRINCIPAL_ARN,
    partition: env.PARTITION,
    targetIam: (rotation, step) =>
      iamClientForTargetAccount(sts, {
        accountId: rotation.provider.accountId,
        partition: env.PARTITION,
        bootstrapRoleName: bootstrapRoleOf(rotation.provider, env.BOOTSTRAP_ROLE_NAME),
        rolePath: env.ROLE_PATH,
        sessionName: `capa-rotation-${step}-${rotation.rotationId}`,
      }),
  };
}
