// The External ID rotation workflow's steps (statemachine/rotate-external-id.asl.json): one
// function, dispatched on the step the state names; each step is one call into the rotation
// module. The event carries identities only: the IDs are read from the registry.
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { rotationDependenciesFromEnv } from '../shared/runtime/rotation-dependencies.js';
import {
  awaitConfirmation,
  openGracePeriod,
  recordRotated,
  removePreviousId,
  settleRotation,
  trustBothIds,
  verifyBothIds,
  verifyRotated,
  type GraceEnding,
  type RotationRun,
} from '../shared/adapters/external-id-rotation.js';
import type { RotationInput } from '../shared/domain/rotation.js';

const deps = rotationDependenciesFromEnv();

export interface RotationStepEvent {
  step: 'trust-both' | 'verify-both' | 'open-grace' | 'await-confirmation' | 'remove-previous' | 'verify-rotated' | 'record-rotated' | 'settle';
  rotation: RotationInput;
  execution: { arn: string; name: string };
  /** await-confirmation: `$$.Task.Token`. */
  taskToken?: string;
  /** record-rotated: how the grace ended (the confirmation's output, or the timeout's Pass state). */
  ending?: GraceEnding;
  /** settle: what the workflow caught. */
  error?: { Error?: string; Cause?: string };
}

const steps: Record<RotationStepEvent['step'], (run: RotationRun, event: RotationStepEvent) => Promise<unknown>> = {
  'trust-both': (run) => trustBothIds(deps, run),
  'verify-both': (run) => verifyBothIds(deps, run),
  'open-grace': (run) => openGracePeriod(deps, run),
  'await-confirmation': (run, event) => awaitConfirmation(deps, run, event.taskToken ?? ''),
  'remove-previous': (run) => removePreviousId(deps, run),
  'verify-rotated': (run) => verifyRotated(deps, run),
  'record-rotated': (run, event) => recordRotated(deps, run, event.ending ?? 'GRACE_ENDED'),
  settle: (run, event) => settleRotation(deps, run, event.error),
};

async function rotateExternalId(event: RotationStepEvent): Promise<unknown> {
  logger.appendKeys({
    providerId: event.rotation.provider.providerId,
    accountId: event.rotation.provider.accountId,
    rotationId: event.rotation.rotationId,
    executionArn: event.execution.arn,
    step: event.step,
  });
  const step = steps[event.step];
  if (step === undefined) throw new Error(`Unknown rotation step ${String(event.step)}`);
  const result = (await step({ rotation: event.rotation, executionArn: event.execution.arn }, event)) ?? null;
  logger.info('Rotation step done', { result });
  return result;
}

export const handler = withMiddleware(rotateExternalId);
