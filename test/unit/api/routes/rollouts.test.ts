// POST /fleet/rollouts, GET /fleet/rollouts/{rolloutId} and GET /fleet/rollouts/latest: the start's
// three answers (202 started, 202 running, 200 nothing to do), the record while it runs, and 404s.
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RolloutRecord } from '../../../../functions/shared/domain/policy-rollout.js';
import { API_ENVIRONMENT, apiEvent, lambdaContext } from '../../../support/api-events.js';

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  Object.assign(process.env, API_ENVIRONMENT);
  ({ handler } = await import('../../../../functions/api/handler.js'));
});

beforeEach(() => {
  dynamo.reset();
  sfn.reset();
  dynamo.on(PutCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
});

const RUNNING: RolloutRecord = {
  rolloutId: 'rollout-11111111-20261129T100000000Z',
  policyVersion: 'sha256:1111111122222222',
  trigger: 'deploy',
  rolloutStatus: 'RUNNING',
  startedAt: '2026-11-29T10:00:00.000Z',
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:RolloutPolicy:rollout-11111111-20261129T100000000Z',
  total: 40,
  tolerance: { maxFailures: 10, maxFailurePercent: 10, toleratedFailures: 4, bindingThreshold: 'percent' },
  failures: [],
  upgraded: 12,
  current: 1,
  movedOn: 0,
  failed: 0,
  skipped: 0,
};
const POINTER = { providerId: '#policy-rollout#latest', rolloutId: RUNNING.rolloutId, policyVersion: RUNNING.policyVersion, rolloutStatus: 'RUNNING', executionArn: RUNNING.executionArn };

function stored(pointer: Record<string, unknown> | undefined, record: RolloutRecord | undefined): void {
  dynamo.on(GetCommand, { Key: { providerId: '#policy-rollout#latest' } }).resolves(pointer ? { Item: pointer } : {});
  dynamo.on(GetCommand, { Key: { providerId: `#policy-rollout#${RUNNING.rolloutId}` } }).resolves(record ? { Item: { providerId: `#policy-rollout#${record.rolloutId}`, ...record } } : {});
}

describe('POST /fleet/rollouts', () => {
  it('starts a rollout of the deployed policy and answers 202 with it and its URL in Location', async () => {
    // Prepare
    stored(undefined, undefined);

    // Act
    const response = await handler(apiEvent('POST', '/fleet/rollouts'), lambdaContext());

    // Assess
    expect(response.statusCode).toBe(202);
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({ policyVersion: 'sha256:1111111122222222', trigger: 'api', status: 'RUNNING', counts: { upgraded: 0, failed: 0 } });
    expect(body.rolloutId).toMatch(/^rollout-11111111-\d{8}T\d{9}Z$/);
    expect(response.headers?.location).toBe(`https://api.example.com/prod/fleet/rollouts/${body.rolloutId}`);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('answers 202 with the running rollout of the same version, starting nothing', async () => {
    // Prepare
    stored(POINTER, RUNNING);
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    // Act
    const response = await handler(apiEvent('POST', '/fleet/rollouts'), lambdaContext());

    // Assess
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toMatchObject({ rolloutId: RUNNING.rolloutId, counts: { upgraded: 12, current: 1 } });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers 200 with the completed rollout when the fleet is already on this version', async () => {
    // Prepare
    const completed: RolloutRecord = { ...RUNNING, rolloutStatus: 'COMPLETED', endedAt: '2026-11-29T10:04:00.000Z', upgraded: 39, current: 1 };
    stored({ ...POINTER, rolloutStatus: 'COMPLETED' }, completed);

    // Act
    const response = await handler(apiEvent('POST', '/fleet/rollouts'), lambdaContext());

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ rolloutId: RUNNING.rolloutId, status: 'COMPLETED' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('GET /fleet/rollouts/{rolloutId}', () => {
  it('answers the record with its counters so far', async () => {
    // Prepare
    stored(POINTER, RUNNING);

    // Act
    const response = await handler(apiEvent('GET', '/fleet/rollouts/{rolloutId}', { pathParameters: { rolloutId: RUNNING.rolloutId } }), lambdaContext());

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      rolloutId: RUNNING.rolloutId,
      policyVersion: 'sha256:1111111122222222',
      trigger: 'deploy',
      status: 'RUNNING',
      startedAt: '2026-11-29T10:00:00.000Z',
      endedAt: null,
      executionArn: RUNNING.executionArn,
      total: 40,
      counts: { upgraded: 12, current: 1, movedOn: 0, failed: 0, skipped: 0 },
      tolerance: { maxFailures: 10, maxFailurePercent: 10, toleratedFailures: 4, bindingThreshold: 'percent' },
      haltReason: null,
      failures: [],
    });
  });

  it('answers 404 for an unknown id, and for one no rollout can have without reading the table', async () => {
    // Prepare
    stored(POINTER, undefined);

    // Act
    const unknown = await handler(apiEvent('GET', '/fleet/rollouts/{rolloutId}', { pathParameters: { rolloutId: RUNNING.rolloutId } }), lambdaContext());
    const malformed = await handler(apiEvent('GET', '/fleet/rollouts/{rolloutId}', { pathParameters: { rolloutId: 'latest-but-not' } }), lambdaContext());

    // Assess
    expect([unknown.statusCode, malformed.statusCode]).toEqual([404, 404]);
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(1);
  });
});

describe('GET /fleet/rollouts/latest', () => {
  it('answers the latest rollout, and 404 before the first', async () => {
    // Prepare
    stored(POINTER, RUNNING);
    const latest = await handler(apiEvent('GET', '/fleet/rollouts/latest'), lambdaContext());
    dynamo.reset();
    stored(undefined, undefined);

    // Act
    const none = await handler(apiEvent('GET', '/fleet/rollouts/latest'), lambdaContext());

    // Assess
    expect(latest.statusCode).toBe(200);
    expect(JSON.parse(latest.body)).toMatchObject({ rolloutId: RUNNING.rolloutId, status: 'RUNNING' });
    expect(none.statusCode).toBe(404);
  });
});
