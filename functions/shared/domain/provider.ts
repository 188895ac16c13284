// The provider contract: identity, records, and the names derived from them.
import { createHash } from 'node:crypto';
import type { AccountDeparture } from './account-departure.js';
import type { PolicyUpgradeRecord } from './policy-upgrade.js';
import type { VerificationCheck } from './drift.js';
import type { RotationFields } from './rotation.js';

/** Workspaces and provider names: lower-case DNS labels. */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const PROVIDER_STATUSES = ['PENDING', 'CREATING', 'VERIFYING', 'READY', 'FAILED', 'DELETING', 'DELETED', 'DEGRADED', 'ACCOUNT_REMOVED'] as const;
export type ProviderStatus = (typeof PROVIDER_STATUSES)[number];

/** Statuses of an attempt whose execution has not recorded an outcome yet. */
export const IN_FLIGHT_STATUSES = ['PENDING', 'CREATING', 'VERIFYING'] as const satisfies readonly ProviderStatus[];

export function isInFlight(status: ProviderStatus): boolean {
  return (IN_FLIGHT_STATUSES as readonly ProviderStatus[]).includes(status);
}

/** Statuses a provider can be offboarded from: its last run recorded an outcome. */
export const OFFBOARDABLE_STATUSES = ['READY', 'DEGRADED', 'FAILED'] as const satisfies readonly ProviderStatus[];

export function isOffboardable(status: ProviderStatus): boolean {
  return (OFFBOARDABLE_STATUSES as readonly ProviderStatus[]).includes(status);
}

/** Statuses owned by a running execution, onboarding or offboarding: what must converge when it ends. */
export const UNSETTLED_STATUSES = [...IN_FLIGHT_STATUSES, 'DELETING'] as const satisfies readonly ProviderStatus[];

export function isUnsettled(status: ProviderStatus): boolean {
  return (UNSETTLED_STATUSES as readonly ProviderStatus[]).includes(status);
}

/**
 * workspace and name are DNS labels, which never contain a dot, so "<workspace>.<name>" is
 * unambiguous, readable in URLs and logs, and the same for every retry of the same request.
 */
export function providerIdOf(workspace: string, name: string): string {
  return `${workspace}.${name}`;
}

export function parseProviderId(providerId: string): { workspace: string; name: string } | undefined {
  const [workspace, name, ...rest] = providerId.split('.');
  if (!workspace || !name || rest.length > 0 || !DNS_LABEL.test(workspace) || !DNS_LABEL.test(name)) return undefined;
  return { workspace, name };
}

function shortHash(value: string, length: number): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}

/** `<prefix><workspace>-<name>`, shortened with a hash suffix to stay within IAM's 64 characters. */
export function deriveRoleName(prefix: string, workspace: string, name: string): string {
  const full = `${prefix}${workspace}-${name}`;
  if (full.length <= 64) return full;
  const suffix = `-${shortHash(full, 8)}`;
  return `${full.slice(0, 64 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/**
 * Step Functions names allow 80 characters of [A-Za-z0-9-_]. "<workspace>_<name>_<attempt>" lets an
 * operator list a provider's runs by prefix; long identities keep a readable head plus a hash.
 */
export function executionNameOf(workspace: string, name: string, attempt: number | string): string {
  const tail = `_${attempt}`;
  const head = `${workspace}_${name}`;
  if (head.length + tail.length <= 80) return `${head}${tail}`;
  const hash = `-${shortHash(head, 10)}`;
  return `${head.slice(0, 80 - tail.length - hash.length)}${hash}${tail}`;
}

/** The ARN Step Functions gives an execution of `stateMachineArn` named `executionName`. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
}

export function partitionOf(arn: string): string {
  return arn.split(':')[1] ?? 'aws';
}

/** Where a provider's IAM entities live: its account, and the product's path in it. */
export interface IamLocation {
  partition: string;
  accountId: string;
  rolePath: string;
}

export function roleArnOf(location: IamLocation & { roleName: string }): string {
  return `arn:${location.partition}:iam::${location.accountId}:role${location.rolePath}${location.roleName}`;
}

/** The product's managed policies share the roles' path. */
export function managedPolicyArnOf(location: IamLocation, policyName: string): string {
  return `arn:${location.partition}:iam::${location.accountId}:policy${location.rolePath}${policyName}`;
}

/** Everything the workflow needs about a provider, except the External ID (kept out of execution history). */
export interface ProviderSpec {
  providerId: string;
  workspace: string;
  name: string;
  accountId: string;
  roleName: string;
  rolePath: string;
  trustEc2: boolean;
  attempt: number;
  /**
   * The role every step assumes in the account, chosen when the provider was created (the
   * trigger source's; the API uses the deployment's default). Absent on providers recorded
   * before it was recorded: they use the deployment's default, as they always did.
   */
  bootstrapRoleName?: string;
}

/** The bootstrap role to assume for a provider: its recorded one, else the deployment's default. */
export function bootstrapRoleOf(provider: Pick<ProviderSpec, 'bootstrapRoleName'>, deploymentDefault: string): string {
  return provider.bootstrapRoleName ?? deploymentDefault;
}

/** Something the offboarding did not remove, and why (a foreign owner, an unreachable account, ...). */
export interface LeftInPlace {
  /** The ARN, or the name when the ARN is unknown. */
  resource: string;
  why: string;
}

/** The last offboarding of a provider: how it was asked for, and, once it ran, what it did. */
export interface OffboardingRecord {
  /** `?force=true`: the provider leaves the registry even when its account cannot be reached. */
  force: boolean;
  removed?: string[];
  leftInPlace?: LeftInPlace[];
}

/** The provider as stored in the registry and returned by the API. */
export interface ProviderRecord extends ProviderSpec, RotationFields {
  externalId: string;
  externalIdSource: 'supplied' | 'generated';
  status: ProviderStatus;
  roleArn: string;
  executionName: string;
  executionArn: string;
  reason?: string;
  message?: string;
  policyVersion?: string;
  policyArns?: string[];
  /** The last CAPA policy rollout that moved this provider to a new policyVersion. */
  lastPolicyUpgrade?: PolicyUpgradeRecord;
  createdAt: string;
  updatedAt: string;
  readyAt?: string;
  /** The last re-verification (POST …/verifications): when it ran and each check's result. */
  lastVerifiedAt?: string;
  checks?: VerificationCheck[];
  /** Set with status DELETED: the provider is a tombstone, kept for audit. */
  deletedAt?: string;
  offboarding?: OffboardingRecord;
  /** Set with status ACCOUNT_REMOVED: the account left the organization or was closed. */
  removedAt?: string;
  departure?: DepartureRecord;
  /**
   * Set with FAILED by execution-ended, while it removes what the ended execution created; removed
   * once that is done. The next attempt waits for it (see leftoversBeingRemoved).
   */
  leftoversPendingSince?: string;
}

/**
 * How long a FAILED provider's next onboarding attempt waits for execution-ended to remove what
 * the ended execution created. Past it (execution-ended failed past its retries, the event is in
 * its dead-letter queue), the next attempt starts anyway and adopts what is left, as a restart does.
 */
export const LEFTOVER_REMOVAL_WAIT_MS = 10 * 60_000;

/**
 * Whether execution-ended is still removing what the provider's ended execution created. A new
 * attempt started meanwhile would adopt a role or policy that removal then deletes under it.
 */
export function leftoversBeingRemoved(record: Pick<ProviderRecord, 'status' | 'leftoversPendingSince'>, now: Date): boolean {
  if (record.status !== 'FAILED' || record.leftoversPendingSince === undefined) return false;
  return now.getTime() - Date.parse(record.leftoversPendingSince) < LEFTOVER_REMOVAL_WAIT_MS;
}

/** How the provider's account left, and whether "Provider Deleted" was announced for it. */
export interface DepartureRecord extends AccountDeparture {
  /** The status the provider was in when its account left. */
  previousStatus: ProviderStatus;
  /** Set once the event is on the bus: a later delivery of any departure event then does nothing. */
  announcedAt?: string;
}

/** Statuses that end a provider for good: only a new onboarding (POST) replaces them. */
export const TERMINAL_STATUSES = ['DELETED', 'ACCOUNT_REMOVED'] as const satisfies readonly ProviderStatus[];

export function isTerminal(status: ProviderStatus): boolean {
  return (TERMINAL_STATUSES as readonly ProviderStatus[]).includes(status);
}

/** The state machine's input: derived only from the record, so re-sending it is byte-identical. */
export function workflowInputOf(record: ProviderRecord): ProviderSpec {
  return {
    providerId: record.providerId,
    workspace: record.workspace,
    name: record.name,
    accountId: record.accountId,
    roleName: record.roleName,
    rolePath: record.rolePath,
    trustEc2: record.trustEc2,
    attempt: record.attempt,
    // Only when recorded, so an older provider's input stays byte-identical.
    ...(record.bootstrapRoleName !== undefined ? { bootstrapRoleName: record.bootstrapRoleName } : {}),
  };
}

/** The offboarding state machine's input: derived only from the record, so re-sending it is byte-identical. */
export interface OffboardingInput {
  provider: ProviderSpec;
  force: boolean;
}

export function offboardingInputOf(record: ProviderRecord): OffboardingInput {
  return { provider: workflowInputOf(record), force: record.offboarding?.force ?? false };
}
