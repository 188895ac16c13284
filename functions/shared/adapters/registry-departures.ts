// The registry's part in account departures: finding an account's providers (byAccount index) and
// moving them to ACCOUNT_REMOVED. Kept apart from registry.ts, which every other flow shares.
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TERMINAL_STATUSES, type DepartureRecord, type ProviderRecord } from '../domain/provider.js';
import { callAws } from './aws-errors.js';
import { ACCOUNT_INDEX, ProviderRegistry, statusValues } from './registry.js';
import { SDK_CLIENT_OPTIONS } from './sdk-options.js';

export class DepartureRegistry extends ProviderRegistry {
  /**
   * The ids of the providers in `accountId`, from the keys-only byAccount index (eventually
   * consistent: the caller reads each record again before changing it).
   */
  async providerIdsInAccount(accountId: string): Promise<string[]> {
    const ids: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await callAws(`Query ${ACCOUNT_INDEX} ${accountId}`, () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: ACCOUNT_INDEX,
            KeyConditionExpression: 'accountId = :accountId',
            ExpressionAttributeValues: { ':accountId': accountId },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      ids.push(...(page.Items ?? []).map((item) => String(item.providerId)));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return ids;
  }

  /**
   * Moves attempt `previousAttempt` of a provider that is not DELETED or ACCOUNT_REMOVED to
   * ACCOUNT_REMOVED at the next attempt: every write of a step still running for the old attempt
   * is conditional on it, so none can overwrite the departure. Undefined when the provider moved
   * on meanwhile (the caller reads it again).
   */
  async markAccountRemoved(
    providerId: string,
    previousAttempt: number,
    removal: { reason: string; message: string; removedAt: string; departure: DepartureRecord },
  ): Promise<ProviderRecord | undefined> {
    const terminal = statusValues(TERMINAL_STATUSES, 't');
    try {
      const result = await callAws(`UpdateItem ${providerId} (ACCOUNT_REMOVED)`, () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { providerId },
            UpdateExpression:
              'SET #status = :removed, attempt = :attempt, reason = :reason, message = :message, removedAt = :removedAt, departure = :departure, updatedAt = :removedAt',
            ConditionExpression: `attempt = :previous AND NOT #status IN (${Object.keys(terminal).join(', ')})`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':removed': 'ACCOUNT_REMOVED',
              ':previous': previousAttempt,
              ':attempt': previousAttempt + 1,
              ':reason': removal.reason,
              ':message': removal.message,
              ':removedAt': removal.removedAt,
              ':departure': removal.departure,
              ...terminal,
            },
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

  /** Records that "Provider Deleted" was published for a departed provider, so no later event repeats it. */
  async markDepartureAnnounced(providerId: string, attempt: number, announcedAt: string): Promise<void> {
    try {
      await callAws(`UpdateItem ${providerId} (departure announced)`, () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { providerId },
            UpdateExpression: 'SET departure.announcedAt = :announcedAt',
            ConditionExpression: 'attempt = :attempt AND #status = :removed',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':announcedAt': announcedAt, ':attempt': attempt, ':removed': 'ACCOUNT_REMOVED' },
          }),
        ),
      );
    } catch (error) {
      // A POST onboarded the provider afresh meanwhile: the departure's record is gone with it.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

/** The departure registry over `tableName`, with the shared SDK options. */
export function departureRegistry(tableName: string): DepartureRegistry {
  return new DepartureRegistry(DynamoDBDocumentClient.from(new DynamoDBClient(SDK_CLIENT_OPTIONS)), tableName);
}
