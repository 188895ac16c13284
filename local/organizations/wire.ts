// Organizations' JSON shapes: request members read from the body, and the Account and
// CreateAccountStatus objects the API answers.
import { invalidInput, type OrganizationsModel } from './model.js';
import type { CreateAccountStatusRecord, OrgAccountRecord, OrgTag } from './state.js';

/** JSON protocol timestamps are epoch seconds. */
function epochSeconds(ms: number): number {
  return ms / 1000;
}

export function accountJson(org: OrganizationsModel, account: OrgAccountRecord): Record<string, unknown> {
  return {
    Id: account.id,
    Arn: org.accountArn(account.id),
    Email: account.email,
    Name: account.name,
    Status: account.status,
    State: account.status,
    JoinedMethod: account.joinedMethod,
    JoinedTimestamp: epochSeconds(account.joinedTimestamp),
  };
}

export function statusJson(status: CreateAccountStatusRecord): Record<string, unknown> {
  return {
    Id: status.id,
    AccountName: status.accountName,
    State: status.state,
    RequestedTimestamp: epochSeconds(status.requestedTimestamp),
    ...(status.completedTimestamp !== undefined ? { CompletedTimestamp: epochSeconds(status.completedTimestamp) } : {}),
    ...(status.accountId !== undefined ? { AccountId: status.accountId } : {}),
    ...(status.failureReason !== undefined ? { FailureReason: status.failureReason } : {}),
  };
}

/** A required string member of the request body. */
export function field(params: Record<string, unknown>, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '') {
    throw invalidInput('INVALID_INPUT', `1 validation error detected: Value at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

/** A list of {Key, Value} tags from the request (absent: none). */
export function tagsParam(params: Record<string, unknown>, name = 'Tags'): OrgTag[] {
  const value = params[name];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidInput('INVALID_INPUT', `${name} must be a list of tags.`);
  return value.map((t: unknown) => {
    const tag = (t ?? {}) as Record<string, unknown>;
    if (typeof tag.Key !== 'string' || typeof tag.Value !== 'string') throw invalidInput('INVALID_INPUT', 'Each tag needs a Key and a Value.');
    return { Key: tag.Key, Value: tag.Value };
  });
}

