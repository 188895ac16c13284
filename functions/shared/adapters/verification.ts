// Proving the role works: AssumeRole with the External ID, polled until IAM has propagated the new
// role, and the confused-deputy check that it cannot be assumed without it.
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { isAccessDenied, isTransient, rethrowTransient } from './aws-errors.js';
import { ExternalIdNotEnforced, PropagationTimeout, RoleNotYetAssumable } from '../domain/errors.js';
import { ExternalIdNotYetAccepted, PreviousExternalIdStillAccepted } from '../domain/rotation.js';

export interface VerificationRequest {
  roleArn: string;
  externalId: string;
  sessionName: string;
  /** Past this instant a denial is final: the role never became assumable. */
  deadline: Date;
  /** No poll starts after this instant: the invocation hands back to the state machine, which invokes it again. */
  pollUntil: Date;
}

export interface VerificationResult {
  verifiedAt: string;
  assumedRoleArn: string;
  externalIdEnforced: true;
}

export interface VerificationOutcome {
  verification: VerificationResult;
  /** AssumeRole calls with the External ID this invocation made (the last one succeeded). */
  polls: number;
}

export interface PollClock {
  now(): Date;
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1): the jitter that keeps many waiting onboardings from polling in step. */
  random(): number;
}

export const systemClock: PollClock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * Poll pacing. 500-550 ms between polls: a role is seen about 0.3 s after IAM lets it be assumed,
 * at most 2 AssumeRole calls per second. The first wait of an invocation is spread over a whole
 * interval (500-1,000 ms), so onboardings whose roles were created together do not poll in step,
 * and no poll schedule keeps one phase against IAM's propagation. Throttling or a 5xx doubles the
 * interval (up to 8 s) and a denial halves it back, so many onboardings waiting at once slow down
 * when STS pushes back.
 */
export const POLL_INTERVAL_MS = 500;
export const POLL_JITTER_MS = 50;
export const MAX_POLL_INTERVAL_MS = 8_000;

/** Kept from the invocation's remaining time for the External-ID check and the answer: a quarter, at most 5 s. */
export function pollingBudgetMs(remainingMs: number): number {
  return Math.max(0, remainingMs - Math.min(5_000, remainingMs / 4));
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

type Poll = { assumedRoleArn: string } | { denied: true } | { transient: unknown };

async function poll(sts: STSClient, request: VerificationRequest): Promise<Poll> {
  try {
    const result = await assume(sts, request.roleArn, request.sessionName, request.externalId);
    return { assumedRoleArn: result.AssumedRoleUser?.Arn ?? request.roleArn };
  } catch (error) {
    if (isAccessDenied(error)) return { denied: true };
    if (isTransient(error)) return { transient: error };
    throw error;
  }
}

/**
 * Polls AssumeRole with the External ID until the role is assumable. IAM is eventually consistent:
 * a new role is often denied for seconds, so a denial before the deadline means "not yet"; one at
 * or after it is final (PropagationTimeout). When the next poll would start after `pollUntil`, the
 * wait so far is handed back: RoleNotYetAssumable after a denial, TransientAwsError after
 * throttling or a 5xx, for the state machine to invoke the step again.
 */
async function waitUntilAssumable(sts: STSClient, request: VerificationRequest, clock: PollClock): Promise<{ assumedRoleArn: string; polls: number }> {
  let interval = POLL_INTERVAL_MS;
  for (let polls = 1; ; polls += 1) {
    const outcome = await poll(sts, request);
    if ('assumedRoleArn' in outcome) return { assumedRoleArn: outcome.assumedRoleArn, polls };
    const now = clock.now();
    if ('denied' in outcome && now >= request.deadline) {
      throw new PropagationTimeout(`${request.roleArn} was still not assumable with its External ID at ${request.deadline.toISOString()}`);
    }
    interval = 'denied' in outcome ? Math.max(POLL_INTERVAL_MS, interval / 2) : Math.min(MAX_POLL_INTERVAL_MS, interval * 2);
    const wait = interval + clock.random() * (polls === 1 ? interval : POLL_JITTER_MS);
    if (now.getTime() + wait > request.pollUntil.getTime()) {
      if ('denied' in outcome) throw new RoleNotYetAssumable(`${request.roleArn} is not assumable yet (IAM propagation; ${polls} AssumeRole calls in this invocation)`);
      rethrowTransient(outcome.transient, `AssumeRole ${request.roleArn}`);
    }
    await clock.sleep(wait);
  }
}

/** Waits until the role is assumable with its External ID, then proves it is not assumable without it. */
export async function verifyRoleAssumable(sts: STSClient, request: VerificationRequest, clock: PollClock = systemClock): Promise<VerificationOutcome> {
  const { assumedRoleArn, polls } = await waitUntilAssumable(sts, request, clock);
  try {
    await assume(sts, request.roleArn, `${request.sessionName}-no-external-id`);
  } catch (error) {
    if (isAccessDenied(error)) return { verification: { verifiedAt: clock.now().toISOString(), assumedRoleArn, externalIdEnforced: true }, polls };
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
