// Proving the role works: AssumeRole with the External ID, and the confused-deputy check
// that it cannot be assumed without it.
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { isAccessDenied, rethrowTransient } from './aws-errors.js';
import { ExternalIdNotEnforced, PropagationTimeout, RoleNotYetAssumable } from '../domain/errors.js';
import { ExternalIdNotYetAccepted, PreviousExternalIdStillAccepted } from '../domain/rotation.js';

export interface VerificationRequest {
  roleArn: string;
  externalId: string;
  sessionName: string;
  /** Past this instant a denial is final: the role never became assumable. */
  deadline: Date;
}

export interface VerificationResult {
  verifiedAt: string;
  assumedRoleArn: string;
  externalIdEnforced: true;
}

async function assume(sts: STSClient, roleArn: string, sessionName: string, externalId?: string) {
  return sts.send(
    new AssumeRoleCommand({
      RoleArn: roleArn,
      RoleSessionName: sessionName.slice(0, 64),
      DurationSeconds: 900,
      ...(externalId === undefined ? {} : { ExternalId: externalId }),
    }),
  );
}

/**
 * One verification attempt. IAM is eventually consistent: a new role is often denied for seconds,
 * so AccessDenied before the deadline is RoleNotYetAssumable (the state machine retries with
 * backoff and jitter) and after it PropagationTimeout.
 */
export async function verifyRoleAssumable(
  sts: STSClient,
  request: VerificationRequest,
  now: () => Date = () => new Date(),
): Promise<VerificationResult> {
  let assumedRoleArn: string;
  try {
    const result = await assume(sts, request.roleArn, request.sessionName, request.externalId);
    assumedRoleArn = result.AssumedRoleUser?.Arn ?? request.roleArn;
  } catch (error) {
    if (!isAccessDenied(error)) rethrowTransient(error, `AssumeRole ${request.roleArn}`);
    if (now() >= request.deadline) {
      throw new PropagationTimeout(
        `${request.roleArn} was still not assumable with its External ID at ${request.deadline.toISOString()}`,
      );
    }
    throw new RoleNotYetAssumable(`${request.roleArn} is not assumable yet (IAM propagation)`);
  }

  try {
    await assume(sts, request.roleArn, `${request.sessionName}-no-external-id`);
  } catch (error) {
    if (isAccessDenied(error)) return { verifiedAt: now().toISOString(), assumedRoleArn, externalIdEnforced: true };
    rethrowTransient(error, `AssumeRole ${request.roleArn} without External ID`);
  }
  throw new ExternalIdNotEnforced(
    `${request.roleArn} can be assumed without its External ID: its trust policy does not enforce sts:ExternalId`,
  );
}

/** External IDs named by their role in a rotation ("new", "previous"), so no message carries one. */
export interface LabelledExternalId {
  label: string;
  externalId: string;
}

export interface TrustCheck {
  roleArn: string;
  sessionName: string;
  /** Each must be accepted: a denial is IAM propagation (ExternalIdNotYetAccepted, retried by the state machine). */
  accepted: LabelledExternalId[];
  /** Each must be denied: an accepted one is PreviousExternalIdStillAccepted (propagation too, retried). */
  refused: LabelledExternalId[];
}

/**
 * Proves a rotation's trust: AssumeRole works with every accepted ID, is denied with every refused
 * one, and is denied without an External ID.
 */
export async function verifyExternalIds(sts: STSClient, check: TrustCheck, now: () => Date = () => new Date()): Promise<{ verifiedAt: string }> {
  for (const { label, externalId } of check.accepted) {
    try {
      await assume(sts, check.roleArn, `${check.sessionName}-${label}`, externalId);
    } catch (error) {
      if (!isAccessDenied(error)) rethrowTransient(error, `AssumeRole ${check.roleArn} with the ${label} External ID`);
      throw new ExternalIdNotYetAccepted(`${check.roleArn} does not accept the ${label} External ID yet (IAM propagation)`);
    }
  }
  for (const { label, externalId } of check.refused) {
    if (await isAssumable(sts, check.roleArn, `${check.sessionName}-${label}`, externalId)) {
      throw new PreviousExternalIdStillAccepted(`${check.roleArn} still accepts the ${label} External ID (IAM propagation)`);
    }
  }
  if (await isAssumable(sts, check.roleArn, `${check.sessionName}-none`)) {
    throw new ExternalIdNotEnforced(`${check.roleArn} can be assumed without an External ID: its trust policy does not enforce sts:ExternalId`);
  }
  return { verifiedAt: now().toISOString() };
}

async function isAssumable(sts: STSClient, roleArn: string, sessionName: string, externalId?: string): Promise<boolean> {
  try {
    await assume(sts, roleArn, sessionName, externalId);
    return true;
  } catch (error) {
    if (isAccessDenied(error)) return false;
    return rethrowTransient(error, `AssumeRole ${roleArn}`);
  }
}
