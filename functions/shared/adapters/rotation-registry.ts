// A provider's External ID rotation in the registry. One rotation at a time: every write is
// conditional on the rotation's id (and its step), so a retried or stale step of one rotation
// can never touch another, and a second rotation cannot open while one is.
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ProviderRecord } from '../domain/provider.js';
import type { LastRotation, RotationFields, RotationStatus } from '../domain/rotation.js';
import { callAws } from './aws-errors.js';
import { SDK_CLIENT_OPTIONS, type SdkClientOptions } from './sdk-options.js';

/** Everything an open rotation adds to the record; removed together when it ends. */
const OPEN_ROTATION_ATTRIBUTES = [
  'rotationId',
  'rotationStatus',
  'rotationExecutionArn',
  'rotationStartedAt',
  'pendingExternalId',
  'pendingExternalIdSource',
  'previousExternalId',
  'previousExternalIdExpiresAt',
  'rotationTaskToken',
] as const satisfies ReadonlyArray<keyof RotationFields>;

export type RotationStart = Required<Pick<RotationFields, 'rotationId' | 'rotationExecutionArn' | 'pendingExternalId' | 'pendingExternalIdSource'>>;

export class RotationRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(providerId: string): Promise<ProviderRecord | undefined> {
    const result = await callAws(`GetItem ${providerId}`, () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { providerId }, ConsistentRead: true })),
    );
    return result.Item as ProviderRecord | undefined;
  }

  /** Opens a rotation of a READY provider; false when it is not READY or a rotation is open. */
  async begin(providerId: string, start: RotationStart, now: Date = new Date()): Promise<boolean> {
    return this.write(providerId, 'begin', {
      UpdateExpression:
        'SET rotationId = :rotationId, rotationStatus = :status, rotationExecutionArn = :executionArn, rotationStartedAt = :now, ' +
        'pendingExternalId = :pending, pendingExternalIdSource = :source, updatedAt = :now',
      ConditionExpression: '#status = :ready AND attribute_not_exists(rotationId)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':rotationId': start.rotationId,
        ':status': 'TRUSTING_BOTH' satisfies RotationStatus,
        ':executionArn': start.rotationExecutionArn,
        ':pending': start.pendingExternalId,
        ':source': start.pendingExternalIdSource,
        ':ready': 'READY',
        ':now': now.toISOString(),
      },
    });
  }

  /**
   * The trust accepts both IDs: the new one becomes the provider's `externalId` (what GET and the
   * cluster identity hand out) and the old one is kept until `expiresAt`. Idempotent: a retried
   * step finds the rotation in GRACE already.
   */
  async openGrace(providerId: string, rotationId: string, expiresAt: string, now: Date = new Date()): Promise<ProviderRecord> {
    await this.write(providerId, 'grace', {
      UpdateExpression:
        'SET externalId = pendingExternalId, externalIdSource = pendingExternalIdSource, previousExternalId = externalId, ' +
        'previousExternalIdExpiresAt = :expiresAt, rotationStatus = :grace, updatedAt = :now REMOVE pendingExternalId, pendingExternalIdSource',
      ConditionExpression: 'rotationId = :rotationId AND rotationStatus = :trusting',
      ExpressionAttributeValues: {
        ':rotationId': rotationId,
        ':trusting': 'TRUSTING_BOTH' satisfies RotationStatus,
        ':grace': 'GRACE' satisfies RotationStatus,
        ':expiresAt': expiresAt,
        ':now': now.toISOString(),
      },
    });
    return this.requireRotation(providerId, rotationId, ['GRACE', 'REMOVING_PREVIOUS']);
  }

  /** Keeps the waiting execution's task token, for the caller's confirmation. */
  async storeTaskToken(providerId: string, rotationId: string, taskToken: string): Promise<boolean> {
    return this.write(providerId, 'task token', {
      UpdateExpression: 'SET rotationTaskToken = :token',
      ConditionExpression: 'rotationId = :rotationId AND rotationStatus = :grace',
      ExpressionAttributeValues: { ':token': taskToken, ':rotationId': rotationId, ':grace': 'GRACE' satisfies RotationStatus },
    });
  }

  /** The grace is over (confirmed or expired): the previous ID is being removed. */
  async markRemovingPrevious(providerId: string, rotationId: string, now: Date = new Date()): Promise<ProviderRecord> {
    await this.write(providerId, 'removing previous', {
      UpdateExpression: 'SET rotationStatus = :removing, updatedAt = :now REMOVE rotationTaskToken',
      ConditionExpression: 'rotationId = :rotationId',
      ExpressionAttributeValues: { ':rotationId': rotationId, ':removing': 'REMOVING_PREVIOUS' satisfies RotationStatus, ':now': now.toISOString() },
    });
    return this.requireRotation(providerId, rotationId, ['REMOVING_PREVIOUS']);
  }

  /**
   * Closes the rotation: every rotation attribute goes, `lastRotation` says how it ended. Undefined
   * when this rotation is not open (already closed by a retried step or by the execution-ended path).
   */
  async finish(providerId: string, rotationId: string, last: LastRotation, now: Date = new Date()): Promise<ProviderRecord | undefined> {
    try {
      const result = await callAws(`UpdateItem ${providerId} (finish rotation)`, () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { providerId },
            UpdateExpression: `SET lastRotation = :last, updatedAt = :now REMOVE ${OPEN_ROTATION_ATTRIBUTES.join(', ')}`,
            ConditionExpression: 'rotationId = :rotationId',
            ExpressionAttributeValues: { ':last': last, ':now': now.toISOString(), ':rotationId': rotationId },
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

  private async requireRotation(providerId: string, rotationId: string, statuses: readonly RotationStatus[]): Promise<ProviderRecord> {
    const record = await this.get(providerId);
    if (record?.rotationId !== rotationId || !statuses.includes(record.rotationStatus!)) {
      throw new RotationNotOpen(`Rotation ${rotationId} of ${providerId} is no longer open (${record?.rotationStatus ?? 'closed'})`);
    }
    return record;
  }

  private async write(
    providerId: string,
    what: string,
    update: Pick<ConstructorParameters<typeof UpdateCommand>[0], 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>,
  ): Promise<boolean> {
    try {
      await callAws(`UpdateItem ${providerId} (rotation: ${what})`, () =>
        this.client.send(new UpdateCommand({ TableName: this.tableName, Key: { providerId }, ...update })),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

/** The rotation a step belongs to has been closed (by a failure's settlement, or a stop). */
export class RotationNotOpen extends Error {
  override readonly name = 'RotationNotOpen';
}

export function rotationRegistry(tableName: string, sdkOptions: SdkClientOptions = SDK_CLIENT_OPTIONS): RotationRegistry {
  return new RotationRegistry(DynamoDBDocumentClient.from(new DynamoDBClient(sdkOptions)), tableName);
}
