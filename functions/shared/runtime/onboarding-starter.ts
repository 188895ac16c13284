// What the two entry points that start onboardings (the API and the new-account trigger) share:
// the same settings from the same environment, and the clients startOnboarding needs.
import type { OnboardingDependencies } from '../adapters/start-onboarding.js';
import { SDK_CLIENT_OPTIONS, type SdkClientOptions } from '../adapters/sdk-options.js';
import { sfnClient } from './clients.js';
import { nonEmpty, partition, readEnv, rolePath } from './env.js';
import { providerRegistry } from '../adapters/registry.js';

export function onboardingStarterFromEnv(
  source: NodeJS.ProcessEnv = process.env,
  sdkOptions: SdkClientOptions = SDK_CLIENT_OPTIONS,
): OnboardingDependencies {
  const env = readEnv(
    { TABLE_NAME: nonEmpty, STATE_MACHINE_ARN: nonEmpty, PARTITION: partition, ROLE_PATH: rolePath, ROLE_NAME_PREFIX: nonEmpty },
    source,
  );
  return {
    registry: providerRegistry(env.TABLE_NAME, sdkOptions),
    sfn: sfnClient(sdkOptions),
    settings: {
      stateMachineArn: env.STATE_MACHINE_ARN,
      partition: env.PARTITION,
      rolePath: env.ROLE_PATH,
      roleNamePrefix: env.ROLE_NAME_PREFIX,
    },
  };
}
