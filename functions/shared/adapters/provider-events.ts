// Provider lifecycle events on the service's own bus. The External ID is never in an event.
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { TransientAwsError } from '../domain/errors.js';
import type { LeftInPlace, ProviderRecord } from '../domain/provider.js';
import { callAws, isTransientCode } from './aws-errors.js';

export type ProviderDetailType =
  | 'Provider Ready'
  | 'Provider Failed'
  | 'Provider Deleted'
  | 'Provider Degraded'
  | 'Provider Recovered'
  | 'Provider External ID Rotation Started'
  | 'Provider External ID Rotated';

export interface ProviderEventDetail {
  providerId: string;
  workspace: string;
  name: string;
  accountId: string;
  roleArn: string;
  status: string;
  reason: string | null;
  message: string | null;
  policyVersion: string | null;
  executionArn: string;
}

/**
 * Fields are copied one by one, never spread from the record, so the External ID (or any field
 * added to the record later) can only reach an event by being added here on purpose.
 */
export function providerEventDetail(record: ProviderRecord, executionArn: string): ProviderEventDetail {
  return {
    providerId: record.providerId,
    workspace: record.workspace,
    name: record.name,
    accountId: record.accountId,
    roleArn: record.roleArn,
    status: record.status,
    reason: record.reason ?? null,
    message: record.message ?? null,
    policyVersion: record.policyVersion ?? null,
    executionArn,
  };
}

/** "Provider Deleted": the provider's detail, when it was deleted, what was removed and what was left in place. */
export interface ProviderDeletedDetail extends ProviderEventDetail {
  deletedAt: string | null;
  removed: string[];
  leftInPlace: LeftInPlace[];
}

export function providerDeletedDetail(record: ProviderRecord, executionArn: string): ProviderDeletedDetail {
  return {
    ...providerEventDetail(record, executionArn),
    deletedAt: record.deletedAt ?? null,
    removed: [...(record.offboarding?.removed ?? [])],
    leftInPlace: (record.offboarding?.leftInPlace ?? []).map(({ resource, why }) => ({ resource, why })),
  };
}

export async function publishProviderEvent(
  client: EventBridgeClient,
  target: { busName: string; source: string },
  detailType: ProviderDetailType,
  detail: ProviderEventDetail,
): Promise<void> {
  await publishEvent(client, target, detailType, detail, [detail.roleArn]);
}

/** Puts one event on the service's bus; an entry EventBridge rejects fails the caller (transient ones are retried). */
export async function publishEvent(
  client: EventBridgeClient,
  target: { busName: string; source: string },
  detailType: string,
  detail: object,
  resources: string[],
): Promise<void> {
  const result = await callAws(`PutEvents "${detailType}"`, () =>
    client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: target.busName,
            Source: target.source,
            DetailType: detailType,
            Detail: JSON.stringify(detail),
            Resources: resources,
          },
        ],
      }),
    ),
  );
  // PutEvents reports per-entry failures in a 200 response; a lost event must fail the step, and
  // an entry throttled or failed inside EventBridge (ThrottlingException, InternalFailure) is retried.
  if ((result.FailedEntryCount ?? 0) > 0) {
    const entry = result.Entries?.[0];
    const message = `EventBridge rejected "${detailType}": ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim();
    throw isTransientCode(entry?.ErrorCode) ? new TransientAwsError(message) : new Error(message);
  }
}
