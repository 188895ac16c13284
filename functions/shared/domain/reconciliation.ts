// Reconciliation: the organization's accounts against the registry. It catches what a missed event
// left behind: an ACTIVE member with no provider (its new-account event was lost or failed), and a
// live provider whose account was closed or left (its departure event was lost). Pure: the
// adapter lists the accounts and the registry, this decides.
import { isTerminal, type ProviderStatus } from './provider.js';

/** An account as Organizations' ListAccounts returns it (Status: ACTIVE, SUSPENDED, PENDING_CLOSURE). */
export interface OrgAccount {
  accountId: string;
  status: string;
}

/** What the reconcile reads of each provider: a projection, never the External ID. */
export interface RegistryEntry {
  providerId: string;
  accountId: string;
  status: ProviderStatus;
}

/** Organizations' statuses of a closed account: it stays listed (90 days) while AWS closes it. */
export const CLOSED_ACCOUNT_STATUSES = ['SUSPENDED', 'PENDING_CLOSURE'] as const;

/** The account status a reconcile-found departure records: Organizations' own, or absent from the listing. */
export type DepartedAccountStatus = (typeof CLOSED_ACCOUNT_STATUSES)[number] | 'NOT_IN_ORGANIZATION';

export interface ReconcileFacts {
  /** The organization's management account: never a provider candidate (it is not a member). */
  managementAccountId: string;
  /** Every account ListAccounts returned, whatever its status. */
  accounts: readonly OrgAccount[];
  providers: readonly RegistryEntry[];
  /**
   * Accounts an earlier reconcile of the same organization listed. An account missing from the
   * listing is only treated as departed when it is here: the organization itself said it was a
   * member, so a provider onboarded through the API for an account outside the organization is
   * never touched.
   */
  rememberedMembers: readonly string[];
}

export interface AccountDepartureFinding {
  accountId: string;
  accountStatus: DepartedAccountStatus;
  /** Its providers that are not DELETED or ACCOUNT_REMOVED yet. */
  providerIds: string[];
}

/** A member the reconcile does not onboard again: an operator deleted its provider, or its account was removed once. */
export interface Tombstoned {
  accountId: string;
  providerId: string;
  status: ProviderStatus;
}

export interface ReconcilePlan {
  /** ACTIVE members with no provider at all, in account id order: the rules decide where each goes. */
  candidates: string[];
  /** ACTIVE members with a provider that is not a tombstone. */
  alreadyOnboarded: number;
  tombstoned: Tombstoned[];
  departures: AccountDepartureFinding[];
}

function byAccount(providers: readonly RegistryEntry[]): Map<string, RegistryEntry[]> {
  const grouped = new Map<string, RegistryEntry[]>();
  for (const provider of providers) grouped.set(provider.accountId, [...(grouped.get(provider.accountId) ?? []), provider]);
  return grouped;
}

/**
 * An ACTIVE member is onboarded when any provider of it is live (any workspace: a provider made
 * through the API counts). One whose providers are all tombstones is never onboarded again: a
 * DELETED provider was offboarded on purpose, and ACCOUNT_REMOVED ends a provider for good (an
 * account that rejoins is onboarded by a POST, as after a departure event).
 */
function classifyMembers(facts: ReconcileFacts, providers: Map<string, RegistryEntry[]>): Pick<ReconcilePlan, 'candidates' | 'alreadyOnboarded' | 'tombstoned'> {
  const candidates: string[] = [];
  const tombstoned: Tombstoned[] = [];
  let alreadyOnboarded = 0;
  for (const account of facts.accounts) {
    if (account.status !== 'ACTIVE' || account.accountId === facts.managementAccountId) continue;
    const own = providers.get(account.accountId) ?? [];
    if (own.length === 0) candidates.push(account.accountId);
    else if (own.some((provider) => !isTerminal(provider.status))) alreadyOnboarded += 1;
    else tombstoned.push(...own.map(({ providerId, status }) => ({ accountId: account.accountId, providerId, status })));
  }
  return { candidates: candidates.sort(), alreadyOnboarded, tombstoned };
}

/** Live providers of accounts Organizations lists as closed, or that a previous reconcile saw and that are gone now. */
function findDepartures(facts: ReconcileFacts, providers: Map<string, RegistryEntry[]>): AccountDepartureFinding[] {
  const listed = new Map(facts.accounts.map((account) => [account.accountId, account.status]));
  const remembered = new Set(facts.rememberedMembers);
  const departures: AccountDepartureFinding[] = [];
  for (const [accountId, own] of providers) {
    if (accountId === facts.managementAccountId) continue;
    const live = own.filter((provider) => !isTerminal(provider.status)).map((provider) => provider.providerId);
    if (live.length === 0) continue;
    const status = listed.get(accountId);
    const accountStatus: DepartedAccountStatus | undefined =
      status === undefined
        ? remembered.has(accountId)
          ? 'NOT_IN_ORGANIZATION'
          : undefined
        : (CLOSED_ACCOUNT_STATUSES as readonly string[]).includes(status)
          ? (status as DepartedAccountStatus)
          : undefined;
    if (accountStatus !== undefined) departures.push({ accountId, accountStatus, providerIds: live.sort() });
  }
  return departures.sort((a, b) => a.accountId.localeCompare(b.accountId));
}

export function planReconciliation(facts: ReconcileFacts): ReconcilePlan {
  const providers = byAccount(facts.providers);
  return { ...classifyMembers(facts, providers), departures: findDepartures(facts, providers) };
}

/**
 * The members the next reconcile remembers: every account listed now, plus the remembered ones
 * that left but whose departure did not finish (so the next run tries again).
 */
export function membersToRemember(facts: Pick<ReconcileFacts, 'accounts' | 'rememberedMembers'>, unfinishedDepartures: readonly string[]): string[] {
  const listed = new Set(facts.accounts.map((account) => account.accountId));
  const pending = unfinishedDepartures.filter((accountId) => !listed.has(accountId) && facts.rememberedMembers.includes(accountId));
  return [...new Set([...listed, ...pending])].sort();
}

/** A reconcile's result, as the sweep record keeps it and GET /fleet/sweeps/latest returns it. Never the External ID. */
export type ReconciliationSummary = CompletedReconciliation | { status: 'disabled' } | FailedReconciliation;

export interface CompletedReconciliation {
  status: 'completed';
  organizationId: string;
  /** Accounts ListAccounts returned (the management account and closed ones included). */
  accountsSeen: number;
  activeAccounts: number;
  /** ACTIVE members with a live provider (in any workspace). */
  alreadyOnboarded: number;
  /** Account ids whose onboarding this run started (at most maxOnboardings). */
  onboardingStarted: string[];
  /** Candidates left for the next run because maxOnboardings was reached. */
  onboardingDeferred: number;
  maxOnboardings: number;
  /** Candidates the rules say to skip. */
  skippedByRules: number;
  /** ACTIVE members not onboarded again because their providers are DELETED or ACCOUNT_REMOVED. */
  tombstoned: number;
  departures: DepartureOutcome[];
  /** Departures left for the next run (more than MAX_DEPARTURES_PER_RUN accounts left at once). */
  departuresDeferred: number;
  /** What failed for one account (at most MAX_REPORTED_ERRORS; the rest are in the function's log). */
  errors: ReconcileError[];
}

export interface DepartureOutcome extends AccountDepartureFinding {
  outcome: 'handled' | 'error';
}

/** The reconcile itself failed (a listing, the registry): the sweep went on without it. */
export interface FailedReconciliation {
  status: 'failed';
  error: string;
  cause: string;
}

/** Accounts whose departure one run handles; the rest wait for the next run (they are still found then). */
export const MAX_DEPARTURES_PER_RUN = 100;
export const MAX_REPORTED_ERRORS = 20;

export interface ReconcileError {
  accountId: string;
  step: 'placement' | 'onboarding' | 'departure';
  message: string;
}

/** The most characters of a failure's cause the summary keeps. */
const MAX_CAUSE = 500;

/**
 * What the sweep hands its Record step: the reconcile's own summary, or the error Step Functions
 * caught (`{ Error, Cause }`) when the reconcile failed past its retries. Undefined when no
 * reconcile ran (a sweep started from an older definition).
 */
export function reconciliationOf(value: unknown): ReconciliationSummary | undefined {
  if (value === undefined || value === null || typeof value !== 'object') return undefined;
  const caught = value as { Error?: unknown; Cause?: unknown; status?: unknown };
  if (typeof caught.Error === 'string') {
    return { status: 'failed', error: caught.Error, cause: String(caught.Cause ?? '').slice(0, MAX_CAUSE) };
  }
  return value as ReconciliationSummary;
}
