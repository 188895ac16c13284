// POST /workspaces/{workspace}/providers/{name}/verifications: starts a verify-provider execution
// for a READY or DEGRADED provider (202); unknown is 404, any other status 409 and starts nothing.
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_ENVIRONMENT, lambdaContext, routeEvent } from '../../../support/api-events.js';
import { providerRecord } from '../../../support/provider-records.js';

const VERIFICATIONS_RESOURCE = '/workspaces/{workspace}/providers/{name}/verifications';
const VERIFY_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:VerifyProvider';
const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  Object.assign(process.env, API_ENVIRONMENT, { VERIFICATION_STATE_MACHINE_ARN: VERIFY_MACHINE });
  ({ handler } = await import('../../../../functions/api/handler.js'));
});

beforeEach(() => {
  dynamo.reset();
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:VerifyProvider:${input.name}`,
    startDate: new Date('2026-11-29T13:45:01.123Z'),
  }));
});

const verify = (name = 'dev') => handler(routeEvent('POST', VERIFICATIONS_RESOURCE, { workspace: 'payments', name }), lambdaContext());

describe('POST …/verifications', () => {
  it.each(['READY', 'DEGRADED'] as const)('starts a verification of a %s provider with its spec and no External ID, and answers 202', async (status) => {
    // Prepare
    dynamo.on(GetCommand).resolves({ Item: providerRecord({ status }) });

    // Act
    const response = await verify();

    // Assess
    expect(response.statusCode).toBe(202);
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({ providerId: 'payments.dev', status, startedAt: '2026-11-29T13:45:01.123Z', statusUrl: 'https://api.example.com/prod/workspaces/payments/providers/dev' });
    expect(body.executionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:execution:VerifyProvider:payments_dev_verify-\d{8}T\d{9}Z$/);
    expect(response.headers).toMatchObject({ location: 'https://api.example.com/prod/workspaces/payments/providers/dev' });
    const start = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(start.stateMachineArn).toBe(VERIFY_MACHINE);
    expect(JSON.parse(start.input!)).toEqual({
      provider: {
        providerId: 'payments.dev',
        workspace: 'payments',
        name: 'dev',
        accountId: '123456789012',
        roleName: 'capa-payments-dev',
        rolePath: '/capa-providers/',
        trustEc2: true,
        attempt: 1,
      },
    });
    expect(response.body).not.toContain('stored-external-id');
  });

  it.each(['PENDING', 'CREATING', 'VERIFYING', 'FAILED', 'DELETING', 'DELETED'] as const)('answers 409 for a %s provider and starts nothing', async (status) => {
    // Prepare
    dynamo.on(GetCommand).resolves({ Item: providerRecord({ status }) });

    // Act
    const response = await verify();

    // Assess
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'CONFLICT',
        message: `Provider payments.dev is ${status}: only a READY or DEGRADED provider can be verified`,
        details: [{ field: 'status', issue: `is ${status}, must be one of READY, DEGRADED` }],
      },
    });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers 404 for an unknown provider and starts nothing', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});

    // Act
    const response = await verify('nobody');

    // Assess
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body).error.code).toBe('NOT_FOUND');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers 503 with Retry-After when Step Functions throttles beyond the request’s retries', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({ Item: providerRecord() });
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));

    // Act
    const response = await verify();

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '2' });
  });
});
