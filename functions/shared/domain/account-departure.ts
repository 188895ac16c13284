// Accounts that leave the organization: Organizations' RemoveAccountFromOrganization,
// LeaveOrganization and CloseAccount calls, as EventBridge delivers them from CloudTrail
// ("AWS API Call via CloudTrail", source aws.organizations). The departed account is
// requestParameters.accountId for the management account's calls (Remove..., Close...), and the
// caller's own account for LeaveOrganization, which a member account calls without parameters.

export const DEPARTURE_EVENT_NAMES = ['RemoveAccountFromOrganization', 'LeaveOrganization', 'CloseAccount'] as const;
export type DepartureEventName = (typeof DEPARTURE_EVENT_NAMES)[number];

export const CLOUDTRAIL_API_CALL = { source: 'aws.organizations', detailType: 'AWS API Call via CloudTrail', eventSource: 'organizations.amazonaws.com' } as const;

/** The reason a departed provider records, and the reason of its "Provider Deleted" event. */
export const ACCOUNT_REMOVED_REASON = 'ACCOUNT_REMOVED';

/** The CloudTrail fields this product reads (the event carries many more). */
export interface AccountDepartureEvent {
  id?: string;
  source?: string;
  'detail-type'?: string;
  time?: string;
  detail?: {
    eventName?: string;
    eventID?: string;
    eventTime?: string;
    errorCode?: string;
    requestParameters?: { accountId?: unknown } | null;
    userIdentity?: { accountId?: unknown };
    recipientAccountId?: unknown;
  };
}

/** The eventName of a departure the scheduled reconcile found (no event reached us). */
export const RECONCILIATION = 'Reconciliation';

/** Which account left, through which call, and when: kept on each of its providers. */
export interface AccountDeparture {
  accountId: string;
  eventName: DepartureEventName | typeof RECONCILIATION;
  /** CloudTrail's eventID (the same in every delivery of one call), else EventBridge's id; the sweep's id for a reconcile. */
  eventId: string;
  eventTime: string;
  /** A reconcile's finding: Organizations' status of the account, or NOT_IN_ORGANIZATION. */
  accountStatus?: string;
}

const ACCOUNT_ID = /^\d{12}$/;

function isDepartureName(name: unknown): name is DepartureEventName {
  return (DEPARTURE_EVENT_NAMES as readonly unknown[]).includes(name);
}

function accountIdOf(value: unknown): string | undefined {
  return typeof value === 'string' && ACCOUNT_ID.test(value) ? value : undefined;
}

/** The departure an event announces, or undefined for anything else (a failed call, another call). */
export function accountDepartureOf(event: AccountDepartureEvent): AccountDeparture | undefined {
  const detail = event.detail;
  if (event.source !== CLOUDTRAIL_API_CALL.source || detail === undefined || !isDepartureName(detail.eventName)) return undefined;
  // A call that failed (AccountNotFoundException, ConstraintViolationException, ...) moved no account.
  if (detail.errorCode !== undefined) return undefined;
  const accountId =
    detail.eventName === 'LeaveOrganization'
      ? (accountIdOf(detail.userIdentity?.accountId) ?? accountIdOf(detail.recipientAccountId))
      : accountIdOf(detail.requestParameters?.accountId);
  const eventId = detail.eventID ?? event.id;
  if (accountId === undefined || eventId === undefined) return undefined;
  return { accountId, eventName: detail.eventName, eventId, eventTime: detail.eventTime ?? event.time ?? new Date(0).toISOString() };
}

/** What the provider's record says: why it ended, and that nothing inside the account was cleaned. */
export function accountRemovedMessage(departure: AccountDeparture, grantMode: 'path' | 'per-role'): string {
  const how = {
    RemoveAccountFromOrganization: 'was removed from the organization',
    LeaveOrganization: 'left the organization',
    CloseAccount: 'was closed',
    [RECONCILIATION]:
      departure.accountStatus === 'NOT_IN_ORGANIZATION'
        ? 'is no longer in the organization, as the reconcile found'
        : `was found ${departure.accountStatus ?? 'closed'} by the reconcile`,
  }[departure.eventName];
  // The grant lives in the management account, so it is the one thing that can still be removed.
  const grant =
    grantMode === 'per-role'
      ? ' The management role\'s grant for this provider\'s role is removed.'
      : ' The management role\'s path grant serves every provider and stays.';
  return (
    `Account ${departure.accountId} ${how} (${departure.eventName === RECONCILIATION ? departure.eventId : departure.eventName}, ${departure.eventTime}). ` +
    'Nothing inside the account was cleaned up: it can no longer be reached, so the role and its policies stay there.' +
    grant
  );
}
