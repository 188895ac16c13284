// The shape of the onboarding state machine's data, as the ASL passes it to every task:
// { execution: { arn, name }, state: <the accumulated state> }.
import type { AttachedPolicies, EnsuredRole } from '../adapters/role-provisioning.js';
import type { GrantResult } from '../adapters/management-access.js';
import { bootstrapRoleOf, type ProviderSpec } from '../domain/provider.js';
import type { VerificationResult } from '../adapters/verification.js';
import { logger } from './logger.js';

export interface ExecutionRef {
  arn: string;
  name: string;
}

/** What the state machine has accumulated so far; each task adds its result under its own key. */
export interface WorkflowState {
  provider: ProviderSpec;
  role?: EnsuredRole;
  policies?: AttachedPolicies;
  grant?: GrantResult;
  verification?: VerificationResult;
  /** Set by the Catch that sends a failed run to compensation. */
  error?: { Error?: string; Cause?: string };
  compensation?: { removed: string[] };
  compensationError?: { Error?: string; Cause?: string };
}

export interface WorkflowTaskEvent {
  execution: ExecutionRef;
  state: WorkflowState;
}

/** What every task of either workflow (onboarding, offboarding) receives: the execution and the provider. */
export interface ProviderTaskEvent {
  execution: ExecutionRef;
  state: { provider: ProviderSpec };
}

/** Tags every log line of this invocation with the provider and the execution. */
export function bindWorkflowLogContext(event: ProviderTaskEvent): void {
  logger.appendKeys({
    providerId: event.state.provider.providerId,
    accountId: event.state.provider.accountId,
    attempt: event.state.provider.attempt,
    executionArn: event.execution.arn,
  });
}

/** Where the provider's role lives and who owns what this run creates. */
export function roleTargetOf(event: ProviderTaskEvent, partition: string) {
  const { provider } = event.state;
  return {
    accountId: provider.accountId,
    partition,
    roleName: provider.roleName,
    rolePath: provider.rolePath,
    providerId: provider.providerId,
    executionName: event.execution.name,
  };
}

/** How a workflow step reaches the target account through its bootstrap role (the provider's, else the deployment's default). */
export function targetAccessOf(event: ProviderTaskEvent, partition: string, defaultBootstrapRoleName: string, step: string) {
  return {
    accountId: event.state.provider.accountId,
    partition,
    bootstrapRoleName: bootstrapRoleOf(event.state.provider, defaultBootstrapRoleName),
    rolePath: event.state.provider.rolePath,
    sessionName: `capa-onboarding-${step}-${event.state.provider.attempt}`,
  };
}

/** Steps after "Create Role In Target Account" rely on its result being in the state. */
export function requireRole(event: WorkflowTaskEvent): EnsuredRole {
  if (!event.state.role) throw new Error('The workflow state has no role: the role step did not run');
  return event.state.role;
}
