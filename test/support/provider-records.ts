// Provider records as the registry stores them, and a registry on a dynalite table, for unit tests.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProviderRecord } from '../../functions/shared/domain/provider.js';
import { ProviderRegistry } from '../../functions/shared/adapters/registry.js';
import type { TestTable } from './dynamodb.js';

export const TEST_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:Onboard';

/** Provider payments.dev, attempt 1, READY; every field written out so tests can compare literally. */
export function providerRecord(overrides: Partial<ProviderRecord> = {}): ProviderRecord {
  return {
    providerId: 'payments.dev',
    workspace: 'payments',
    name: 'dev',
    accountId: '123456789012',
    roleName: 'capa-payments-dev',
    rolePath: '/capa-providers/',
    roleArn: 'arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev',
    trustEc2: true,
    externalId: 'stored-external-id-7f3a9c1e5b2d4860',
    externalIdSource: 'supplied',
    status: 'READY',
    attempt: 1,
    executionName: 'payments_dev_1',
    executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:payments_dev_1',
    createdAt: '2026-11-28T00:00:00.000Z',
    updatedAt: '2026-11-28T00:00:00.000Z',
    ...overrides,
  };
}

/** A registry talking to `table` over the DynamoDB wire protocol, with no SDK retries to hide errors. */
export function registryOn(table: TestTable): ProviderRegistry {
  const client = new DynamoDBClient({
    endpoint: table.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return new ProviderRegistry(DynamoDBDocumentClient.from(client), table.tableName);
}
