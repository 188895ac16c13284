// How a provider is shown to API callers: the registry record without internal bookkeeping.
import type { ProviderRecord } from './provider.js';

export interface ProviderView {
  providerId: string;
  workspace: string;
  name: string;
  accountId: string;
  roleName: string;
  roleArn: string;
  externalId: string;
  trustEc2: boolean;
  status: string;
  reason: string | null;
  message: string | null;
  policyVersion: string | null;
  attempt: number;
  executionArn: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * The portal registers the provider with roleArn and externalId, so both are part of the view.
 * Fields are copied one by one, like the event detail's, never spread from the record: a field
 * added to the record reaches callers only when it is added here on purpose.
 */
export function toProviderView(record: ProviderRecord): ProviderView {
  return {
    providerId: record.providerId,
    workspace: record.workspace,
    name: record.name,
    accountId: record.accountId,
    roleName: record.roleName,
    roleArn: record.roleArn,
    externalId: record.externalId,
    trustEc2: record.trustEc2,
    status: record.status,
    reason: record.reason ?? null,
    message: record.message ?? null,
    policyVersion: record.policyVersion ?? null,
    attempt: record.attempt,
    executionArn: record.executionArn,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
