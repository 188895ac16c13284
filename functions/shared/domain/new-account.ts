// Reading new-account events from AWS Organizations and AWS Control Tower (CloudTrail service events).
import type { OrganizationalUnitFact, TriggerSource } from './account-rules.js';
import type { ProviderRequest } from './provider-request.js';

interface AccountStatus {
  state?: string;
  accountId?: string;
  accountName?: string;
  account?: { accountId?: string; accountName?: string };
  /** Control Tower names the OU it enrolled the account in. */
  organizationalUnit?: { organizationalUnitId?: string; organizationalUnitName?: string };
}

export interface NewAccountEvent {
  id?: string;
  source?: string;
  'detail-type'?: string;
  detail?: {
    eventName?: string;
    serviceEventDetails?: {
      createAccountStatus?: AccountStatus;
      createManagedAccountStatus?: AccountStatus;
      updateManagedAccountStatus?: AccountStatus;
    };
  };
}

export interface NewAccount {
  request: ProviderRequest;
  accountName?: string;
  trigger: string;
  source: TriggerSource;
  /** The OU holding the account, when the event names it (Control Tower does). */
  organizationalUnit?: OrganizationalUnitFact;
}

const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;

function organizationalUnitOf(status: AccountStatus): OrganizationalUnitFact | undefined {
  const unit = status.organizationalUnit;
  if (unit?.organizationalUnitId === undefined || !OU_ID.test(unit.organizationalUnitId)) return undefined;
  return { id: unit.organizationalUnitId, name: unit.organizationalUnitName ?? '' };
}

/**
 * The provider request for the account an event announces, or undefined when the event names no
 * successfully created account. The provider is named after the account id, which never changes,
 * so a Create and a later Update event for the same account land on the same provider.
 */
export function newAccountOf(event: NewAccountEvent, workspace: string): NewAccount | undefined {
  const details = event.detail?.serviceEventDetails;
  const status = details?.createAccountStatus ?? details?.createManagedAccountStatus ?? details?.updateManagedAccountStatus;
  if (!status || status.state !== 'SUCCEEDED') return undefined;
  const accountId = status.accountId ?? status.account?.accountId;
  if (!accountId || !/^\d{12}$/.test(accountId)) return undefined;
  const organizationalUnit = organizationalUnitOf(status);
  return {
    request: accountProviderRequest(workspace, accountId),
    accountName: status.accountName ?? status.account?.accountName,
    trigger: `${event.source ?? 'unknown'}:${event.detail?.eventName ?? 'unknown'}`,
    source: event.source === 'aws.controltower' ? 'controltower' : 'organizations',
    ...(organizationalUnit !== undefined ? { organizationalUnit } : {}),
  };
}

/**
 * The provider an account event (or the reconcile) onboards: named after the account id, so every
 * path that onboards an account lands on the same provider and never makes two.
 */
export function accountProviderRequest(workspace: string, accountId: string): ProviderRequest {
  return { workspace, name: `aws-${accountId}`, accountId };
}
