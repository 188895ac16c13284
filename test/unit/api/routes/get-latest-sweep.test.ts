// GET /fleet/sweeps/latest: the latest sweep's summary from its own registry key, 404 before any.
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_ENVIRONMENT, apiEvent, lambdaContext } from '../../../support/api-events.js';

const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  Object.assign(process.env, API_ENVIRONMENT);
  ({ handler } = await import('../../../../functions/api/handler.js'));
});

beforeEach(() => {
  dynamo.reset();
});

const SUMMARY = {
  sweepId: 'sweep-20261129T120000000Z',
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:SweepFleet:abc',
  startedAt: '2026-11-29T12:00:00.000Z',
  endedAt: '2026-11-29T12:00:42.500Z',
  durationSeconds: 42.5,
  autoRepair: false,
  providers: 5,
  byStatus: { READY: 4, DEGRADED: 1 },
  byReason: { POLICY_DETACHED: 1 },
  movedOn: 0,
  failed: 0,
  repairsStarted: 0,
  changed: 1,
};

describe('GET /fleet/sweeps/latest', () => {
  it('answers 404 NOT_FOUND before the first sweep', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});

    // Act
    const response = await handler(apiEvent('GET', '/fleet/sweeps/latest'), lambdaContext());

    // Assess
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('answers the summary stored under the sweep key, without the key itself', async () => {
    // Prepare
    dynamo.on(GetCommand, { TableName: 'providers', Key: { providerId: '#fleet-sweep#latest' } }).resolves({ Item: { providerId: '#fleet-sweep#latest', ...SUMMARY } });

    // Act
    const response = await handler(apiEvent('GET', '/fleet/sweeps/latest'), lambdaContext());

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual(SUMMARY);
  });
});
