// The one way an onboarding starts, shared by the API and the new-account trigger: record the
// provider, then start its execution under a deterministic name. Both steps are idempotent, so a
// repeated or concurrent request lands on the same provider and the same execution.
import type { SFNClient } from '@aws-sdk/client-sfn';
import { generateExternalId } from '../domain/external-id.js';
import {
  deriveRoleName,
  executionArnOf,
  executionNameOf,
  IN_FLIGHT_STATUSES,
  isInFlight,
  leftoversBeingRemoved,
  providerIdOf,
  roleArnOf,
  workflowInputOf,
  isTerminal,
  type ProviderRecord,
  type ProviderStatus,
} from '../domain/provider.js';
import type { FieldIssue, ProviderRequest } from '../domain/provider-request.js';
import { executionStatus, startNamedExecution } from './executions.js';
import type { ProviderRegistry } from './registry.js';

export interface OnboardingSettings {
  stateMachineArn: string;
  partition: string;
  rolePath: string;
  roleNamePrefix: string;
}

export interface OnboardingDependencies {
  registry: ProviderRegistry;
  sfn: SFNClient;
  settings: OnboardingSettings;
  now?: () => Date;
}

export type StartOutcome =
  | { outcome: 'started' | 'in-progress' | 'existing'; provider: ProviderRecord }
  | {
      outcome: 'restarted';
      provider: ProviderRecord;
      /** Set when the previous attempt was in flight but its execution had ended without recording an outcome. */
      endedExecution?: { executionArn: string; status: string };
    }
  | { outcome: 'conflict'; provider: ProviderRecord; differences: FieldIssue[] }
  /** The provider is being offboarded: a new onboarding may start once it is DELETED. */
  | { outcome: 'deleting'; provider: ProviderRecord }
  /**
   * The provider is FAILED and execution-ended is still removing what its ended execution created:
   * the next attempt may start once that is done (seconds), or LEFTOVER_REMOVAL_WAIT_MS after it began.
   */
  | { outcome: 'removing-leftovers'; provider: ProviderRecord }
  /** The provider was offboarded and the caller asked not to onboard it again (see StartOptions). */
  | { outcome: 'deleted'; provider: ProviderRecord };

export interface StartOptions {
  /**
   * Whether a DELETED provider onboards afresh (default true: an API request says so). The
   * new-account trigger passes false: a replayed or later account event must not bring back a
   * provider someone deleted.
   */
  onboardDeleted?: boolean;
  /**
   * The bootstrap role a new provider's steps assume (the new-account trigger's, by event source).
   * Absent (the API): the deployment's default. An existing provider keeps the one it was recorded with.
   */
  bootstrapRoleName?: string;
}

/**
 * Fields of an existing provider that a new request for the same identity contradicts, named
 * without their stored values: a caller that may only create must not read another provider.
 */
function differencesFrom(existing: ProviderRecord, request: ProviderRequest, roleName: string): FieldIssue[] {
  const differs = (field: string): FieldIssue => ({ field, issue: 'differs from the existing provider' });
  const issues: FieldIssue[] = [];
  if (existing.accountId !== request.accountId) issues.push(differs('accountId'));
  if (existing.roleName !== roleName) issues.push(differs('roleName'));
  if (existing.trustEc2 !== (request.trustEc2 ?? true)) issues.push(differs('trustEc2'));
  // Only a supplied External ID can contradict; omitting it means "keep whatever the provider has".
  if (request.externalId !== undefined && request.externalId !== existing.externalId) issues.push(differs('externalId'));
  return issues;
}

/** Starts the record's onboarding execution (see startNamedExecution). */
async function startExecution(sfn: SFNClient, stateMachineArn: string, record: ProviderRecord): Promise<boolean> {
  return startNamedExecution(sfn, stateMachineArn, record.executionName, { provider: workflowInputOf(record) });
}

/**
 * The record of attempt `attempt` (1 for a new provider), derived from the request and the
 * deployment's settings.
 */
function newProviderRecord(
  settings: OnboardingSettings,
  request: ProviderRequest,
  roleName: string,
  now: Date,
  options: StartOptions,
  attempt = 1,
): ProviderRecord {
  const executionName = executionNameOf(request.workspace, request.name, attempt);
  return {
    providerId: providerIdOf(request.workspace, request.name),
    workspace: request.workspace,
    name: request.name,
    accountId: request.accountId,
    roleName,
    rolePath: settings.rolePath,
    roleArn: roleArnOf({ partition: settings.partition, accountId: request.accountId, rolePath: settings.rolePath, roleName }),
    trustEc2: request.trustEc2 ?? true,
    externalId: request.externalId ?? generateExternalId(),
    externalIdSource: request.externalId === undefined ? 'generated' : 'supplied',
    status: 'PENDING',
    attempt,
    executionName,
    executionArn: executionArnOf(settings.stateMachineArn, executionName),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ...(options.bootstrapRoleName !== undefined ? { bootstrapRoleName: options.bootstrapRoleName } : {}),
  };
}

/**
 * Starts the next attempt of a provider whose attempt is in one of `from` (FAILED, or in flight
 * with its execution ended), unless another request just did. A caller naming a bootstrap role
 * (a new-account event) restarts through it: in a Control Tower landing zone the Organizations
 * event comes first and fails for want of its role, and Control Tower's event retries with its own.
 */
async function restartAttempt(
  deps: OnboardingDependencies,
  current: ProviderRecord,
  now: Date,
  options: StartOptions,
  from: readonly ProviderStatus[] = ['FAILED'],
): Promise<{ outcome: 'restarted' | 'in-progress' | 'removing-leftovers'; provider: ProviderRecord }> {
  const { registry, sfn, settings } = deps;
  if (leftoversBeingRemoved(current, now)) return { outcome: 'removing-leftovers', provider: current };
  const attempt = current.attempt + 1;
  const executionName = executionNameOf(current.workspace, current.name, attempt);
  const next = {
    attempt,
    executionName,
    executionArn: executionArnOf(settings.stateMachineArn, executionName),
    updatedAt: now.toISOString(),
  };
  const changes = options.bootstrapRoleName !== undefined && options.bootstrapRoleName !== current.bootstrapRoleName ? { bootstrapRoleName: options.bootstrapRoleName } : {};
  if (await registry.restart(current.providerId, current.attempt, next, from, changes)) {
    const { reason: _reason, message: _message, leftoversPendingSince: _pending, ...previous } = current;
    const restarted: ProviderRecord = { ...previous, ...next, ...changes, status: 'PENDING' };
    await startExecution(sfn, settings.stateMachineArn, restarted);
    return { outcome: 'restarted', provider: restarted };
  }
  // Another request restarted it a moment ago (answer with what that request recorded), or
  // execution-ended recorded FAILED since the read and is removing the attempt's leftovers.
  const latest = await registry.get(current.providerId);
  if (latest !== undefined && leftoversBeingRemoved(latest, now)) return { outcome: 'removing-leftovers', provider: latest };
  return { outcome: 'in-progress', provider: latest ?? current };
}

/**
 * A provider whose attempt has not recorded an outcome. Its execution is re-sent, which starts it
 * if it was never started or was lost (a crash between the registry write and StartExecution).
 * An execution that has ended without recording an outcome (its status-change event lost) will
 * never record one: the next attempt starts, so no provider stays "in progress" with nothing running.
 */
async function continueInFlight(deps: OnboardingDependencies, current: ProviderRecord, now: Date, options: StartOptions): Promise<StartOutcome> {
  const { sfn, settings } = deps;
  if (await startExecution(sfn, settings.stateMachineArn, current)) return { outcome: 'in-progress', provider: current };
  const status = await executionStatus(sfn, current.executionArn);
  if (status === undefined || status === 'RUNNING') return { outcome: 'in-progress', provider: current };
  const result = await restartAttempt(deps, current, now, options, IN_FLIGHT_STATUSES);
  if (result.outcome !== 'restarted') return result;
  return { ...result, endedExecution: { executionArn: current.executionArn, status } };
}

/**
 * A DELETED provider onboards afresh: the request's spec (and a new External ID unless one is
 * supplied) at the next attempt, so execution names stay unique. The tombstone's executions and
 * events remain the audit trail.
 */
async function onboardAfresh(
  deps: OnboardingDependencies,
  tombstone: ProviderRecord,
  request: ProviderRequest,
  roleName: string,
  now: Date,
  options: StartOptions,
): Promise<StartOutcome> {
  const record = newProviderRecord(deps.settings, request, roleName, now, options, tombstone.attempt + 1);
  if (await deps.registry.replaceDeleted(tombstone.attempt, record)) {
    await startExecution(deps.sfn, deps.settings.stateMachineArn, record);
    return { outcome: 'started', provider: record };
  }
  // Another request onboarded it a moment ago: answer as for a request repeating that one.
  return startOnboarding(deps, request, options);
}

export async function startOnboarding(deps: OnboardingDependencies, request: ProviderRequest, options: StartOptions = {}): Promise<StartOutcome> {
  const { registry, sfn, settings } = deps;
  const now = (deps.now ?? (() => new Date()))();
  const providerId = providerIdOf(request.workspace, request.name);
  const roleName = request.roleName ?? deriveRoleName(settings.roleNamePrefix, request.workspace, request.name);

  // A new provider is the common case: its conditional write comes first, and the record is read
  // only when one exists already (a repeated request, a concurrent one, or a provider's later life).
  const record = newProviderRecord(settings, request, roleName, now, options);
  if (await registry.create(record)) {
    await startExecution(sfn, settings.stateMachineArn, record);
    return { outcome: 'started', provider: record };
  }
  const existing = await registry.get(providerId);
  if (!existing) throw new Error(`Provider ${providerId} vanished while being created`);

  // A provider offboarded (DELETED) or whose account left (ACCOUNT_REMOVED) onboards afresh.
  if (isTerminal(existing.status)) {
    if (options.onboardDeleted === false) return { outcome: 'deleted', provider: existing };
    return onboardAfresh(deps, existing, request, roleName, now, options);
  }
  if (existing.status === 'DELETING') return { outcome: 'deleting', provider: existing };

  const differences = differencesFrom(existing, request, roleName);
  if (differences.length > 0) return { outcome: 'conflict', provider: existing, differences };

  if (isInFlight(existing.status)) return continueInFlight(deps, existing, now, options);
  if (existing.status === 'FAILED') return restartAttempt(deps, existing, now, options);
  // A DEGRADED provider is repaired by the next attempt: the onboarding's idempotent steps restore
  // what drifted on the role they find (tagged with this provider), never creating a second one.
  if (existing.status === 'DEGRADED') return restartAttempt(deps, existing, now, options, ['DEGRADED']);
  const outcome = existing.status === 'READY' ? 'existing' : 'in-progress';
  return { outcome, provider: existing };
}
