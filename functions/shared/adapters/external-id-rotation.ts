// The steps of an External ID rotation, each idempotent and reading the IDs from the registry
// (never from the workflow's data, which shows in the execution history). The trust policy is
// rewritten through the target account's bootstrap session, with the same builder onboarding uses.
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { roleArnOf, type ProviderRecord } from '../domain/provider.js';
import { describeRotationFailure, type LastRotation, type RotationInput } from '../domain/rotation.js';
import { buildTrustPolicy } from '../domain/trust-policy.js';
import { providerEventDetail, publishProviderEvent, type ProviderDetailType } from './provider-events.js';
import { replaceTrustPolicy } from './role-provisioning.js';
import { RotationNotOpen, type RotationRegistry } from './rotation-registry.js';
import { verifyExternalIds } from './verification.js';

export interface RotationDependencies {
  registry: RotationRegistry;
  sts: STSClient;
  eventBridge: EventBridgeClient;
  bus: { busName: string; source: string };
  managementPrincipalArn: string;
  partition: string;
  /** An IAM client in the provider's account, through its bootstrap role (session named after `step`). */
  targetIam: (rotation: RotationInput, step: string) => Promise<IAMClient>;
  now?: () => Date;
}

/** How the previous ID's grace ended: the caller's confirmation, or the grace period. */
export type GraceEnding = 'CONFIRMED' | 'GRACE_ENDED';

export interface RotationRun {
  rotation: RotationInput;
  executionArn: string;
}

const nowOf = (deps: RotationDependencies): Date => (deps.now ?? (() => new Date()))();

/** The record of this rotation, which must still be open. */
async function openRotation(deps: RotationDependencies, rotation: RotationInput): Promise<ProviderRecord> {
  const record = await deps.registry.get(rotation.provider.providerId);
  if (record?.rotationId !== rotation.rotationId) {
    throw new RotationNotOpen(`Rotation ${rotation.rotationId} of ${rotation.provider.providerId} is no longer open`);
  }
  return record;
}

/** The two IDs of an open rotation, whichever side of the registry swap it is on. */
function idsOf(record: ProviderRecord): { next: string; previous: string } {
  if (record.rotationStatus === 'TRUSTING_BOTH') return { next: record.pendingExternalId!, previous: record.externalId };
  return { next: record.externalId, previous: record.previousExternalId! };
}

function roleArnOfRotation(deps: RotationDependencies, rotation: RotationInput): string {
  return roleArnOf({ ...rotation.provider, partition: deps.partition });
}

async function setTrust(deps: RotationDependencies, rotation: RotationInput, step: string, externalId: string, previousExternalId?: string): Promise<void> {
  const trust = buildTrustPolicy({
    managementPrincipalArn: deps.managementPrincipalArn,
    externalId,
    ...(previousExternalId !== undefined ? { previousExternalId } : {}),
    trustEc2: rotation.provider.trustEc2,
  });
  await replaceTrustPolicy(await deps.targetIam(rotation, step), rotation.provider.roleName, trust);
}

async function announce(deps: RotationDependencies, type: ProviderDetailType, record: ProviderRecord, run: RotationRun, extra: object): Promise<void> {
  const detail = { ...providerEventDetail(record, run.executionArn), rotationId: run.rotation.rotationId, ...extra };
  await publishProviderEvent(deps.eventBridge, deps.bus, type, detail);
}

/** Step 1: one StringEquals on sts:ExternalId with both values. */
export async function trustBothIds(deps: RotationDependencies, run: RotationRun): Promise<void> {
  const { next, previous } = idsOf(await openRotation(deps, run.rotation));
  await setTrust(deps, run.rotation, 'trust-both', next, previous);
}

/** Step 1's proof: AssumeRole works with each ID (and not without one). */
export async function verifyBothIds(deps: RotationDependencies, run: RotationRun): Promise<{ verifiedAt: string }> {
  const { next, previous } = idsOf(await openRotation(deps, run.rotation));
  return verifyExternalIds(deps.sts, {
    roleArn: roleArnOfRotation(deps, run.rotation),
    sessionName: `capa-rotation-${run.rotation.rotationId}`,
    accepted: [
      { label: 'new', externalId: next },
      { label: 'previous', externalId: previous },
    ],
    refused: [],
  });
}

/** Step 2: the registry hands out the new ID; the previous one expires after the grace period. */
export async function openGracePeriod(deps: RotationDependencies, run: RotationRun): Promise<{ previousExternalIdExpiresAt: string }> {
  const expiresAt = new Date(nowOf(deps).getTime() + run.rotation.graceSeconds * 1000).toISOString();
  const record = await deps.registry.openGrace(run.rotation.provider.providerId, run.rotation.rotationId, expiresAt, nowOf(deps));
  const previousExternalIdExpiresAt = record.previousExternalIdExpiresAt!;
  await announce(deps, 'Provider External ID Rotation Started', record, run, { previousExternalIdExpiresAt });
  return { previousExternalIdExpiresAt };
}

/** Step 3 begins: the waiting execution's token, kept for the caller's confirmation. */
export async function awaitConfirmation(deps: RotationDependencies, run: RotationRun, taskToken: string): Promise<void> {
  if (!(await deps.registry.storeTaskToken(run.rotation.provider.providerId, run.rotation.rotationId, taskToken))) {
    throw new RotationNotOpen(`Rotation ${run.rotation.rotationId} of ${run.rotation.provider.providerId} is not in its grace period`);
  }
}

/** Step 3 ends: the trust accepts the new ID only. */
export async function removePreviousId(deps: RotationDependencies, run: RotationRun): Promise<void> {
  const record = await deps.registry.markRemovingPrevious(run.rotation.provider.providerId, run.rotation.rotationId, nowOf(deps));
  await setTrust(deps, run.rotation, 'remove-previous', record.externalId);
}

/** Step 4: the new ID works, the previous one is denied (and none is denied). */
export async function verifyRotated(deps: RotationDependencies, run: RotationRun): Promise<{ verifiedAt: string }> {
  const record = await openRotation(deps, run.rotation);
  return verifyExternalIds(deps.sts, {
    roleArn: roleArnOfRotation(deps, run.rotation),
    sessionName: `capa-rotation-${run.rotation.rotationId}`,
    accepted: [{ label: 'new', externalId: record.externalId }],
    refused: [{ label: 'previous', externalId: record.previousExternalId! }],
  });
}

/** Closes the rotation as ROTATED and announces it. */
export async function recordRotated(deps: RotationDependencies, run: RotationRun, ending: GraceEnding): Promise<void> {
  const last: LastRotation = {
    rotationId: run.rotation.rotationId,
    outcome: 'ROTATED',
    reason: ending,
    message: ending === 'CONFIRMED' ? 'The previous External ID was removed on confirmation' : 'The previous External ID was removed when its grace period ended',
    endedAt: nowOf(deps).toISOString(),
  };
  const record = await deps.registry.finish(run.rotation.provider.providerId, run.rotation.rotationId, last, nowOf(deps));
  // A retried step whose first try closed the rotation still announces it (at-least-once).
  const announced = record ?? (await deps.registry.get(run.rotation.provider.providerId));
  if (announced?.lastRotation?.rotationId !== run.rotation.rotationId) return;
  await announce(deps, 'Provider External ID Rotated', { ...announced, reason: ending }, run, {});
}

export type Settlement = { outcome: 'rolled-back'; reason: string; trustRestored: boolean } | { outcome: 'not-open' };

/**
 * A rotation that failed, was stopped or timed out: the trust goes back to the one ID the
 * registry holds (the previous one before the swap, the new one after), so the provider stays
 * usable, and the rotation is closed ROLLED_BACK with the reason.
 */
export async function settleRotation(
  deps: RotationDependencies,
  run: RotationRun,
  error: { Error?: string; Cause?: string } | undefined,
): Promise<Settlement> {
  const record = await deps.registry.get(run.rotation.provider.providerId);
  if (record?.rotationId !== run.rotation.rotationId) return { outcome: 'not-open' };
  const failure = describeRotationFailure(error);
  let restored = '';
  try {
    await setTrust(deps, run.rotation, 'settle', record.externalId);
  } catch (trustError) {
    if ((trustError as Error).name === 'TransientAwsError') throw trustError;
    restored = ` The trust policy could not be restored (${(trustError as Error).message}).`;
  }
  await deps.registry.finish(
    run.rotation.provider.providerId,
    run.rotation.rotationId,
    {
      rotationId: run.rotation.rotationId,
      outcome: 'ROLLED_BACK',
      reason: failure.reason,
      message: `${failure.message}${restored || ' The trust policy accepts the External ID the provider shows only.'}`,
      endedAt: nowOf(deps).toISOString(),
    },
    nowOf(deps),
  );
  return { outcome: 'rolled-back', reason: failure.reason, trustRestored: restored === '' };
}
