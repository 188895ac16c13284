// What ending a departed account's providers needs, from the same environment wherever it runs:
// the account-departure function (a CloudTrail event) and the reconcile (a departure it found).
import type { DepartureDependencies } from '../adapters/account-departures.js';
import { departureRegistry } from '../adapters/registry-departures.js';
import { eventBridgeClient, iamClient, sfnClient } from './clients.js';
import { grantMode, nonEmpty, partition, readEnv, rolePath } from './env.js';

export function departureDependenciesFromEnv(source: NodeJS.ProcessEnv = process.env): DepartureDependencies {
  const env = readEnv(
    {
      PARTITION: partition,
      TABLE_NAME: nonEmpty,
      EVENT_BUS_NAME: nonEmpty,
      EVENT_SOURCE: nonEmpty,
      ROLE_PATH: rolePath,
      MANAGEMENT_ROLE_ARN: nonEmpty,
      GRANT_MODE: grantMode,
    },
    source,
  );
  return {
    registry: departureRegistry(env.TABLE_NAME),
    sfn: sfnClient(),
    managementIam: iamClient(),
    eventBridge: eventBridgeClient(),
    bus: { busName: env.EVENT_BUS_NAME, source: env.EVENT_SOURCE },
    grant: { managementRoleArn: env.MANAGEMENT_ROLE_ARN, partition: env.PARTITION, rolePath: env.ROLE_PATH, mode: env.GRANT_MODE },
  };
}
