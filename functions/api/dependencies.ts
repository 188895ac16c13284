// What the API's routes share, created once per function instance from the validated environment.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fleetRegistry } from '../shared/adapters/fleet-registry.js';
import { REQUEST_BOUND_SDK_CLIENT_OPTIONS } from '../shared/adapters/sdk-options.js';
import type { OffboardingDependencies } from '../shared/adapters/start-offboarding.js';
import { nonEmpty, readEnv } from '../shared/runtime/env.js';
import { clusterIdentitySettingsFromEnv } from '../shared/runtime/cluster-identity-settings.js';
import { onboardingStarterFromEnv } from '../shared/runtime/onboarding-starter.js';

export const starter = onboardingStarterFromEnv(process.env, REQUEST_BOUND_SDK_CLIENT_OPTIONS);
export const { registry } = starter;
export const offboarder: OffboardingDependencies = {
  registry,
  sfn: starter.sfn,
  stateMachineArn: readEnv({ OFFBOARDING_STATE_MACHINE_ARN: nonEmpty }).OFFBOARDING_STATE_MACHINE_ARN,
};
export const clusterIdentitySettings = clusterIdentitySettingsFromEnv(process.env);

/** Re-verifications start through the same request-bound Step Functions client as onboardings. */
export const verifications = {
  sfn: starter.sfn,
  stateMachineArn: readEnv({ VERIFICATION_STATE_MACHINE_ARN: nonEmpty }).VERIFICATION_STATE_MACHINE_ARN,
};

/** The fleet sweep's summary, read with the request-bound options like every other registry read. */
export const fleet = fleetRegistry(
  readEnv({ TABLE_NAME: nonEmpty }).TABLE_NAME,
  DynamoDBDocumentClient.from(new DynamoDBClient(REQUEST_BOUND_SDK_CLIENT_OPTIONS)),
);
