// Opening and confirming an External ID rotation from the API: the registry's conditional write
// makes a second open rotation impossible (409), the execution's name is derived from the
// rotation, and the confirmation answers the waiting execution's task token.
import { SendTaskSuccessCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { generateExternalId } from '../domain/external-id.js';
import { executionArnOf, type ProviderRecord } from '../domain/provider.js';
import { newRotationId, rotationExecutionNameOf, rotationInputOf } from '../domain/rotation.js';
import { callAws } from './aws-errors.js';
import type { RotationRegistry } from './rotation-registry.js';

export interface RotationStarter {
  registry: RotationRegistry;
  sfn: SFNClient;
  stateMachineArn: string;
  graceSeconds: number;
}

export type StartRotationResult =
  | { outcome: 'started'; rotationId: string; executionArn: string; externalId: string; provider: ProviderRecord }
  | { outcome: 'not-found' }
  | { outcome: 'not-ready'; provider: ProviderRecord }
  | { outcome: 'rotation-open'; provider: ProviderRecord }
  | { outcome: 'same-external-id' };

/** Why a provider cannot be rotated now, or undefined when it can. */
function refusal(record: ProviderRecord): StartRotationResult | undefined {
  if (record.rotationId !== undefined) return { outcome: 'rotation-open', provider: record };
  if (record.status !== 'READY') return { outcome: 'not-ready', provider: record };
  return undefined;
}

export async function startRotation(starter: RotationStarter, providerId: string, suppliedExternalId?: string): Promise<StartRotationResult> {
  const record = await starter.registry.get(providerId);
  if (record === undefined) return { outcome: 'not-found' };
  const refused = refusal(record);
  if (refused !== undefined) return refused;
  if (suppliedExternalId === record.externalId) return { outcome: 'same-external-id' };
  const externalId = suppliedExternalId ?? generateExternalId();
  const rotationId = newRotationId();
  const executionName = rotationExecutionNameOf(record.workspace, record.name, rotationId);
  const executionArn = executionArnOf(starter.stateMachineArn, executionName);
  const opened = await starter.registry.begin(providerId, {
    rotationId,
    rotationExecutionArn: executionArn,
    pendingExternalId: externalId,
    pendingExternalIdSource: suppliedExternalId === undefined ? 'generated' : 'supplied',
  });
  if (!opened) {
    // Another request opened a rotation (or the provider left READY) since the read.
    const current = await starter.registry.get(providerId);
    return (current && refusal(current)) ?? { outcome: 'not-found' };
  }
  try {
    await callAws(`StartExecution ${executionName}`, () =>
      starter.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: starter.stateMachineArn,
          name: executionName,
          input: JSON.stringify({ rotation: rotationInputOf(record, rotationId, starter.graceSeconds) }),
        }),
      ),
    );
  } catch (error) {
    // Nothing ran: close the rotation so the provider can be rotated again.
    await starter.registry.finish(providerId, rotationId, {
      rotationId,
      outcome: 'ROLLED_BACK',
      reason: 'NOT_STARTED',
      message: `The rotation's execution could not be started: ${(error as Error).message}`,
      endedAt: new Date().toISOString(),
    });
    throw error;
  }
  return { outcome: 'started', rotationId, executionArn, externalId, provider: record };
}

export type CompleteRotationResult =
  | { outcome: 'completing'; provider: ProviderRecord }
  | { outcome: 'ended'; provider: ProviderRecord }
  | { outcome: 'not-in-grace'; provider: ProviderRecord }
  | { outcome: 'not-found' };

/**
 * The caller confirms its clusters use the new ID: the waiting execution is told to remove the
 * previous one now. Repeating it is harmless; a rotation already closed answers how it ended.
 */
export async function completeRotation(starter: RotationStarter, providerId: string, rotationId: string): Promise<CompleteRotationResult> {
  const record = await starter.registry.get(providerId);
  if (record === undefined) return { outcome: 'not-found' };
  if (record.rotationId !== rotationId) {
    return record.lastRotation?.rotationId === rotationId ? { outcome: 'ended', provider: record } : { outcome: 'not-found' };
  }
  if (record.rotationStatus === 'REMOVING_PREVIOUS') return { outcome: 'completing', provider: record };
  if (record.rotationTaskToken === undefined) return { outcome: 'not-in-grace', provider: record };
  try {
    await callAws(`SendTaskSuccess rotation ${rotationId}`, () =>
      starter.sfn.send(new SendTaskSuccessCommand({ taskToken: record.rotationTaskToken, output: JSON.stringify({ ending: 'CONFIRMED' }) })),
    );
  } catch (error) {
    // The grace period ended (or another confirmation won) meanwhile: the previous ID is being removed either way.
    if ((error as Error).name !== 'TaskTimedOut') throw error;
  }
  return { outcome: 'completing', provider: record };
}
