// The CloudTrail-style CreateAccountResult event that real Organizations sends to the default bus.
import { randomUUID } from 'node:crypto';
import type { CreateAccountStatusRecord } from './state.js';

/** The event as EventBridge receives it (the bus adds `id` and `version`). */
export interface OrganizationsEvent {
  source: string;
  'detail-type': string;
  detail: Record<string, unknown>;
  account: string;
  region: string;
  time: string;
  resources: string[];
}

export type EmitEvent = (event: OrganizationsEvent) => void | Promise<void>;

/** CloudTrail's serviceEventDetails timestamps: "Nov 20, 2026 9:12:31 AM" (UTC). */
function cloudTrailTimestamp(ms: number): string {
  const d = new Date(ms);
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const hours = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${month} ${d.getUTCDate()}, ${d.getUTCFullYear()} ${hours % 12 === 0 ? 12 : hours % 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${hours < 12 ? 'AM' : 'PM'}`;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function createAccountResultEvent(
  status: CreateAccountStatusRecord,
  completed: number,
  where: { managementAccountId: string; region: string },
): OrganizationsEvent {
  const time = isoSeconds(completed);
  return {
    source: 'aws.organizations',
    'detail-type': 'AWS Service Event via CloudTrail',
    account: where.managementAccountId,
    time,
    region: where.region,
    resources: [],
    detail: {
      eventVersion: '1.08',
      userIdentity: { accountId: where.managementAccountId, invokedBy: 'AWS Internal' },
      eventTime: time,
      eventSource: 'organizations.amazonaws.com',
      eventName: 'CreateAccountResult',
      awsRegion: where.region,
      sourceIPAddress: 'AWS Internal',
      userAgent: 'AWS Internal',
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsServiceEvent',
      serviceEventDetails: {
        createAccountStatus: {
          id: status.id,
          state: status.state,
          accountName: status.accountName,
          ...(status.accountId !== undefined ? { accountId: status.accountId } : {}),
          ...(status.failureReason !== undefined ? { failureReason: status.failureReason } : {}),
          requestedTimestamp: cloudTrailTimestamp(status.requestedTimestamp),
          completedTimestamp: cloudTrailTimestamp(completed),
        },
      },
    },
  };
}

/** Who made an API call, as CloudTrail's userIdentity names them. */
export interface ApiCaller {
  accountId: string;
  arn: string;
  accessKeyId: string;
  principalType: 'account-root' | 'user' | 'assumed-role';
}

const USER_IDENTITY_TYPES = { 'account-root': 'Root', user: 'IAMUser', 'assumed-role': 'AssumedRole' } as const;

/**
 * The "AWS API Call via CloudTrail" event of a successful Organizations call (CloseAccount,
 * RemoveAccountFromOrganization, LeaveOrganization): requestParameters as the caller sent them
 * (LeaveOrganization has none), recorded in the caller's account.
 */
export function apiCallEvent(
  call: { eventName: string; caller: ApiCaller; requestParameters: Record<string, unknown> | null },
  at: number,
  region: string,
): OrganizationsEvent {
  const time = isoSeconds(at);
  const { caller } = call;
  return {
    source: 'aws.organizations',
    'detail-type': 'AWS API Call via CloudTrail',
    account: caller.accountId,
    time,
    region,
    resources: [],
    detail: {
      eventVersion: '1.08',
      userIdentity: { type: USER_IDENTITY_TYPES[caller.principalType], arn: caller.arn, accountId: caller.accountId, accessKeyId: caller.accessKeyId },
      eventTime: time,
      eventSource: 'organizations.amazonaws.com',
      eventName: call.eventName,
      // Organizations is a global service: CloudTrail records its calls in us-east-1.
      awsRegion: region,
      sourceIPAddress: '127.0.0.1',
      userAgent: 'local-cloud',
      requestParameters: call.requestParameters,
      responseElements: null,
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: caller.accountId,
      eventCategory: 'Management',
    },
  };
}

/** Delivers an event without letting a failing subscriber fail the operation that emitted it. */
export function emitSafely(emit: EmitEvent, event: OrganizationsEvent): void {
  try {
    const result = emit(event);
    if (result instanceof Promise) result.catch(() => undefined);
  } catch {
    // Ignored for the same reason: the account exists either way.
  }
}
