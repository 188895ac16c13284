// The provider registry (DynamoDB). Every write is conditional, so a retried or stale step can
// neither resurrect an old attempt nor overwrite a newer one. Throttling or a 5xx that outlives
// the SDK's retries is TransientAwsError, so the step that called is retried as a whole.
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { nameAfterPageToken, pageTokenOf } from '../domain/page-token.js';
import { providerIdOf, type ProviderRecord, type ProviderStatus } from '../domain/provider.js';
import { callAws } from './aws-errors.js';
import { SDK_CLIENT_OPTIONS, type SdkClientOptions } from './sdk-options.js';

export { InvalidPageToken } from '../domain/page-token.js';

/** The table's one index (workspace, name), declared by the CDK registry construct from this name. */
export const WORKSPACE_INDEX = 'byWorkspace';

export class StaleAttemptError extends Error {
  override readonly name = 'StaleAttemptError';
}

export interface ProviderPage {
  items: ProviderRecord[];
  nextToken?: string;
}

export class ProviderRegistry {
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
   * Starts attempt `next.attempt` of a FAILED provider; false when another request got there first.
   */
  async restart(
    providerId: string,
    previousAttempt: number,
    next: Pick<ProviderRecord, 'attempt' | 'executionName' | 'executionArn' | 'updatedAt'>,
  ): Promise<boolean> {
    try {
      await callAws(`UpdateItem ${providerId} (restart)`, () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { providerId },
            UpdateExpression:
              'SET #status = :pending, attempt = :attempt, executionName = :executionName, executionArn = :executionArn, updatedAt = :updatedAt REMOVE reason, message',
            ConditionExpression: 'attempt = :previous AND #status = :failed',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':pending': 'PENDING',
              ':failed': 'FAILED',
              ':previous': previousAttempt,
              ':attempt': next.attempt,
              ':executionName': next.executionName,
              ':executionArn': next.executionArn,
              ':updatedAt': next.updatedAt,
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
   * Throws StaleAttemptError when the provider has moved on to another attempt.
   */
  async transition(
    providerId: string,
    attempt: number,
    status: ProviderStatus,
    attributes: Partial<ProviderRecord> = {},
    now: Date = new Date(),
  ): Promise<ProviderRecord> {
    const values: Record<string, unknown> = { ...attributes, status, updatedAt: now.toISOString() };
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
    try {
      const result = await callAws(`UpdateItem ${providerId} (${status})`, () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { providerId },
            UpdateExpression: `SET ${assignments.join(', ')}`,
            ConditionExpression: 'attempt = :attempt',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ...expressionValues, ':attempt': attempt },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return result.Attributes as ProviderRecord;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new StaleAttemptError(`Provider ${providerId} is no longer on attempt ${attempt}`);
      }
      throw error;
    }
  }

  /**
   * One page of a workspace's providers, ordered by name. `nextToken` must come from a page of the
   * same workspace (InvalidPageToken otherwise): see domain/page-token.ts.
   */
  async listByWorkspace(workspace: string, limit: number, nextToken?: string): Promise<ProviderPage> {
    const after = nextToken === undefined ? undefined : nameAfterPageToken(nextToken, workspace);
    const result = await callAws(`Query ${WORKSPACE_INDEX} ${workspace}`, () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: WORKSPACE_INDEX,
          KeyConditionExpression: 'workspace = :workspace',
          ExpressionAttributeValues: { ':workspace': workspace },
          Limit: limit,
          // The start key is rebuilt from the query and a validated name, never taken from the client.
          ExclusiveStartKey: after === undefined ? undefined : { providerId: providerIdOf(workspace, after), workspace, name: after },
        }),
      ),
    );
    const lastName = result.LastEvaluatedKey?.name;
    return {
      items: (result.Items ?? []) as ProviderRecord[],
      nextToken: typeof lastName === 'string' ? pageTokenOf(workspace, lastName) : undefined,
    };
  }
}

/** The registry over `tableName`, with the shared SDK options unless a function needs its own. */
export function providerRegistry(tableName: string, sdkOptions: SdkClientOptions = SDK_CLIENT_OPTIONS): ProviderRegistry {
  return new ProviderRegistry(DynamoDBDocumentClient.from(new DynamoDBClient(sdkOptions)), tableName);
}
