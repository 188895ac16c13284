// The registry as the reconcile reads it: one projected, consistent Scan of every provider's id,
// account and status (never its External ID), and the organization's members the previous
// reconcile listed, kept under its own key.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { RegistryEntry } from '../domain/reconciliation.js';
import { callAws } from './aws-errors.js';
import { SDK_CLIENT_OPTIONS } from './sdk-options.js';

/**
 * The key of the members the last reconcile listed. Provider ids are `<workspace>.<name>` of DNS
 * labels, which never start with `#`; no `workspace`, `accountId` or `status`, so no index or
 * provider query sees it. One item holds about 25,000 account ids (DynamoDB's 400 KB).
 */
export const RECONCILE_MEMBERS_KEY = '#org-reconcile#members';

/** Scan pages one reading may take: 1 MB each, far more than a registry's records. */
const MAX_SCAN_PAGES = 1_000;

export class ReconcileRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Every provider (tombstones included), projected to id, account and status. */
  async entries(): Promise<RegistryEntry[]> {
    const entries: RegistryEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < MAX_SCAN_PAGES; page += 1) {
      const result = await callAws('Scan providers (id, account, status)', () =>
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            ProjectionExpression: 'providerId, accountId, #status',
            // Only providers: the sweep's and the reconcile's own items carry no accountId.
            FilterExpression: 'attribute_exists(accountId)',
            ExpressionAttributeNames: { '#status': 'status' },
            ...(startKey !== undefined && { ExclusiveStartKey: startKey }),
          }),
        ),
      );
      entries.push(...((result.Items ?? []) as RegistryEntry[]));
      startKey = result.LastEvaluatedKey;
      if (startKey === undefined) return entries;
    }
    throw new Error(`The registry scan did not end within ${MAX_SCAN_PAGES} pages`);
  }

  /** The members the last reconcile of `organizationId` listed; none after a change of organization. */
  async rememberedMembers(organizationId: string): Promise<string[]> {
    const result = await callAws(`GetItem ${RECONCILE_MEMBERS_KEY}`, () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { providerId: RECONCILE_MEMBERS_KEY }, ConsistentRead: true })),
    );
    const item = result.Item as { organizationId?: string; accountIds?: string[] } | undefined;
    return item?.organizationId === organizationId ? (item.accountIds ?? []) : [];
  }

  async rememberMembers(organizationId: string, accountIds: readonly string[], listedAt: string): Promise<void> {
    await callAws(`PutItem ${RECONCILE_MEMBERS_KEY}`, () =>
      this.client.send(
        new PutCommand({ TableName: this.tableName, Item: { providerId: RECONCILE_MEMBERS_KEY, organizationId, accountIds: [...accountIds], listedAt } }),
      ),
    );
  }
}

export function reconcileRegistry(tableName: string, client = DynamoDBDocumentClient.from(new DynamoDBClient(SDK_CLIENT_OPTIONS))): ReconcileRegistry {
  return new ReconcileRegistry(client, tableName);
}
