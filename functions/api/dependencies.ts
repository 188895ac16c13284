// What the API's routes share, created once per function instance from the validated environment.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fleetRegistry } from '../shared/adapters/fleet-registry.js';
import { REQUEST_BOUND_SDK_CLIENT_OPTIONS } from '../shared/adapters/sdk-options.js';
import type { OffboardingDependencies } from '../shared/adapters/start-offboarding.js';
import { clusterIdentitySettingsFromEnv } from '../shared/runtime/cluster-identity-settings.js';
import { onboardingStarterFromEnv } from '../shared/runtime/onboarding-starter.js';
import { nonEmpty, positiveInteger, readEnv } from '../shared/runtime/env.js';
import { rotationRegistry } from '../shared/adapters/rotation-registry.js';
import type { RotationStarter } from '../shared/adapters/start-rotation.js';
import { rolloutRegistry } from '../shared/adapters/rollout-registry.js';
import type { RolloutStarter } from '../shared/adapters/start-rollout.js';

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

const rotationEnv = readEnv({ ROTATION_STATE_MACHINE_ARN: nonEmpty, ROTATION_GRACE_SECONDS: positiveInteger(86_400), TABLE_NAME: nonEmpty });
export const rotations: RotationStarter = {
  registry: rotationRegistry(rotationEnv.TABLE_NAME, REQUEST_BOUND_SDK_CLIENT_OPTIONS),
  sfn: starter.sfn,
  stateMachineArn: rotationEnv.ROTATION_STATE_MACHINE_ARN,
  graceSeconds: rotationEnv.ROTATION_GRACE_SECONDS,
};

/** The fleet sweep's summary, read with the request-bound options like every other registry read. */
export const fleet = fleetRegistry(
  readEnv({ TABLE_NAME: nonEmpty }).TABLE_NAME,
  DynamoDBDocumentClient.from(new DynamoDBClient(REQUEST_BOUND_SDK_CLIENT_OPTIONS)),
);

/** Policy rollouts: started for the policy this deployment ships, through the request-bound clients. */
const rolloutEnv = readEnv({ ROLLOUT_STATE_MACHINE_ARN: nonEmpty, POLICY_VERSION: nonEmpty, TABLE_NAME: nonEmpty });
export const rollouts = {
  starter: {
    rollouts: rolloutRegistry(rolloutEnv.TABLE_NAME, DynamoDBDocumentClient.from(new DynamoDBClient(REQUEST_BOUND_SDK_CLIENT_OPTIONS))),
    sfn: starter.sfn,
    stateMachineArn: rolloutEnv.ROLLOUT_STATE_MACHINE_ARN,
  } satisfies RolloutStarter,
  policyVersion: rolloutEnv.POLICY_VERSION,
};
