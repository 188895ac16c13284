// How a provider is shown to API callers: the registry record without internal bookkeeping.
import type { VerificationCheck } from './drift.js';
import type { OffboardingRecord, ProviderRecord } from './provider.js';
import type { LastRotation, RotationStatus } from './rotation.js';

/** An open External ID rotation, as callers see it (never the previous ID itself). */
export interface RotationView {
  rotationId: string;
  status: RotationStatus;
  executionArn: string;
  startedAt: string;
}

export interface ProviderView {
  providerId: string;
  workspace: string;
  name: string;
  accountId: string;
  roleName: string;
  roleArn: string;
  externalId: string;
  trustEc2: boolean;
  status: string;
  reason: string | null;
  message: string | null;
  policyVersion: string | null;
  attempt: number;
  executionArn: string;
  createdAt: string;
  updatedAt: string;
  /** The last re-verification: when, and each check (null until the first one). */
  lastVerifiedAt: string | null;
  checks: VerificationCheck[] | null;
  /** DELETED providers only: when the offboarding recorded it. */
  deletedAt?: string;
  /** ACCOUNT_REMOVED providers only: when the account's departure was recorded. */
  removedAt?: string;
  /** Once offboarded (or while offboarding): force, and what was removed and left in place. */
  offboarding?: OffboardingRecord;
  /** Until when the previous External ID is still accepted during a rotation's grace period. */
  previousExternalIdExpiresAt: string | null;
  rotation: RotationView | null;
  lastRotation: LastRotation | null;
}

/**
 * The portal registers the provider with roleArn and externalId, so both are part of the view.
 * Fields are copied one by one, like the event detail's, never spread from the record: a field
 * added to the record reaches callers only when it is added here on purpose.
 */
export function toProviderView(record: ProviderRecord): ProviderView {
  return {
    providerId: record.providerId,
    workspace: record.workspace,
    name: record.name,
    accountId: record.accountId,
    roleName: record.roleName,
    roleArn: record.roleArn,
    externalId: record.externalId,
    trustEc2: record.trustEc2,
    status: record.status,
    reason: record.reason ?? null,
    message: record.message ?? null,
    policyVersion: record.policyVersion ?? null,
    attempt: record.attempt,
    executionArn: record.executionArn,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    lastVerifiedAt: record.lastVerifiedAt ?? null,
    checks: record.checks ?? null,
    ...(record.deletedAt !== undefined ? { deletedAt: record.deletedAt } : {}),
    ...(record.removedAt !== undefined ? { removedAt: record.removedAt } : {}),
    ...(record.offboarding !== undefined ? { offboarding: offboardingView(record.offboarding) } : {}),
    previousExternalIdExpiresAt: record.previousExternalIdExpiresAt ?? null,
    rotation:
      record.rotationId !== undefined
        ? { rotationId: record.rotationId, status: record.rotationStatus!, executionArn: record.rotationExecutionArn!, startedAt: record.rotationStartedAt! }
        : null,
    lastRotation: record.lastRotation ?? null,
  };
}

/** What POST /workspaces/{workspace}/providers answers with: the view, with the External ID only to a caller that already has it. */
export type CreateAnswerView = Omit<ProviderView, 'externalId'> & { externalId?: string };

/**
 * A principal allowed only to create must not read another provider's secret through a repeated
 * create: the External ID is returned to the request that created the provider (the generated ID
 * is not available anywhere else to it) and to a request that supplied that same External ID.
 */
export function toCreateAnswerView(
  record: ProviderRecord,
  request: { externalId?: string | undefined; createdTheProvider: boolean },
): CreateAnswerView {
  const view = toProviderView(record);
  if (request.createdTheProvider || request.externalId === record.externalId) return view;
  const { externalId: _withheld, ...withoutExternalId } = view;
  return withoutExternalId;
}

function offboardingView(offboarding: OffboardingRecord): OffboardingRecord {
  return {
    force: offboarding.force,
    ...(offboarding.removed !== undefined ? { removed: [...offboarding.removed] } : {}),
    ...(offboarding.leftInPlace !== undefined ? { leftInPlace: offboarding.leftInPlace.map(({ resource, why }) => ({ resource, why })) } : {}),
  };
}
