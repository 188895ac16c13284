// External ID rotation with no downtime: the trust accepts both IDs while running clusters move
// to the new one, then the previous one is removed (on the caller's confirmation or when the
// grace period ends). The workflow's input names the rotation, never an External ID.
import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { endedExecutionOf, type ExecutionStatusChangeEvent } from './ended-execution.js';
import { describeFailure } from './errors.js';
import { EXTERNAL_ID_PATTERN } from './external-id.js';
import type { FieldIssue } from './provider-request.js';
import { executionNameOf, type ProviderRecord, type ProviderSpec } from './provider.js';

/** Where an open rotation is: the trust accepts both IDs from GRACE on. */
export const ROTATION_STATUSES = ['TRUSTING_BOTH', 'GRACE', 'REMOVING_PREVIOUS'] as const;
export type RotationStatus = (typeof ROTATION_STATUSES)[number];

/** How a finished rotation ended: the previous ID removed, or (on a failure) the trust put back to the registry's ID. */
export type RotationOutcome = 'ROTATED' | 'ROLLED_BACK';

export interface LastRotation {
  rotationId: string;
  outcome: RotationOutcome;
  /** Why a rotation was rolled back (a failure reason), or how the previous ID went (CONFIRMED, GRACE_ENDED). */
  reason: string;
  message: string;
  endedAt: string;
}

/** The rotation attributes of a provider record (all absent while no rotation is open). */
export interface RotationFields {
  rotationId?: string;
  rotationStatus?: RotationStatus;
  rotationExecutionArn?: string;
  rotationStartedAt?: string;
  /** The new ID until the trust accepts it; then it becomes `externalId`. */
  pendingExternalId?: string;
  pendingExternalIdSource?: 'supplied' | 'generated';
  previousExternalId?: string;
  previousExternalIdExpiresAt?: string;
  /** The waiting execution's task token: the confirmation sends it SendTaskSuccess. */
  rotationTaskToken?: string;
  lastRotation?: LastRotation;
}

/** The rotation state machine's input is `{ rotation: RotationInput }`: identities only, so re-sending it is byte-identical and holds no secret. */
export interface RotationInput {
  provider: Pick<ProviderSpec, 'providerId' | 'workspace' | 'name' | 'accountId' | 'roleName' | 'rolePath' | 'trustEc2' | 'bootstrapRoleName'>;
  rotationId: string;
  graceSeconds: number;
}

/** The POST …/rotations body: optional, like the create body's `externalId`. */
export const RotationBodySchema = z.strictObject({
  externalId: z.optional(
    z
      .string({ error: 'externalId must be a string' })
      .check(z.regex(EXTERNAL_ID_PATTERN, 'externalId must be 2-1224 characters of letters, digits and +=,.@:/_-')),
  ),
});
export type RotationBody = z.infer<typeof RotationBodySchema>;

/** Validates a rotation body; an empty body means "generate the new ID". */
export function parseRotationBody(body: unknown): { ok: true; body: RotationBody } | { ok: false; issues: FieldIssue[] } {
  const result = RotationBodySchema.safeParse(body);
  if (result.success) return { ok: true, body: result.data };
  return {
    ok: false,
    issues: result.error.issues.flatMap((issue): FieldIssue[] => {
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: key, issue: 'unknown field' }));
      const field = issue.path.join('.') || 'body';
      return [{ field, issue: field === 'body' ? 'the body must be a JSON object' : issue.message }];
    }),
  };
}

/** 64 random bits in hex: unique per provider for the 90 days Step Functions keeps execution names. */
export function newRotationId(): string {
  return randomBytes(8).toString('hex');
}

export const ROTATION_ID = /^[0-9a-f]{16}$/;

/** `<workspace>_<name>_rotation-<rotationId>`: a provider's rotations listed by the same prefix as its onboardings. */
export function rotationExecutionNameOf(workspace: string, name: string, rotationId: string): string {
  return executionNameOf(workspace, name, `rotation-${rotationId}`);
}

export function rotationInputOf(record: ProviderRecord, rotationId: string, graceSeconds: number): RotationInput {
  return {
    provider: {
      providerId: record.providerId,
      workspace: record.workspace,
      name: record.name,
      accountId: record.accountId,
      roleName: record.roleName,
      rolePath: record.rolePath,
      trustEc2: record.trustEc2,
      ...(record.bootstrapRoleName !== undefined ? { bootstrapRoleName: record.bootstrapRoleName } : {}),
    },
    rotationId,
    graceSeconds,
  };
}

/** Errors a rotation's verification raises, by name (the state machine retries the first two). */
export class ExternalIdNotYetAccepted extends Error {
  override readonly name = 'ExternalIdNotYetAccepted';
}
export class PreviousExternalIdStillAccepted extends Error {
  override readonly name = 'PreviousExternalIdStillAccepted';
}

const ROTATION_REASON_BY_ERROR: Record<string, string> = {
  EXECUTION_ABORTED: 'EXECUTION_ABORTED',
  ExternalIdNotYetAccepted: 'PROPAGATION_TIMEOUT',
  PreviousExternalIdStillAccepted: 'PREVIOUS_EXTERNAL_ID_NOT_REVOKED',
};

/** The reason and message a failed rotation records, from the error its workflow caught. */
export function describeRotationFailure(error: { Error?: string; Cause?: string } | undefined): { reason: string; message: string } {
  const described = describeFailure(error);
  return { reason: ROTATION_REASON_BY_ERROR[error?.Error ?? ''] ?? described.reason, message: described.message };
}

const REASON_BY_ENDED_STATUS: Record<string, string> = { ABORTED: 'EXECUTION_ABORTED', TIMED_OUT: 'States.Timeout' };

/**
 * A rotation execution that ended without closing its rotation (stopped, timed out, failed), from
 * Step Functions' status-change event: its input names the rotation, and the error the settlement records.
 */
export function endedRotationOf(event: ExecutionStatusChangeEvent):
  | { rotation: RotationInput; executionArn: string; status: string; error: { Error: string; Cause?: string } }
  | undefined {
  const ended = endedExecutionOf(event);
  if (ended === undefined || ended.status === 'SUCCEEDED') return undefined;
  let input: { rotation?: RotationInput } | undefined;
  try {
    input = JSON.parse(event.detail?.input ?? '') as { rotation?: RotationInput };
  } catch {
    return undefined;
  }
  const rotation = input?.rotation;
  if (typeof rotation?.rotationId !== 'string' || typeof rotation.provider?.providerId !== 'string') return undefined;
  const name = ended.status === 'FAILED' ? (ended.error ?? 'States.Runtime') : REASON_BY_ENDED_STATUS[ended.status]!;
  const cause = ended.cause ?? `The rotation's execution ended ${ended.status}`;
  return { rotation, executionArn: ended.executionArn, status: ended.status, error: { Error: name, Cause: cause } };
}
