// Policy rollouts in the registry table: one item per rollout (its counters moved by atomic ADDs, so
// progress is readable while it runs) and a pointer to the latest one, which a second start reads.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  LATEST_ROLLOUT_KEY,
  MAX_LISTED_FAILURES,
  rolloutKey,
  type FailureTolerance,
  type HaltReason,
  type RolloutCounts,
  type RolloutFailure,
  type RolloutRecord,
  type RolloutStatus,
} from '../domain/policy-rollout.js';
import { callAws } from './aws-errors.js';
import { SDK_CLIENT_OPTIONS } from './sdk-options.js';

/** The latest rollout's pointer: enough to answer a second start without reading the rollout. */
export interface LatestRollout {
  rolloutId: string;
  policyVersion: string;
  rolloutStatus: RolloutStatus;
  executionArn: string;
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string }).name === 'ConditionalCheckFailedException';
}

function withoutKey(item: Record<string, unknown>): RolloutRecord {
  const { providerId: _key, ...record } = item;
  return record as unknown as RolloutRecord;
}

export class RolloutRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(rolloutId: string): Promise<RolloutRecord | undefined> {
    const result = await callAws(`GetItem rollout ${rolloutId}`, () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { providerId: rolloutKey(rolloutId) }, ConsistentRead: true })),
    );
    return result.Item ? withoutKey(result.Item) : undefined;
  }

  async latest(): Promise<LatestRollout | undefined> {
    const result = await callAws('GetItem latest rollout', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { providerId: LATEST_ROLLOUT_KEY }, ConsistentRead: true })),
    );
    if (!result.Item) return undefined;
    const { rolloutId, policyVersion, rolloutStatus, executionArn } = result.Item as LatestRollout;
    return { rolloutId, policyVersion, rolloutStatus, executionArn };
  }

  /**
   * Stores `record` and makes it the latest rollout, unless another start did since `seen` was
   * read (false then, and the record is removed). The record is written first, so the pointer
   * never names a rollout that has no record.
   */
  async claim(record: RolloutRecord, seen: string | undefined): Promise<boolean> {
    const key = rolloutKey(record.rolloutId);
    await callAws(`PutItem rollout ${record.rolloutId}`, () =>
      this.client.send(new PutCommand({ TableName: this.tableName, Item: { providerId: key, ...record } })),
    );
    const pointer: LatestRollout = {
      rolloutId: record.rolloutId,
      policyVersion: record.policyVersion,
      rolloutStatus: record.rolloutStatus,
      executionArn: record.executionArn,
    };
    try {
      await callAws('PutItem latest rollout', () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { providerId: LATEST_ROLLOUT_KEY, ...pointer },
            ...(seen === undefined
              ? { ConditionExpression: 'attribute_not_exists(providerId)' }
              : { ConditionExpression: '#id = :seen', ExpressionAttributeNames: { '#id': 'rolloutId' }, ExpressionAttributeValues: { ':seen': seen } }),
          }),
        ),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      await callAws(`DeleteItem rollout ${record.rolloutId}`, () => this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { providerId: key } })));
      return false;
    }
  }

  /** The fleet the walk listed and the tolerance that follows from its size. */
  async open(rolloutId: string, total: number, tolerance: FailureTolerance): Promise<void> {
    await callAws(`UpdateItem rollout ${rolloutId}`, () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { providerId: rolloutKey(rolloutId) },
          UpdateExpression: 'SET #total = :total, #tolerance = :tolerance',
          ConditionExpression: 'attribute_exists(providerId)',
          ExpressionAttributeNames: { '#total': 'total', '#tolerance': 'tolerance' },
          ExpressionAttributeValues: { ':total': total, ':tolerance': tolerance },
        }),
      ),
    );
  }

  /** One more provider counted under `counter`; answers the counters after the addition. */
  async count(rolloutId: string, counter: keyof RolloutCounts): Promise<RolloutRecord> {
    const result = await callAws(`UpdateItem rollout ${rolloutId}`, () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { providerId: rolloutKey(rolloutId) },
          UpdateExpression: 'ADD #counter :one',
          ConditionExpression: 'attribute_exists(providerId)',
          ExpressionAttributeNames: { '#counter': counter },
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return withoutKey(result.Attributes ?? {});
  }

  /** Lists a failure while fewer than MAX_LISTED_FAILURES are listed (the counter counts every one). */
  async listFailure(rolloutId: string, failure: RolloutFailure): Promise<boolean> {
    try {
      await callAws(`UpdateItem rollout ${rolloutId}`, () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { providerId: rolloutKey(rolloutId) },
            UpdateExpression: 'SET #failures = list_append(#failures, :failure)',
            ConditionExpression: 'size(#failures) < :max',
            ExpressionAttributeNames: { '#failures': 'failures' },
            ExpressionAttributeValues: { ':failure': [failure], ':max': MAX_LISTED_FAILURES },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Ends a running rollout (a rollout already ended stays as it ended: undefined then) and the
   * pointer with it, when the pointer still names it.
   */
  async close(rolloutId: string, end: { rolloutStatus: RolloutStatus; haltReason?: HaltReason; endedAt: string }): Promise<RolloutRecord | undefined> {
    let record: RolloutRecord;
    try {
      const result = await callAws(`UpdateItem rollout ${rolloutId}`, () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { providerId: rolloutKey(rolloutId) },
            UpdateExpression: `SET #status = :status, #endedAt = :endedAt${end.haltReason !== undefined ? ', #haltReason = :haltReason' : ''}`,
            ConditionExpression: '#status = :running',
            ExpressionAttributeNames: { '#status': 'rolloutStatus', '#endedAt': 'endedAt', ...(end.haltReason !== undefined && { '#haltReason': 'haltReason' }) },
            ExpressionAttributeValues: {
              ':status': end.rolloutStatus,
              ':endedAt': end.endedAt,
              ':running': 'RUNNING',
              ...(end.haltReason !== undefined && { ':haltReason': end.haltReason }),
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      record = withoutKey(result.Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
    await this.closePointer(rolloutId, end.rolloutStatus);
    return record;
  }

  private async closePointer(rolloutId: string, rolloutStatus: RolloutStatus): Promise<void> {
    try {
      await callAws('UpdateItem latest rollout', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { providerId: LATEST_ROLLOUT_KEY },
            UpdateExpression: 'SET #status = :status',
            ConditionExpression: '#id = :id',
            ExpressionAttributeNames: { '#status': 'rolloutStatus', '#id': 'rolloutId' },
            ExpressionAttributeValues: { ':status': rolloutStatus, ':id': rolloutId },
          }),
        ),
      );
    } catch (error) {
      // A newer rollout owns the pointer: it has nothing to say about this one.
      if (!isConditionFailure(error)) throw error;
    }
  }
}

export function rolloutRegistry(tableName: string, client = DynamoDBDocumentClient.from(new DynamoDBClient(SDK_CLIENT_OPTIONS))): RolloutRegistry {
  return new RolloutRegistry(client, tableName);
}
