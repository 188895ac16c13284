// The provider registry (DynamoDB). Every write is conditional, so a retried or stale step can
// neither resurrect an old attempt nor overwrite a newer one. Throttling or a 5xx that outlives
// the SDK's retries is TransientAwsError, so the step that called is retried as a whole.
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { nameAfterPageToken, pageTokenOf } from '../domain/page-token.js';
import {
  providerIdOf,
  TERMINAL_STATUSES,
  LEFTOVER_REMOVAL_WAIT_MS,
  UNSETTLED_STATUSES,
  type OffboardingRecord,
  type ProviderRecord,
  type ProviderStatus,
} from '../domain/provider.js';
import { type StatusFilter } from '../domain/provider-filter.js';
import type { VerificationCheck } from '../domain/drift.js';
import { callAws } from './aws-errors.js';
import { SDK_CLIENT_OPTIONS, type SdkClientOptions } from './sdk-options.js';

export { InvalidPageToken } from '../domain/page-token.js';

/** The table's index (workspace, name), declared by the CDK registry construct from this name. */
export const WORKSPACE_INDEX = 'byWorkspace';

/** The index (accountId, providerId; keys only) that finds an account's providers when it leaves (registry-departures.ts). */
export const ACCOUNT_INDEX = 'byAccount';

export class StaleAttemptError extends Error {
  override readonly name = 'StaleAttemptError';
}

/** What a new attempt (onboarding or offboarding) records about its execution. */
export type AttemptStart = Pick<ProviderRecord, 'attempt' | 'executionName' | 'executionArn' | 'updatedAt'>;

/** Queries one page may take to fill itself when a filter drops items (see listByWorkspace). */
const MAX_QUERY_ROUNDS = 10;
const NO_FILTER: StatusFilter = { exclude: [] };

export interface ProviderPage {
  items: ProviderRecord[];
  nextToken?: string;
}

export class ProviderRegistry {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async get(providerId: string): Promise<ProviderRecord | undefined> {
    const result = await callAws(`GetItem ${providerId}`, () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { providerId }, ConsistentRead: true })),
    );
    return result.Item as ProviderRecord | undefined;
  }

  /** Stores a new provider; false when one with the same id already exists. */
  async create(record: ProviderRecord): Promise<boolean> {
    try {
      await callAws(`PutItem ${record.providerId}`, () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: record,
            ConditionExpression: 'attribute_not_exists(providerId)',
          }),
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Starts attempt `next.attempt` of a provider whose attempt `previousAttempt` is in one of
   * `from` (by default FAILED); false when another request got there first.
   */
  async restart(
    providerId: string,
    previousAttempt: number,
    next: AttemptStart,
    from: readonly ProviderStatus[] = ['FAILED'],
    /** Fields the new attempt changes besides the attempt itself (e.g. its bootstrap role). */
    changes: Partial<ProviderRecord> = {},
  ): Promise<boolean> {
    return this.startAttempt(providerId, previousAttempt, next, from, 'PENDING', changes);
  }

  /**
   * Starts offboarding attempt `next.attempt` (status DELETING) of a provider whose attempt
   * `previousAttempt` is in one of `from`; false when another request got there first. The attempt
   * is shared with onboarding, so a step still running for an older attempt can write nothing.
   */
  async beginOffboarding(
    providerId: string,
    previousAttempt: number,
    next: AttemptStart & { offboarding: OffboardingRecord },
    from: readonly ProviderStatus[],
  ): Promise<boolean> {
    return this.startAttempt(providerId, previousAttempt, next, from, 'DELETING', { offboarding: next.offboarding });
  }

  /**
   * Replaces a DELETED or ACCOUNT_REMOVED provider (attempt `previousAttempt`) with `next`, its
   * fresh onboarding; false when the tombstone has moved on (another request onboarded it first).
   */
  async replaceDeleted(previousAttempt: number, next: ProviderRecord): Promise<boolean> {
    const terminal = statusValues(TERMINAL_STATUSES, 't');
    try {
      await callAws(`PutItem ${next.providerId} (after ${TERMINAL_STATUSES.join(' or ')})`, () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: next,
            ConditionExpression: `attempt = :previous AND #status IN (${Object.keys(terminal).join(', ')})`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':previous': previousAttempt, ...terminal },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async startAttempt(
    providerId: string,
    previousAttempt: number,
    next: AttemptStart,
    from: readonly ProviderStatus[],
    status: 'PENDING' | 'DELETING',
    extra: Partial<ProviderRecord> = {},
  ): Promise<boolean> {
    const expected = statusValues(from);
    const extraNames = Object.keys(extra);
    try {
      await callAws(`UpdateItem ${providerId} (${status === 'PENDING' ? 'restart' : 'offboard'})`, () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { providerId },
            UpdateExpression: [
              'SET #status = :next, attempt = :attempt, executionName = :executionName, executionArn = :executionArn, updatedAt = :updatedAt',
              ...extraNames.map((name, index) => `, #x${index} = :x${index}`),
              ' REMOVE reason, message, leftoversPendingSince',
            ].join(''),
            // An offboarding never starts under an open External ID rotation (it owns the trust until it
            // closes). An onboarding attempt waits (bounded) for the previous one's leftovers to be
            // removed: it would adopt a role that removal then deletes. An offboarding removes them too.
            ConditionExpression:
              `attempt = :previous AND #status IN (${Object.keys(expected).join(', ')})` +
              (status === 'DELETING'
                ? ' AND attribute_not_exists(rotationId)'
                : ' AND (attribute_not_exists(leftoversPendingSince) OR leftoversPendingSince < :leftoversCutoff)'),
            ExpressionAttributeNames: { '#status': 'status', ...Object.fromEntries(extraNames.map((name, index) => [`#x${index}`, name])) },
            ExpressionAttributeValues: {
              ':next': status,
              ':previous': previousAttempt,
              ':attempt': next.attempt,
              ':executionName': next.executionName,
              ':executionArn': next.executionArn,
              ':updatedAt': next.updatedAt,
              ...(status === 'PENDING' ? { ':leftoversCutoff': new Date(Date.parse(next.updatedAt) - LEFTOVER_REMOVAL_WAIT_MS).toISOString() } : {}),
              ...Object.fromEntries(extraNames.map((name, index) => [`:x${index}`, extra[name as keyof ProviderRecord]])),
              ...expected,
            },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Moves attempt `attempt` to `status` with extra attributes and returns the whole record.
   * FAILED is final for its attempt: only the workflow's own Record step writes FAILED again (a
   * retried step); nothing else moves a FAILED attempt, so a step still running when its execution
   * was stopped cannot record READY over a provider whose role was removed. Throws
   * StaleAttemptError when the provider has moved on to another attempt or its attempt FAILED.
   */
  async transition(
    providerId: string,
    attempt: number,
    status: ProviderStatus,
    attributes: Partial<ProviderRecord> = {},
    now: Date = new Date(),
  ): Promise<ProviderRecord> {
    const guard = status === 'FAILED' ? undefined : { notIn: ['FAILED'] as const };
    const updated = await this.update(providerId, attempt, guard, { ...attributes, status }, now);
    if (!updated) throw new StaleAttemptError(`Provider ${providerId} is no longer on attempt ${attempt}, or that attempt has FAILED`);
    return updated;
  }

  /**
   * Records FAILED for attempt `attempt` only while a run owns it (onboarding in flight, or
   * DELETING), so an outcome the workflow recorded wins. Undefined when the attempt has moved on
   * or has an outcome already.
   */
  async failInFlight(
    providerId: string,
    attempt: number,
    failure: Pick<ProviderRecord, 'reason' | 'message'>,
    now: Date = new Date(),
  ): Promise<ProviderRecord | undefined> {
    return this.update(providerId, attempt, { in: UNSETTLED_STATUSES }, { ...failure, status: 'FAILED', leftoversPendingSince: now.toISOString() }, now);
  }

  /**
   * Marks the removal of FAILED attempt `attempt`'s leftovers done, so its next attempt may start.
   * Nothing to do once the provider moved on to another attempt (which cleared the mark).
   */
  async leftoversRemoved(providerId: string, attempt: number): Promise<void> {
    try {
      await callAws(`UpdateItem ${providerId} (leftovers removed)`, () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { providerId },
            UpdateExpression: 'REMOVE leftoversPendingSince',
            ConditionExpression: 'attempt = :attempt',
            ExpressionAttributeValues: { ':attempt': attempt },
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Stores a re-verification's result on attempt `attempt`, moving it to `result.status` (READY or
   * DEGRADED, with its reason, or without one), only while the provider is still in `previous`
   * (the status the checks started from) or already in the result's status (a retried step): an
   * onboarding, a repair or an offboarding that started meanwhile wins. Undefined when it moved on.
   */
  async recordVerification(
    providerId: string,
    attempt: number,
    previous: ProviderStatus,
    result: { status: 'READY' | 'DEGRADED'; reason?: string; message?: string; checks: VerificationCheck[]; lastVerifiedAt: string },
    now: Date = new Date(),
  ): Promise<ProviderRecord | undefined> {
    const guard = statusConditionOf({ in: [previous, result.status] });
    const degraded = result.reason !== undefined;
    try {
      const answer = await callAws(`UpdateItem ${providerId} (verification ${result.status})`, () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { providerId },
            UpdateExpression:
              'SET #current = :status, checks = :checks, lastVerifiedAt = :verifiedAt, updatedAt = :updatedAt' +
              (degraded ? ', reason = :reason, message = :message' : ' REMOVE reason, message'),
            ConditionExpression: `attempt = :attempt AND ${guard.expression}`,
            ExpressionAttributeNames: { '#current': 'status' },
            ExpressionAttributeValues: {
              ':status': result.status,
              ':checks': result.checks,
              ':verifiedAt': result.lastVerifiedAt,
              ':updatedAt': now.toISOString(),
              ':attempt': attempt,
              ...(degraded ? { ':reason': result.reason, ':message': result.message ?? '' } : {}),
              ...guard.values,
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return answer.Attributes as ProviderRecord;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Sets `attributes` on attempt `attempt` if its status passes `guard`; undefined otherwise. */
  private async update(
    providerId: string,
    attempt: number,
    guard: StatusGuard | undefined,
    attributes: Partial<ProviderRecord>,
    now: Date,
  ): Promise<ProviderRecord | undefined> {
    const values: Record<string, unknown> = { ...attributes, updatedAt: now.toISOString() };
    const names: Record<string, string> = {};
    const assignments = Object.entries(values)
      .filter(([, value]) => value !== undefined)
      .map(([key], index) => {
        names[`#a${index}`] = key;
        return `#a${index} = :a${index}`;
      });
    const expressionValues = Object.fromEntries(
      Object.entries(values)
        .filter(([, value]) => value !== undefined)
        .map(([, value], index) => [`:a${index}`, value]),
    );
    const statusCondition = guard !== undefined ? statusConditionOf(guard) : undefined;
    try {
      const result = await callAws(`UpdateItem ${providerId} (${String(attributes.status)})`, () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { providerId },
            UpdateExpression: `SET ${assignments.join(', ')}`,
            ConditionExpression: statusCondition ? `attempt = :attempt AND ${statusCondition.expression}` : 'attempt = :attempt',
            ExpressionAttributeNames: { ...names, ...(statusCondition ? { '#current': 'status' } : {}) },
            ExpressionAttributeValues: { ...expressionValues, ...statusCondition?.values, ':attempt': attempt },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return result.Attributes as ProviderRecord;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * One page of a workspace's providers, ordered by name, holding only those `filter` lets
   * through. `nextToken` must come from a page of the same workspace (InvalidPageToken otherwise):
   * see domain/page-token.ts. DynamoDB applies a filter after `Limit`, so a filtered page is
   * topped up from the next items, for at most MAX_QUERY_ROUNDS queries: a page may then hold
   * fewer than `limit` items (even none) with a nextToken, which is where the next page starts.
   */
  async listByWorkspace(workspace: string, limit: number, nextToken?: string, filter: StatusFilter = NO_FILTER): Promise<ProviderPage> {
    let after = nextToken === undefined ? undefined : nameAfterPageToken(nextToken, workspace);
    const items: ProviderRecord[] = [];
    for (let round = 0; round < MAX_QUERY_ROUNDS; round += 1) {
      const page = await this.queryWorkspace(workspace, limit, after, filter);
      items.push(...page.items);
      if (items.length >= limit) {
        const kept = items.slice(0, limit);
        const more = items.length > limit || page.lastName !== undefined;
        // A token is a position in name order, so a page cut short of its last query still continues exactly.
        return { items: kept, nextToken: more ? pageTokenOf(workspace, kept[kept.length - 1]!.name) : undefined };
      }
      if (page.lastName === undefined) return { items, nextToken: undefined };
      after = page.lastName;
    }
    return { items, nextToken: pageTokenOf(workspace, after!) };
  }

  private async queryWorkspace(
    workspace: string,
    limit: number,
    after: string | undefined,
    filter: StatusFilter,
  ): Promise<{ items: ProviderRecord[]; lastName?: string }> {
    const condition = filterExpressionOf(filter);
    const result = await callAws(`Query ${WORKSPACE_INDEX} ${workspace}`, () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: WORKSPACE_INDEX,
          KeyConditionExpression: 'workspace = :workspace',
          ...(condition && { FilterExpression: condition.expression, ExpressionAttributeNames: { '#current': 'status' } }),
          ExpressionAttributeValues: { ':workspace': workspace, ...condition?.values },
          Limit: limit,
          // The start key is rebuilt from the query and a validated name, never taken from the client.
          ExclusiveStartKey: after === undefined ? undefined : { providerId: providerIdOf(workspace, after), workspace, name: after },
        }),
      ),
    );
    const lastName = result.LastEvaluatedKey?.name;
    return { items: (result.Items ?? []) as ProviderRecord[], ...(typeof lastName === 'string' && { lastName }) };
  }
}

/** The registry over `tableName`, with the shared SDK options unless a function needs its own. */
export function providerRegistry(tableName: string, sdkOptions: SdkClientOptions = SDK_CLIENT_OPTIONS): ProviderRegistry {
  return new ProviderRegistry(DynamoDBDocumentClient.from(new DynamoDBClient(sdkOptions)), tableName);
}

/** `{ ':s0': 'PENDING', ... }`: the values of a `status IN (...)` condition, each status once. */
export function statusValues(statuses: readonly ProviderStatus[], prefix = 's'): Record<string, ProviderStatus> {
  return Object.fromEntries([...new Set(statuses)].map((status, index) => [`:${prefix}${index}`, status]));
}

/** `#current IN (...) AND NOT #current IN (...)`, or nothing when the filter lets everything through. */
function filterExpressionOf(filter: StatusFilter): { expression: string; values: Record<string, ProviderStatus> } | undefined {
  const conditions = [
    ...(filter.only !== undefined ? [statusConditionOf({ in: filter.only }, 'only')] : []),
    ...(filter.exclude.length > 0 ? [statusConditionOf({ notIn: filter.exclude }, 'hidden')] : []),
  ];
  if (conditions.length === 0) return undefined;
  return {
    expression: conditions.map((condition) => condition.expression).join(' AND '),
    values: Object.assign({}, ...conditions.map((condition) => condition.values)),
  };
}

/** Which statuses an update may find the attempt in. */
type StatusGuard = { in: readonly ProviderStatus[] } | { notIn: readonly ProviderStatus[] };

/** The guard as a condition on `#current` (the status attribute). */
function statusConditionOf(guard: StatusGuard, prefix = 's'): { expression: string; values: Record<string, ProviderStatus> } {
  const statuses = 'in' in guard ? guard.in : guard.notIn;
  const values = statusValues(statuses, prefix);
  const list = `#current IN (${Object.keys(values).join(', ')})`;
  return { expression: 'in' in guard ? list : `NOT ${list}`, values };
}
