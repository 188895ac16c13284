// The one way an onboarding starts, shared by the API and the new-account trigger: record the
// provider, then start its execution under a deterministic name. Both steps are idempotent, so a
// repeated or concurrent request lands on the same provider and the same execution.
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { generateExternalId } from '../domain/external-id.js';
import {
  deriveRoleName,
  executionArnOf,
  executionNameOf,
  providerIdOf,
  roleArnOf,
  workflowInputOf,
  type ProviderRecord,
} from '../domain/provider.js';
import type { FieldIssue, ProviderRequest } from '../domain/provider-request.js';
import { callAws } from './aws-errors.js';
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
  | { outcome: 'started' | 'in-progress' | 'restarted' | 'existing'; provider: ProviderRecord }
  | { outcome: 'conflict'; provider: ProviderRecord; differences: FieldIssue[] };

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

async function startExecution(sfn: SFNClient, stateMachineArn: string, record: ProviderRecord): Promise<void> {
  try {
    await callAws(`StartExecution ${record.executionName}`, () =>
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn,
          name: record.executionName,
          input: JSON.stringify({ provider: workflowInputOf(record) }),
        }),
      ),
    );
  } catch (error) {
    // The name is unique per attempt: "already exists" means this attempt is running or ran.
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
  }
}

/** The first attempt's record, derived from the request and the deployment's settings. */
function newProviderRecord(settings: OnboardingSettings, request: ProviderRequest, roleName: string, now: Date): ProviderRecord {
  const executionName = executionNameOf(request.workspace, request.name, 1);
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
    attempt: 1,
    executionName,
    executionArn: executionArnOf(settings.stateMachineArn, executionName),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

/** Starts the next attempt of a FAILED provider, unless another request just did. */
async function restartFailed(deps: OnboardingDependencies, failed: ProviderRecord, now: Date): Promise<StartOutcome> {
  const { registry, sfn, settings } = deps;
  const attempt = failed.attempt + 1;
  const executionName = executionNameOf(failed.workspace, failed.name, attempt);
  const next = {
    attempt,
    executionName,
    executionArn: executionArnOf(settings.stateMachineArn, executionName),
    updatedAt: now.toISOString(),
  };
  if (await registry.restart(failed.providerId, failed.attempt, next)) {
    const { reason: _reason, message: _message, ...previous } = failed;
    const restarted: ProviderRecord = { ...previous, ...next, status: 'PENDING' };
    await startExecution(sfn, settings.stateMachineArn, restarted);
    return { outcome: 'restarted', provider: restarted };
  }
  // Another request restarted it a moment ago: answer with what that request recorded.
  const current = await registry.get(failed.providerId);
  return { outcome: 'in-progress', provider: current ?? failed };
}

export async function startOnboarding(deps: OnboardingDependencies, request: ProviderRequest): Promise<StartOutcome> {
  const { registry, sfn, settings } = deps;
  const now = (deps.now ?? (() => new Date()))();
  const providerId = providerIdOf(request.workspace, request.name);
  const roleName = request.roleName ?? deriveRoleName(settings.roleNamePrefix, request.workspace, request.name);

  let existing = await registry.get(providerId);
  if (!existing) {
    const record = newProviderRecord(settings, request, roleName, now);
    if (await registry.create(record)) {
      await startExecution(sfn, settings.stateMachineArn, record);
      return { outcome: 'started', provider: record };
    }
    // A concurrent request created it first: answer as for a repeated request.
    existing = await registry.get(providerId);
    if (!existing) throw new Error(`Provider ${providerId} vanished while being created`);
  }

  const differences = differencesFrom(existing, request, roleName);
  if (differences.length > 0) return { outcome: 'conflict', provider: existing, differences };

  if (existing.status === 'PENDING') {
    // Covers a crash between recording the provider and starting its execution.
    await startExecution(sfn, settings.stateMachineArn, existing);
    return { outcome: 'in-progress', provider: existing };
  }
  if (existing.status === 'FAILED') return restartFailed(deps, existing, now);
  const outcome = existing.status === 'READY' ? 'existing' : 'in-progress';
  return { outcome, provider: existing };
}
