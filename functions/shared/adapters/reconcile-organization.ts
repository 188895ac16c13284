// The reconcile: lists the organization and the registry, onboards the ACTIVE members a missed
// new-account event left without a provider (through the trigger's own start path and provider
// name, so a late event and a reconcile land on the same provider), and ends the providers of
// accounts that were closed or left (through the departure event's own code path).
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { RECONCILIATION } from '../domain/account-departure.js';
import { placeAccount, rulesNeed, type AccountRules, type OrganizationalUnitFact, type Placement } from '../domain/account-rules.js';
import { accountProviderRequest } from '../domain/new-account.js';
import {
  MAX_DEPARTURES_PER_RUN,
  MAX_REPORTED_ERRORS,
  membersToRemember,
  planReconciliation,
  type AccountDepartureFinding,
  type CompletedReconciliation,
  type DepartureOutcome,
  type ReconcileError,
} from '../domain/reconciliation.js';
import { handleAccountDeparture, type DepartureDependencies } from './account-departures.js';
import { accountTags, describeOrganization, listAccounts, organizationalUnitsByAccount } from './organization-accounts.js';
import type { ReconcileRegistry } from './reconcile-registry.js';
import { startOnboarding, type OnboardingDependencies } from './start-onboarding.js';

export interface ReconcileDependencies {
  organizations: OrganizationsClient;
  registry: ReconcileRegistry;
  onboarding: OnboardingDependencies;
  departures: DepartureDependencies;
  /** The new-account rules, as the trigger reads them: the reconcile places an account exactly where its event would have. */
  placement: AccountRules;
  maxOnboardings: number;
  now?: () => Date;
}

interface OnboardingPass {
  started: string[];
  deferred: number;
  skippedByRules: number;
  errors: ReconcileError[];
}

function messageOf(error: unknown): string {
  const { name, message } = error as Error;
  return `${name}: ${message}`;
}

/**
 * Starts the candidates' onboardings in account order until maxOnboardings have started; the
 * rest wait for the next run. "in-progress" or "existing" means a new-account event got there
 * first (same provider): nothing more to do. One account's failure is reported, not thrown.
 */
async function onboardCandidates(deps: ReconcileDependencies, candidates: readonly string[]): Promise<OnboardingPass> {
  const pass: OnboardingPass = { started: [], deferred: 0, skippedByRules: 0, errors: [] };
  if (candidates.length === 0) return pass;
  const need = rulesNeed(deps.placement.rules);
  const units = need.organizationalUnits ? await organizationalUnitsByAccount(deps.organizations) : new Map<string, OrganizationalUnitFact[]>();
  for (const [index, accountId] of candidates.entries()) {
    if (pass.started.length >= deps.maxOnboardings) {
      pass.deferred = candidates.length - index;
      break;
    }
    let placed: Placement;
    try {
      const tags = need.tags ? await accountTags(deps.organizations, accountId) : {};
      // The reconcile reads the organization, so an account it finds is placed as an Organizations event would place it.
      placed = placeAccount(deps.placement, { accountId, source: 'organizations', organizationalUnits: units.get(accountId) ?? [], tags });
    } catch (error) {
      pass.errors.push({ accountId, step: 'placement', message: messageOf(error) });
      continue;
    }
    if (placed.action === 'skip') {
      pass.skippedByRules += 1;
      continue;
    }
    try {
      const result = await startOnboarding(deps.onboarding, accountProviderRequest(placed.workspace, accountId), {
        onboardDeleted: false,
        bootstrapRoleName: placed.bootstrapRoleName,
      });
      if (result.outcome === 'started') pass.started.push(accountId);
      // A provider of that name recorded for another account (a POST): the reconcile changes nothing.
      if (result.outcome === 'conflict') {
        pass.errors.push({ accountId, step: 'onboarding', message: `Provider ${result.provider.providerId} exists with a different spec; not changed` });
      }
    } catch (error) {
      pass.errors.push({ accountId, step: 'onboarding', message: messageOf(error) });
    }
  }
  return pass;
}

async function handleDepartures(
  deps: ReconcileDependencies,
  findings: readonly AccountDepartureFinding[],
  sweepId: string,
): Promise<{ outcomes: DepartureOutcome[]; errors: ReconcileError[] }> {
  const outcomes: DepartureOutcome[] = [];
  const errors: ReconcileError[] = [];
  for (const finding of findings.slice(0, MAX_DEPARTURES_PER_RUN)) {
    const eventTime = (deps.now ?? (() => new Date()))().toISOString();
    try {
      await handleAccountDeparture(deps.departures, {
        accountId: finding.accountId,
        eventName: RECONCILIATION,
        eventId: sweepId,
        eventTime,
        accountStatus: finding.accountStatus,
      });
      outcomes.push({ ...finding, outcome: 'handled' });
    } catch (error) {
      outcomes.push({ ...finding, outcome: 'error' });
      errors.push({ accountId: finding.accountId, step: 'departure', message: messageOf(error) });
    }
  }
  return { outcomes, errors };
}

/**
 * One reconcile. A listing or registry failure throws (nothing is decided on half a listing); a
 * failure for one account is in the summary's errors and is tried again next run.
 */
export async function reconcileOrganization(deps: ReconcileDependencies, sweepId: string): Promise<CompletedReconciliation> {
  const organization = await describeOrganization(deps.organizations);
  const accounts = await listAccounts(deps.organizations);
  const providers = await deps.registry.entries();
  const rememberedMembers = await deps.registry.rememberedMembers(organization.organizationId);
  const facts = { managementAccountId: organization.managementAccountId, accounts, providers, rememberedMembers };
  const plan = planReconciliation(facts);

  const onboarding = await onboardCandidates(deps, plan.candidates);
  const departures = await handleDepartures(deps, plan.departures, sweepId);
  const unfinished = [
    ...departures.outcomes.filter((outcome) => outcome.outcome === 'error').map((outcome) => outcome.accountId),
    ...plan.departures.slice(MAX_DEPARTURES_PER_RUN).map((finding) => finding.accountId),
  ];
  const listedAt = (deps.now ?? (() => new Date()))().toISOString();
  await deps.registry.rememberMembers(organization.organizationId, membersToRemember(facts, unfinished), listedAt);

  return {
    status: 'completed',
    organizationId: organization.organizationId,
    accountsSeen: accounts.length,
    activeAccounts: accounts.filter((account) => account.status === 'ACTIVE').length,
    alreadyOnboarded: plan.alreadyOnboarded,
    onboardingStarted: onboarding.started,
    onboardingDeferred: onboarding.deferred,
    maxOnboardings: deps.maxOnboardings,
    skippedByRules: onboarding.skippedByRules,
    tombstoned: new Set(plan.tombstoned.map((entry) => entry.accountId)).size,
    departures: departures.outcomes,
    departuresDeferred: Math.max(0, plan.departures.length - MAX_DEPARTURES_PER_RUN),
    errors: [...onboarding.errors, ...departures.errors].slice(0, MAX_REPORTED_ERRORS),
  };
}
