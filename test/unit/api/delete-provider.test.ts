// DELETE /workspaces/{workspace}/providers/{name}: the answers of the route module (the offboarding
// itself is covered by test/workflow/offboarding.test.ts and test/e2e/offboarding.e2e.test.ts).
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_ENVIRONMENT, PROVIDER_RESOURCE, routeEvent } from '../../support/api-events.js';
import { providerRecord } from '../../support/provider-records.js';

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const context = { functionName: 'api', awsRequestId: 'r1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  Object.assign(process.env, API_ENVIRONMENT);
  ({ handler } = await import('../../../functions/api/handler.js'));
});

beforeEach(() => {
  dynamo.reset();
  sfn.reset();
});

const remove = (query: Record<string, string> | null = null) =>
  handler(routeEvent('DELETE', PROVIDER_RESOURCE, { workspace: 'payments', name: 'dev' }, { queryStringParameters: query }), context);

describe('DELETE /workspaces/{workspace}/providers/{name}', () => {
  it('answers 202 with the DELETING provider, its status URL and the offboarding execution', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({ Item: providerRecord() });
    dynamo.on(UpdateCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({});

    // Act
    const response = await remove();

    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.headers?.location).toBe('https://api.example.com/prod/workspaces/payments/providers/dev');
    expect(JSON.parse(response.body)).toMatchObject({
      provider: { providerId: 'payments.dev', status: 'DELETING', attempt: 2, offboarding: { force: false } },
      statusUrl: 'https://api.example.com/prod/workspaces/payments/providers/dev',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Offboard:payments_dev_2',
    });
  });

  it('is 409 while an onboarding runs, naming the status and the execution, and starts nothing', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({ Item: providerRecord({ status: 'CREATING' }) });

    // Act
    const response = await remove();

    // Assess
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'CONFLICT',
        message:
          'Provider payments.dev is CREATING: its onboarding (execution arn:aws:states:us-east-1:000000000000:execution:Onboard:payments_dev_1) is still running; send the DELETE again once it is READY or FAILED',
        details: [],
      },
    });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('is 409 while an External ID rotation is open, naming it and how to close it, and starts nothing', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({
      Item: providerRecord({
        status: 'READY',
        rotationId: '3f9c0a1b2c3d4e5f',
        rotationStatus: 'GRACE',
        rotationExecutionArn: 'arn:aws:states:us-east-1:000000000000:execution:Rotate:payments_dev_rotation-3f9c0a1b2c3d4e5f',
      }),
    });

    // Act
    const response = await remove();

    // Assess
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'CONFLICT',
        message:
          'Provider payments.dev has an External ID rotation open (3f9c0a1b2c3d4e5f, execution arn:aws:states:us-east-1:000000000000:execution:Rotate:payments_dev_rotation-3f9c0a1b2c3d4e5f); complete it (POST …/rotations/3f9c0a1b2c3d4e5f/complete) or wait for its grace period to end, then send the DELETE again',
        details: [],
      },
    });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('is 404 for an unknown provider', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});

    // Act
    const response = await remove();

    // Assess
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body).error).toEqual({ code: 'NOT_FOUND', message: 'Provider payments.dev does not exist', details: [] });
  });

  it('is 400 naming force when it is not true or false, and reads nothing', async () => {
    // Act
    const response = await remove({ force: 'yes' });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.details).toEqual([{ field: 'force', issue: 'true or false' }]);
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
  });
});
