// The one way an offboarding starts (DELETE): record DELETING at the provider's next attempt, then
// start the offboarding execution under that attempt's name. Both steps are idempotent, so a
// repeated DELETE lands on the same execution. The attempt is shared with onboarding: a step still
// running for an older attempt can write nothing over the offboarding.
import type { SFNClient } from '@aws-sdk/client-sfn';
import {
  executionArnOf,
  executionNameOf,
  isOffboardable,
  offboardingInputOf,
  providerIdOf,
  isTerminal,
  type ProviderRecord,
  type ProviderStatus,
} from '../domain/provider.js';
import { executionStatus, startNamedExecution } from './executions.js';
import type { ProviderRegistry } from './registry.js';

export interface OffboardingDependencies {
  registry: ProviderRegistry;
  sfn: SFNClient;
  /** The offboarding state machine. */
  stateMachineArn: string;
  now?: () => Date;
}

export interface OffboardingRequest {
  workspace: string;
  name: string;
  force: boolean;
}

export type OffboardOutcome =
  /** The offboarding execution started now, or is still running (a repeated DELETE). */
  | { outcome: 'started' | 'in-progress'; provider: ProviderRecord }
  /** Offboarded already: nothing starts. */
  | { outcome: 'deleted'; provider: ProviderRecord }
  /** Another execution owns the provider (an onboarding or an External ID rotation runs): the DELETE is refused rather than racing it. */
  | { outcome: 'busy'; provider: ProviderRecord }
  | { outcome: 'not-found' };

async function startExecution(deps: OffboardingDependencies, record: ProviderRecord): Promise<boolean> {
  return startNamedExecution(deps.sfn, deps.stateMachineArn, record.executionName, offboardingInputOf(record));
}

/** Records DELETING at the next attempt and starts its execution, unless another request moved the provider first. */
async function beginOffboarding(
  deps: OffboardingDependencies,
  current: ProviderRecord,
  force: boolean,
  from: readonly ProviderStatus[],
): Promise<OffboardOutcome> {
  const attempt = current.attempt + 1;
  const executionName = executionNameOf(current.workspace, current.name, attempt);
  const next = {
    attempt,
    executionName,
    executionArn: executionArnOf(deps.stateMachineArn, executionName),
    updatedAt: (deps.now ?? (() => new Date()))().toISOString(),
    offboarding: { force },
  };
  if (!(await deps.registry.beginOffboarding(current.providerId, current.attempt, next, from))) {
    // A concurrent DELETE, or a POST that restarted it: answer with what is recorded now.
    const latest = await deps.registry.get(current.providerId);
    return latest === undefined ? { outcome: 'not-found' } : answerFor(latest);
  }
  const { reason: _reason, message: _message, ...previous } = current;
  const deleting: ProviderRecord = { ...previous, ...next, status: 'DELETING' };
  await startExecution(deps, deleting);
  return { outcome: 'started', provider: deleting };
}

/** What a DELETE answers for a provider it does not move. */
function answerFor(record: ProviderRecord): OffboardOutcome {
  // Nothing is left to offboard once the account is gone either.
  if (isTerminal(record.status)) return { outcome: 'deleted', provider: record };
  if (record.status === 'DELETING') return { outcome: 'in-progress', provider: record };
  return { outcome: 'busy', provider: record };
}

/**
 * A provider already DELETING: its execution is re-sent (idempotent; it starts one that was lost
 * between the registry write and StartExecution). One that ended without recording an outcome (its
 * status-change event lost) will never record one: the next offboarding attempt starts.
 */
async function continueOffboarding(deps: OffboardingDependencies, current: ProviderRecord): Promise<OffboardOutcome> {
  if (await startExecution(deps, current)) return { outcome: 'in-progress', provider: current };
  const status = await executionStatus(deps.sfn, current.executionArn);
  if (status === undefined || status === 'RUNNING') return { outcome: 'in-progress', provider: current };
  return beginOffboarding(deps, current, current.offboarding?.force ?? false, ['DELETING']);
}

export async function startOffboarding(deps: OffboardingDependencies, request: OffboardingRequest): Promise<OffboardOutcome> {
  const current = await deps.registry.get(providerIdOf(request.workspace, request.name));
  if (current === undefined) return { outcome: 'not-found' };
  if (current.status === 'DELETING') return continueOffboarding(deps, current);
  // An open External ID rotation owns the role's trust until it closes: refused rather than raced.
  if (current.rotationId !== undefined) return { outcome: 'busy', provider: current };
  if (isOffboardable(current.status)) return beginOffboarding(deps, current, request.force, [current.status]);
  return answerFor(current);
}
