// The fleet as the sweep sees it in the registry table: the providers a sweep re-verifies (READY
// or DEGRADED, one page of a Scan at a time), and the latest sweep's summary under its own key.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { LATEST_SWEEP_KEY, type SweepSummary } from '../domain/fleet-sweep.js';
import type { ProviderRecord } from '../domain/provider.js';
import { VERIFIABLE_STATUSES } from '../domain/drift.js';
import { callAws } from './aws-errors.js';
import { SDK_CLIENT_OPTIONS } from './sdk-options.js';

/** Scan calls one page may take (each evaluates at most the items still missing from the page). */
const MAX_SCAN_CALLS = 1_000;

/** One page of the fleet: READY or DEGRADED providers, and where the next page starts (undefined: none). */
export interface FleetPage {
  providers: ProviderRecord[];
  nextKey?: Record<string, unknown>;
}

/** The continuation token: the Scan's LastEvaluatedKey (the provider's key), base64url JSON. */
export function encodeFleetPageToken(key: Record<string, unknown> | undefined): string | null {
  return key === undefined ? null : Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeFleetPageToken(token: string | null | undefined): Record<string, unknown> | undefined {
  if (token === null || token === undefined) return undefined;
  const key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
  if (key === null || typeof key !== 'object' || typeof (key as { providerId?: unknown }).providerId !== 'string') {
    throw new Error(`Not a fleet page token: ${token}`);
  }
  return key as Record<string, unknown>;
}

export class FleetRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Up to `pageSize` READY or DEGRADED providers from `startKey` on, in no particular order
   * (consistent reads). Each Scan evaluates at most the items the page still lacks, so the page's
   * key never skips a provider; a filtered-out stretch of the table takes a few calls.
   */
  async verifiableProvidersPage(pageSize: number, startKey?: Record<string, unknown>): Promise<FleetPage> {
    const providers: ProviderRecord[] = [];
    let key = startKey;
    for (let call = 0; call < MAX_SCAN_CALLS; call += 1) {
      const result = await callAws('Scan verifiable providers', () =>
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            Limit: pageSize - providers.length,
            FilterExpression: '#status IN (:ready, :degraded)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':ready': VERIFIABLE_STATUSES[0], ':degraded': VERIFIABLE_STATUSES[1] },
            ...(key !== undefined && { ExclusiveStartKey: key }),
          }),
        ),
      );
      providers.push(...((result.Items ?? []) as ProviderRecord[]));
      key = result.LastEvaluatedKey;
      if (key === undefined) return { providers };
      if (providers.length >= pageSize) return { providers, nextKey: key };
    }
    // A page that found fewer providers than it may hold still ends, and says where to go on.
    return { providers, ...(key !== undefined ? { nextKey: key } : {}) };
  }

  /** How many providers are READY or DEGRADED now (a COUNT Scan: the Lambda reads no item). */
  async countVerifiableProviders(): Promise<number> {
    let count = 0;
    let key: Record<string, unknown> | undefined;
    for (let call = 0; call < MAX_SCAN_CALLS; call += 1) {
      const result = await callAws('Scan count of verifiable providers', () =>
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            Select: 'COUNT',
            FilterExpression: '#status IN (:ready, :degraded)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':ready': VERIFIABLE_STATUSES[0], ':degraded': VERIFIABLE_STATUSES[1] },
            ...(key !== undefined && { ExclusiveStartKey: key }),
          }),
        ),
      );
      count += result.Count ?? 0;
      key = result.LastEvaluatedKey;
      if (key === undefined) return count;
    }
    throw new Error(`Counting the fleet did not end within ${MAX_SCAN_CALLS} Scan calls`);
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
