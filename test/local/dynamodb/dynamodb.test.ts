import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDynamoDb, type CfnTableProperties } from '../../../local/dynamodb/index.js';
import { AwsServiceError, type AwsRequest, type CallerIdentity } from '../../../local/core/types.js';

const caller: CallerIdentity = { accessKeyId: 'AKID', accountId: '000000000000', arn: 'arn:aws:sts::000000000000:assumed-role/fn/s', principalType: 'assumed-role' };
const TABLE: CfnTableProperties = {
  KeySchema: [{ AttributeName: 'providerId', KeyType: 'HASH' }],
  AttributeDefinitions: [
    { AttributeName: 'providerId', AttributeType: 'S' },
    { AttributeName: 'workspace', AttributeType: 'S' },
    { AttributeName: 'name', AttributeType: 'S' },
  ],
  BillingMode: 'PAY_PER_REQUEST',
  GlobalSecondaryIndexes: [
    { IndexName: 'byWorkspace', KeySchema: [{ AttributeName: 'workspace', KeyType: 'HASH' }, { AttributeName: 'name', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
  ],
  PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
  DeletionProtectionEnabled: true,
};

function request(action: string, params: Record<string, unknown>): AwsRequest {
  return { service: 'dynamodb', action, params, caller, region: 'us-east-1', rawBody: JSON.stringify(params), path: '/', headers: {} };
}

describe('LocalDynamoDb', () => {
  let ddb: LocalDynamoDb;
  const checks: string[] = [];
  let deny: string | undefined;

  beforeAll(async () => {
    // Prepare: an authorizer that records each check and can deny one action
    ddb = await LocalDynamoDb.start({
      accountId: '000000000000',
      region: 'us-east-1',
      authorize: (_caller, action, resource) => {
        checks.push(`${action} ${resource}`);
        if (action === deny) throw new AwsServiceError('AccessDeniedException', `not authorized to perform: ${action} on resource: ${resource}`);
      },
    });
    await ddb.createTable('Registry', TABLE);
  });

  afterAll(async () => {
    await ddb.close();
  });

  it('creates a table from CloudFormation properties and is a no-op the second time', async () => {
    // Act
    const again = await ddb.createTable('Registry', TABLE);
    const described = await ddb.handle(request('DescribeTable', { TableName: 'Registry' }));
    // Assess
    expect(again).toEqual({ arn: 'arn:aws:dynamodb:us-east-1:000000000000:table/Registry', created: false });
    const table = JSON.parse(described.body).Table;
    expect(table.TableStatus).toBe('ACTIVE');
    expect(table.GlobalSecondaryIndexes[0].IndexName).toBe('byWorkspace');
  });

  it('authorizes against the table ARN, and the index ARN for an index query', async () => {
    // Prepare
    checks.length = 0;
    // Act
    const put = await ddb.handle(request('PutItem', { TableName: 'Registry', Item: { providerId: { S: 'p1' }, workspace: { S: 'w' }, name: { S: 'n' } } }));
    const query = await ddb.handle(request('Query', { TableName: 'Registry', IndexName: 'byWorkspace', KeyConditionExpression: 'workspace = :w', ExpressionAttributeValues: { ':w': { S: 'w' } } }));
    // Assess
    expect(put.status).toBe(200);
    expect(JSON.parse(query.body).Items).toHaveLength(1);
    expect(checks).toEqual([
      'dynamodb:PutItem arn:aws:dynamodb:us-east-1:000000000000:table/Registry',
      'dynamodb:Query arn:aws:dynamodb:us-east-1:000000000000:table/Registry/index/byWorkspace',
    ]);
  });

  it('authorizes every table of a batch', async () => {
    // Prepare
    checks.length = 0;
    // Act
    await ddb.handle(request('BatchGetItem', { RequestItems: { Registry: { Keys: [{ providerId: { S: 'p1' } }] }, Other: { Keys: [{ id: { S: 'x' } }] } } }));
    // Assess
    expect(checks).toEqual([
      'dynamodb:BatchGetItem arn:aws:dynamodb:us-east-1:000000000000:table/Registry',
      'dynamodb:BatchGetItem arn:aws:dynamodb:us-east-1:000000000000:table/Other',
    ]);
  });

  it('answers a denied call with AccessDeniedException and never writes', async () => {
    // Prepare
    deny = 'dynamodb:PutItem';
    // Act
    const denied = await ddb.handle(request('PutItem', { TableName: 'Registry', Item: { providerId: { S: 'p2' }, workspace: { S: 'w' }, name: { S: 'm' } } }));
    deny = undefined;
    const read = await ddb.handle(request('GetItem', { TableName: 'Registry', Key: { providerId: { S: 'p2' } } }));
    // Assess
    expect(denied.status).toBe(400);
    expect(JSON.parse(denied.body).__type).toBe('AccessDeniedException');
    expect(JSON.parse(read.body).Item).toBeUndefined();
  });

  it('passes dynalite errors through (conditional check failed)', async () => {
    // Act
    const response = await ddb.handle(request('PutItem', { TableName: 'Registry', Item: { providerId: { S: 'p1' }, workspace: { S: 'w' }, name: { S: 'n' } }, ConditionExpression: 'attribute_not_exists(providerId)' }));
    // Assess
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).__type).toContain('ConditionalCheckFailedException');
  });
});
