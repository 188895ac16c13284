// The fleet as the sweep sees it in the registry table: every provider a sweep re-verifies (READY
// or DEGRADED, found by a paged Scan), and the latest sweep's summary under its own key.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { LATEST_SWEEP_KEY, type SweepSummary } from '../domain/fleet-sweep.js';
import type { ProviderRecord } from '../domain/provider.js';
import { VERIFIABLE_STATUSES } from '../domain/drift.js';
import { callAws } from './aws-errors.js';
import { SDK_CLIENT_OPTIONS } from './sdk-options.js';

/** Scan pages one listing may read: 1 MB each, far more than a fleet's records. */
const MAX_SCAN_PAGES = 1_000;

export class FleetRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Every READY or DEGRADED provider, in no particular order (consistent reads). */
  async verifiableProviders(): Promise<ProviderRecord[]> {
    const providers: ProviderRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < MAX_SCAN_PAGES; page += 1) {
      const result = await callAws('Scan verifiable providers', () =>
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            FilterExpression: '#status IN (:ready, :degraded)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':ready': VERIFIABLE_STATUSES[0], ':degraded': VERIFIABLE_STATUSES[1] },
            ...(startKey !== undefined && { ExclusiveStartKey: startKey }),
          }),
        ),
      );
      providers.push(...((result.Items ?? []) as ProviderRecord[]));
      startKey = result.LastEvaluatedKey;
      if (startKey === undefined) return providers;
    }
    throw new Error(`The registry scan did not end within ${MAX_SCAN_PAGES} pages`);
  }

  /** Replaces the latest sweep's summary, unless a sweep that started later has recorded its own. */
  async recordSweep(summary: SweepSummary): Promise<boolean> {
    try {
      await callAws(`PutItem ${LATEST_SWEEP_KEY}`, () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { providerId: LATEST_SWEEP_KEY, ...summary },
            ConditionExpression: 'attribute_not_exists(providerId) OR startedAt <= :startedAt',
            ExpressionAttributeValues: { ':startedAt': summary.startedAt },
          }),
        ),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async latestSweep(): Promise<SweepSummary | undefined> {
    const result = await callAws(`GetItem ${LATEST_SWEEP_KEY}`, () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { providerId: LATEST_SWEEP_KEY }, ConsistentRead: true })),
    );
    if (!result.Item) return undefined;
    const { providerId: _key, ...summary } = result.Item;
    return summary as SweepSummary;
  }
}

export function fleetRegistry(tableName: string, client = DynamoDBDocumentClient.from(new DynamoDBClient(SDK_CLIENT_OPTIONS))): FleetRegistry {
  return new FleetRegistry(client, tableName);
}
