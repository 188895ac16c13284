// Proving the role works: AssumeRole with the External ID, and the confused-deputy check
// that it cannot be assumed without it.
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { isAccessDenied, rethrowTransient } from './aws-errors.js';
import { ExternalIdNotEnforced, PropagationTimeout, RoleNotYetAssumable } from '../domain/errors.js';

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
 * One AssumeRole on `roleArn`, with `externalId` or without: whether STS allowed it. Only
 * AccessDenied counts as denied; throttling and 5xx are TransientAwsError, anything else rethrown.
 */
export async function probeAssumeRole(sts: STSClient, roleArn: string, sessionName: string, externalId?: string): Promise<'allowed' | 'denied'> {
  try {
    await assume(sts, roleArn, sessionName, externalId);
    return 'allowed';
  } catch (error) {
    if (isAccessDenied(error)) return 'denied';
    return rethrowTransient(error, `AssumeRole ${roleArn}${externalId === undefined ? ' without External ID' : ''}`);
  }
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
