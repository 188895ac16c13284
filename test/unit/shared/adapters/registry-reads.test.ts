// The registry reads a provider with a strongly consistent read: a step right after a write must
// see that write, not an older copy.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ProviderRegistry } from '../../../../functions/shared/adapters/registry.js';

const dynamodb = mockClient(DynamoDBDocumentClient);

beforeEach(() => dynamodb.reset());

describe('registry reads', () => {
  it('get reads the provider by id with ConsistentRead', async () => {
    // Prepare
    dynamodb.on(GetCommand).resolves({});
    const registry = new ProviderRegistry(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'providers');

    // Act
    const record = await registry.get('payments.dev');

    // Assess
    expect(record).toBeUndefined();
    expect(dynamodb.commandCalls(GetCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: 'providers', Key: { providerId: 'payments.dev' }, ConsistentRead: true },
    ]);
  });
});
