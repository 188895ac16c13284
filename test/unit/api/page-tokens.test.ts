// GET /workspaces/{workspace}/providers?nextToken=...: a tampered, foreign or garbage token is the
// client's mistake (400 naming nextToken), and nothing from it reaches DynamoDB; a token the API
// issued continues the listing where the previous page ended.
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_ENVIRONMENT, lambdaContext, PROVIDERS_RESOURCE, routeEvent } from '../../support/api-events.js';
import { providerRecord } from '../../support/provider-records.js';

const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  Object.assign(process.env, API_ENVIRONMENT);
  ({ handler } = await import('../../../functions/api/handler.js'));
});

beforeEach(() => {
  dynamo.reset();
});

const list = ({ workspace, ...query }: Record<string, string> & { workspace: string }) =>
  handler(routeEvent('GET', PROVIDERS_RESOURCE, { workspace }, { queryStringParameters: query }), lambdaContext());

/** The token of the page after payments.dev, as the API issues it. */
const AFTER_PAYMENTS_DEV = 'MQpwYXltZW50cwpkZXYKYzlkNjA1NzA2M2IyM2Y4MQ';

describe('a token the API issued', () => {
  it('is opaque and continues the same workspace after the last provider of the previous page', async () => {
    // Prepare
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [providerRecord()], LastEvaluatedKey: { providerId: 'payments.dev', workspace: 'payments', name: 'dev' } })
      .resolves({ Items: [] });

    // Act
    const first = await list({ workspace: 'payments', limit: '1' });
    const token = JSON.parse(first.body).nextToken;
    const second = await list({ workspace: 'payments', limit: '20', nextToken: token });

    // Assess
    expect(token).toBe(AFTER_PAYMENTS_DEV);
    expect(second.statusCode).toBe(200);
    expect(dynamo.commandCalls(QueryCommand)[1]?.args[0].input).toEqual({
      TableName: 'providers',
      IndexName: 'byWorkspace',
      KeyConditionExpression: 'workspace = :workspace',
      FilterExpression: 'NOT #current IN (:hidden0, :hidden1)',
      ExpressionAttributeNames: { '#current': 'status' },
      ExpressionAttributeValues: { ':workspace': 'payments', ':hidden0': 'DELETED', ':hidden1': 'ACCOUNT_REMOVED' },
      Limit: 20,
      ExclusiveStartKey: { providerId: 'payments.dev', workspace: 'payments', name: 'dev' },
    });
  });
});

describe('a token the API did not issue for this query', () => {
  it.each([
    ['another workspace', 'search', AFTER_PAYMENTS_DEV, 'nextToken was issued for another query: ask again without it'],
    ['a renamed position', 'payments', 'MQpwYXltZW50cwpkZXcKYzlkNjA1NzA2M2IyM2Y4MQ', 'nextToken is not a token this API issued'],
    ['a truncated token', 'payments', 'MQpwYXltZW50cwpkZXYKYzlkNjA1NzA2M2IyM2', 'nextToken is not a token this API issued'],
    [
      'a forged DynamoDB key of another workspace',
      'payments',
      'eyJwcm92aWRlcklkIjoic2VhcmNoLmRldiIsIndvcmtzcGFjZSI6InNlYXJjaCIsIm5hbWUiOiJkZXYifQ',
      'nextToken is not a token this API issued',
    ],
    ['a DynamoDB key of this workspace', 'payments', 'eyJwcm92aWRlcklkIjoicGF5bWVudHMuZGV2Iiwid29ya3NwYWNlIjoicGF5bWVudHMiLCJuYW1lIjoiZGV2In0', 'nextToken is not a token this API issued'],
    ['garbage', 'payments', '!!not a token!!', 'nextToken is not a token this API issued'],
    ['an empty token', 'payments', '', 'nextToken is not a token this API issued'],
  ])('%s is refused with 400 naming nextToken, and nothing is queried', async (_label, workspace, nextToken, issue) => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: [] });

    // Act
    const response = await list({ workspace, nextToken });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: 'VALIDATION_FAILED', message: issue, details: [{ field: 'nextToken', issue }] },
    });
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });
});
