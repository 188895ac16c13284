// A real DynamoDB API (dynalite, in memory) with the registry table as the stack defines it.
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';

/** The registry table's keys and indexes, as lib/constructs/registry.ts declares them. */
export const REGISTRY_TABLE = {
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'providerId', AttributeType: 'S' },
    { AttributeName: 'workspace', AttributeType: 'S' },
    { AttributeName: 'name', AttributeType: 'S' },
    { AttributeName: 'accountId', AttributeType: 'S' },
  ],
  KeySchema: [{ AttributeName: 'providerId', KeyType: 'HASH' }],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'byWorkspace',
      KeySchema: [
        { AttributeName: 'workspace', KeyType: 'HASH' },
        { AttributeName: 'name', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
    {
      IndexName: 'byAccount',
      KeySchema: [
        { AttributeName: 'accountId', KeyType: 'HASH' },
        { AttributeName: 'providerId', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    },
  ],
} satisfies Omit<CreateTableCommandInput, 'TableName'>;

export interface TestTable {
  endpoint: string;
  tableName: string;
  close(): Promise<void>;
}

export async function startRegistryTable(tableName = 'providers'): Promise<TestTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await client.send(new CreateTableCommand({ TableName: tableName, ...REGISTRY_TABLE }));
  client.destroy();
  return {
    endpoint,
    tableName,
    close: () => new Promise<void>((resolve, reject) => server.close((error?: Error) => (error ? reject(error) : resolve()))),
  };
}
