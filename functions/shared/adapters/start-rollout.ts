// Starting a policy rollout, from a deployment (the custom resource) or the API: one rollout runs
// at a time. A second start for the same version answers the running one; a running rollout of
// another version is stopped and marked SUPERSEDED (the deployed policy moved on); a fleet a
// completed rollout already left on this version has nothing to do.
import { DescribeExecutionCommand, ExecutionAlreadyExists, StopExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { TransientAwsError } from '../domain/errors.js';
import { fleetIsCurrent, rolloutIdOf, type RolloutRecord, type RolloutTrigger } from '../domain/policy-rollout.js';
import { callAws } from './aws-errors.js';
import type { LatestRollout, RolloutRegistry } from './rollout-registry.js';

export interface RolloutStarter {
  rollouts: RolloutRegistry;
  sfn: SFNClient;
  stateMachineArn: string;
  now?: () => Date;
}

export type StartRolloutOutcome =
  /** A new rollout was started. */
  | { outcome: 'started'; rollout: RolloutRecord }
  /** A rollout of this version is running: this is it. */
  | { outcome: 'running'; rollout: RolloutRecord }
  /** The latest rollout completed this version on every provider: nothing to do. */
  | { outcome: 'current'; rollout: RolloutRecord };

/** `arn:…:execution:<state machine name>:<name>`, known before StartExecution answers. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** The state machine's input: the rollout every step reads. */
export function rolloutInput(record: RolloutRecord): { rollout: { rolloutId: string; policyVersion: string } } {
  return { rollout: { rolloutId: record.rolloutId, policyVersion: record.policyVersion } };
}

async function executionStatus(sfn: SFNClient, executionArn: string): Promise<string | undefined> {
  try {
    const result = await callAws(`DescribeExecution ${executionArn}`, () => sfn.send(new DescribeExecutionCommand({ executionArn })));
    return result.status;
  } catch (error) {
    // Claimed but never started (StartExecution failed before its answer was recorded).
    if ((error as { name?: string }).name === 'ExecutionDoesNotExist') return undefined;
    throw error;
  }
}

/**
 * The pointer's rollout when it still runs for `policyVersion`. One still RUNNING in the registry
 * but not in Step Functions (stopped by hand, timed out) is closed HALTED; one of another version
 * is stopped and closed SUPERSEDED.
 */
async function runningRollout(deps: RolloutStarter, latest: LatestRollout, policyVersion: string, endedAt: string): Promise<RolloutRecord | undefined> {
  if (latest.rolloutStatus !== 'RUNNING') return undefined;
  const status = await executionStatus(deps.sfn, latest.executionArn);
  if (status === 'RUNNING' && latest.policyVersion === policyVersion) return deps.rollouts.get(latest.rolloutId);
  if (status === 'RUNNING') {
    await callAws(`StopExecution ${latest.executionArn}`, () =>
      deps.sfn.send(new StopExecutionCommand({ executionArn: latest.executionArn, error: 'RolloutSuperseded', cause: `Policy ${policyVersion} is deployed now` })),
    );
    await deps.rollouts.close(latest.rolloutId, { rolloutStatus: 'HALTED', haltReason: 'SUPERSEDED', endedAt });
  } else {
    await deps.rollouts.close(latest.rolloutId, { rolloutStatus: 'HALTED', haltReason: 'ROLLOUT_ERROR', endedAt });
  }
  return undefined;
}

export async function startRollout(deps: RolloutStarter, request: { policyVersion: string; trigger: RolloutTrigger }): Promise<StartRolloutOutcome> {
  const now = (deps.now ?? (() => new Date()))();
  const latest = await deps.rollouts.latest();
  if (latest !== undefined) {
    const running = await runningRollout(deps, latest, request.policyVersion, now.toISOString());
    if (running) return { outcome: 'running', rollout: running };
    const previous = await deps.rollouts.get(latest.rolloutId);
    if (previous && fleetIsCurrent(previous, request.policyVersion)) return { outcome: 'current', rollout: previous };
  }
  const rolloutId = rolloutIdOf(request.policyVersion, now);
  const record: RolloutRecord = {
    rolloutId,
    policyVersion: request.policyVersion,
    trigger: request.trigger,
    rolloutStatus: 'RUNNING',
    startedAt: now.toISOString(),
    executionArn: executionArnOf(deps.stateMachineArn, rolloutId),
    failures: [],
    upgraded: 0,
    current: 0,
    movedOn: 0,
    failed: 0,
    skipped: 0,
  };
  if (!(await deps.rollouts.claim(record, latest?.rolloutId))) return answerRacingStart(deps, request.policyVersion);
  try {
    await callAws(`StartExecution ${rolloutId}`, () =>
      deps.sfn.send(new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name: rolloutId, input: JSON.stringify(rolloutInput(record)) })),
    );
  } catch (error) {
    // The same name and input while it runs answers like the first start (Step Functions' idempotency).
    if (!(error instanceof ExecutionAlreadyExists)) {
      await deps.rollouts.close(rolloutId, { rolloutStatus: 'HALTED', haltReason: 'ROLLOUT_ERROR', endedAt: now.toISOString() });
      throw error;
    }
  }
  return { outcome: 'started', rollout: record };
}

/** Another start claimed the pointer between our read and our write: answer its rollout when it is ours too. */
async function answerRacingStart(deps: RolloutStarter, policyVersion: string): Promise<StartRolloutOutcome> {
  const latest = await deps.rollouts.latest();
  const record = latest !== undefined ? await deps.rollouts.get(latest.rolloutId) : undefined;
  if (record && record.policyVersion === policyVersion && record.rolloutStatus === 'RUNNING') return { outcome: 'running', rollout: record };
  throw new TransientAwsError(`Another rollout started at the same time (${latest?.rolloutId ?? 'unknown'}); try again`);
}
