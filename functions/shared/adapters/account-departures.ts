// An account left the organization (or was closed): each of its providers becomes ACCOUNT_REMOVED,
// the one thing still reachable (the per-role management grant, in the management account) is
// removed, a running execution of the provider is stopped, and "Provider Deleted" is announced.
// Every step is idempotent, so a retried or duplicated event finishes what an earlier one began.
import { ExecutionDoesNotExist, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import { ACCOUNT_REMOVED_REASON, accountRemovedMessage, type AccountDeparture } from '../domain/account-departure.js';
import type { ManagementGrantTarget } from '../domain/management-grant.js';
import { isTerminal, isUnsettled, roleArnOf, type ProviderRecord } from '../domain/provider.js';
import { callAws } from './aws-errors.js';
import { revokeManagementGrant } from './management-access.js';
import { providerDeletedDetail, publishProviderEvent, type ProviderDeletedDetail } from './provider-events.js';
import type { DepartureRegistry } from './registry-departures.js';

const UNREACHABLE = 'the account left the organization: nothing inside it can be reached';

/** Reads and conditional writes one provider may need when requests race the departure. */
const MAX_ROUNDS = 5;

export interface DepartureDependencies {
  registry: DepartureRegistry;
  sfn: SFNClient;
  managementIam: IAMClient;
  eventBridge: EventBridgeClient;
  bus: { busName: string; source: string };
  grant: ManagementGrantTarget;
  now?: () => Date;
}

/** What the departure did to one provider. */
export type ProviderDepartureOutcome = 'removed' | 'already-removed' | 'deleted-before' | 'moved-to-another-account' | 'gone';

export interface DepartureResult {
  providerId: string;
  outcome: ProviderDepartureOutcome;
  previousStatus?: string;
}

/** Marks every provider of the departed account; throws (for a retry) when any could not be finished. */
export async function handleAccountDeparture(deps: DepartureDependencies, departure: AccountDeparture): Promise<DepartureResult[]> {
  const providerIds = await deps.registry.providerIdsInAccount(departure.accountId);
  const results: DepartureResult[] = [];
  for (const providerId of providerIds) {
    results.push(await departProvider(deps, departure, providerId));
  }
  return results;
}

async function departProvider(deps: DepartureDependencies, departure: AccountDeparture, providerId: string): Promise<DepartureResult> {
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const current = await deps.registry.get(providerId);
    if (current === undefined) return { providerId, outcome: 'gone' };
    // The index is eventually consistent: a POST may have moved the provider to another account.
    if (current.accountId !== departure.accountId) return { providerId, outcome: 'moved-to-another-account' };
    if (current.status === 'ACCOUNT_REMOVED') {
      if (current.departure?.announcedAt !== undefined) return { providerId, outcome: 'already-removed' };
      await finishDeparture(deps, current);
      return { providerId, outcome: 'removed', previousStatus: current.departure?.previousStatus ?? 'ACCOUNT_REMOVED' };
    }
    if (isTerminal(current.status)) return { providerId, outcome: 'deleted-before', previousStatus: current.status };
    const removedAt = (deps.now ?? (() => new Date()))().toISOString();
    const removed = await deps.registry.markAccountRemoved(providerId, current.attempt, {
      reason: ACCOUNT_REMOVED_REASON,
      message: accountRemovedMessage(departure, deps.grant.mode),
      removedAt,
      departure: { ...departure, previousStatus: current.status },
    });
    if (removed !== undefined) {
      await finishDeparture(deps, removed);
      return { providerId, outcome: 'removed', previousStatus: current.status };
    }
    // A request moved the provider between the read and the write: read it again.
  }
  throw new Error(`Provider ${providerId} kept changing while its account departed; the event is retried`);
}

/** Stop, revoke, announce, then record the announcement: each step is safe to repeat. */
async function finishDeparture(deps: DepartureDependencies, record: ProviderRecord): Promise<void> {
  const departure = record.departure;
  if (departure === undefined) throw new Error(`Provider ${record.providerId} is ACCOUNT_REMOVED without its departure`);
  if (isUnsettled(departure.previousStatus)) await stopExecution(deps.sfn, record.executionArn);
  const roleArn = roleArnOf({ partition: deps.grant.partition, accountId: record.accountId, rolePath: record.rolePath, roleName: record.roleName });
  const revoked = await revokeManagementGrant(deps.managementIam, deps.grant, roleArn);
  const detail: ProviderDeletedDetail = {
    ...providerDeletedDetail(record, record.executionArn),
    deletedAt: record.removedAt ?? null,
    removed: revoked ? [`${deps.grant.managementRoleArn} grant for ${roleArn}`] : [],
    leftInPlace: [roleArn, ...(record.policyArns ?? [])].map((resource) => ({ resource, why: UNREACHABLE })),
  };
  await publishProviderEvent(deps.eventBridge, deps.bus, 'Provider Deleted', detail);
  await deps.registry.markDepartureAnnounced(record.providerId, record.attempt, (deps.now ?? (() => new Date()))().toISOString());
}

/**
 * Stops the provider's onboarding or offboarding execution: its steps could only fail against an
 * account we no longer reach. Its status-change event then finds the provider ACCOUNT_REMOVED at a
 * newer attempt, so execution-ended leaves it alone. Stopping an ended execution changes nothing.
 */
async function stopExecution(sfn: SFNClient, executionArn: string): Promise<void> {
  try {
    await callAws(`StopExecution ${executionArn}`, () =>
      sfn.send(new StopExecutionCommand({ executionArn, error: ACCOUNT_REMOVED_REASON, cause: 'The account left the organization' })),
    );
  } catch (error) {
    if (!(error instanceof ExecutionDoesNotExist)) throw error;
  }
}
