import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DescribeExecutionCommand, ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderRecord } from '../../../functions/shared/domain/provider.js';
import { PROVIDER_RESOURCE, PROVIDERS_RESOURCE, routeEvent } from '../../support/api-events.js';

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:Onboard';
const dynamo = mockClient(DynamoDBDocumentClient);

/** The provider exists: the create's conditional write fails, and the read that follows finds it. */
function stored(item: ProviderRecord): void {
  dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
  dynamo.on(GetCommand).resolves({ Item: item });
}

/** Nothing written: the only write was the create's conditional one, which an existing provider fails. */
function expectOnlyTheConditionalCreate(): void {
  expect(dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.ConditionExpression)).toEqual(['attribute_not_exists(providerId)']);
}
const sfn = mockClient(SFNClient);
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    TABLE_NAME: 'providers',
    STATE_MACHINE_ARN,
    VERIFICATION_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:VerifyProvider',
    OFFBOARDING_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:Offboard',
    ROLLOUT_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:RolloutPolicy',
    POLICY_VERSION: 'sha256:1111111122222222',
    ROTATION_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:RotateExternalId',
    PARTITION: 'aws',
    ROLE_PATH: '/capa-providers/',
    ROLE_NAME_PREFIX: 'capa-',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ({ handler } = await import('../../../functions/api/handler.js'));
});

beforeEach(() => {
  dynamo.reset();
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
});

const context = { functionName: 'api', awsRequestId: 'r1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;


const post = (body: unknown, workspace = 'payments') =>
  handler(routeEvent('POST', PROVIDERS_RESOURCE, { workspace }, { body: typeof body === 'string' ? body : JSON.stringify(body) }), context);

function storedRecord(overrides: Partial<ProviderRecord> = {}): ProviderRecord {
  return {
    providerId: 'payments.dev',
    workspace: 'payments',
    name: 'dev',
    accountId: '123456789012',
    roleName: 'capa-payments-dev',
    rolePath: '/capa-providers/',
    roleArn: 'arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev',
    trustEc2: true,
    externalId: 'generated-external-id-0000000000000000',
    externalIdSource: 'generated',
    status: 'READY',
    attempt: 1,
    executionName: 'payments_dev_1',
    executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:payments_dev_1',
    createdAt: '2026-11-28T00:00:00.000Z',
    updatedAt: '2026-11-28T00:00:00.000Z',
    ...overrides,
  };
}

describe('POST /workspaces/{workspace}/providers', () => {
  it('records a PENDING provider, starts its execution under a deterministic name and answers 202', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});
    dynamo.on(PutCommand).resolves({});

    // Act
    const response = await post({ name: 'dev', accountId: '123456789012' });

    // Assess
    expect(response.statusCode).toBe(202);
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({
      provider: { providerId: 'payments.dev', status: 'PENDING', roleName: 'capa-payments-dev', trustEc2: true },
      statusUrl: 'https://api.example.com/prod/workspaces/payments/providers/dev',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:payments_dev_1',
    });
    expect(body.provider.externalId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // A new provider costs one conditional write and no read.
    expect(dynamo).toHaveReceivedCommandTimes(PutCommand, 1);
    expect(dynamo).not.toHaveReceivedCommand(GetCommand);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      name: 'payments_dev_1',
      input: '{"provider":{"providerId":"payments.dev","workspace":"payments","name":"dev","accountId":"123456789012","roleName":"capa-payments-dev","rolePath":"/capa-providers/","trustEc2":true,"attempt":1}}',
    });
  });

  it.each([
    ['not JSON', '{oops', 'INVALID_JSON', ['body']],
    ['a bad account id', { name: 'dev', accountId: '12' }, 'VALIDATION_FAILED', ['accountId']],
    ['missing fields', {}, 'VALIDATION_FAILED', ['accountId', 'name']],
    ['an invalid External ID', { name: 'n', accountId: '123456789012', externalId: 'bad id' }, 'VALIDATION_FAILED', ['externalId']],
    ['a workspace in the body (the path names it)', { workspace: 'payments', name: 'n', accountId: '123456789012' }, 'VALIDATION_FAILED', ['workspace']],
  ])('rejects %s with 400 naming the fields, writing nothing and starting nothing', async (_label, body, code, fields) => {
    // Act
    const response = await post(body);

    // Assess
    expect(response.statusCode).toBe(400);
    const error = JSON.parse(response.body).error;
    expect(error.code).toBe(code);
    expect(error.details.map((detail: { field: string }) => detail.field).sort()).toEqual(fields);
    expect(dynamo).not.toHaveReceivedAnyCommand();
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('returns the same provider for a repeated request and starts nothing new once it is READY', async () => {
    // Prepare
    stored(storedRecord());

    // Act
    const response = await post({ name: 'dev', accountId: '123456789012' });

    // Assess
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body).provider).toMatchObject({ providerId: 'payments.dev', status: 'READY' });
    expectOnlyTheConditionalCreate();
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('re-sends the same start for a PENDING provider (a crash between record and start), which is idempotent', async () => {
    // Prepare
    stored(storedRecord({ status: 'PENDING' }));
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    // Act
    const response = await post({ name: 'dev', accountId: '123456789012' });

    // Assess
    expect(response.statusCode).toBe(202);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { name: 'payments_dev_1' });
  });

  it('answers 409 naming the fields when the same identity comes with a different spec', async () => {
    // Prepare
    stored(storedRecord());

    // Act
    const response = await post({ name: 'dev', accountId: '999999999999', roleName: 'other-role', externalId: 'other-id' });

    // Assess
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'CONFLICT',
        message: 'Provider payments.dev already exists with a different specification',
        details: [
          { field: 'accountId', issue: 'differs from the existing provider' },
          { field: 'roleName', issue: 'differs from the existing provider' },
          { field: 'externalId', issue: 'differs from the existing provider' },
        ],
      },
    });
    expectOnlyTheConditionalCreate();
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('answers 500 with a generic, retryable message when DynamoDB fails', async () => {
    // Prepare
    dynamo.on(PutCommand).rejects(new Error('boom'));

    // Act
    const response = await post({ name: 'dev', accountId: '123456789012' });

    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: 'INTERNAL', message: 'Internal error; retry the request, it is idempotent', details: [] },
    });
  });
});

describe('GET /workspaces/{workspace}/providers/{name}', () => {
  it('returns the provider as the API shows it', async () => {
    // Prepare
    stored(storedRecord({ policyArns: ['arn:aws:iam::123456789012:policy/capa'] }));

    // Act
    const response = await handler(routeEvent('GET', PROVIDER_RESOURCE, { workspace: 'payments', name: 'dev' }), context);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      providerId: 'payments.dev',
      workspace: 'payments',
      name: 'dev',
      accountId: '123456789012',
      roleName: 'capa-payments-dev',
      roleArn: 'arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev',
      externalId: 'generated-external-id-0000000000000000',
      trustEc2: true,
      status: 'READY',
      reason: null,
      message: null,
      policyVersion: null,
      attempt: 1,
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:payments_dev_1',
      createdAt: '2026-11-28T00:00:00.000Z',
      updatedAt: '2026-11-28T00:00:00.000Z',
      lastVerifiedAt: null,
      checks: null,
      previousExternalIdExpiresAt: null,
      rotation: null,
      lastRotation: null,
    });
  });

  it('answers 404 for an unknown provider', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});

    // Act
    const response = await handler(routeEvent('GET', PROVIDER_RESOURCE, { workspace: 'payments', name: 'nope' }), context);

    // Assess
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body).error.code).toBe('NOT_FOUND');
  });

  it('answers 400 for a malformed name without reading the registry', async () => {
    // Act
    const response = await handler(routeEvent('GET', PROVIDER_RESOURCE, { workspace: 'payments', name: 'Bad' }), context);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.details).toEqual([
      { field: 'name', issue: 'name must be 1-63 lower-case letters, digits or hyphens, starting and ending alphanumeric' },
    ]);
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });
});

describe('GET /workspaces/{workspace}/providers', () => {
  it('pages through a workspace with an opaque nextToken', async () => {
    // Prepare
    dynamo.on(QueryCommand).resolvesOnce({ Items: [storedRecord()], LastEvaluatedKey: { providerId: 'payments.dev', workspace: 'payments', name: 'dev' } }).resolves({ Items: [] });

    // Act
    const first = await handler(routeEvent('GET', PROVIDERS_RESOURCE, { workspace: 'payments' }, { queryStringParameters: { limit: '1' } }), context);
    const token = JSON.parse(first.body).nextToken;
    const second = await handler(routeEvent('GET', PROVIDERS_RESOURCE, { workspace: 'payments' }, { queryStringParameters: { nextToken: token } }), context);

    // Assess
    expect(JSON.parse(first.body).items).toHaveLength(1);
    expect(token).toEqual(expect.any(String));
    expect(dynamo.commandCalls(QueryCommand)[1]?.args[0].input).toMatchObject({
      IndexName: 'byWorkspace',
      ExclusiveStartKey: { providerId: 'payments.dev', workspace: 'payments', name: 'dev' },
    });
    expect(JSON.parse(second.body)).toEqual({ items: [], nextToken: null });
  });

  it.each([
    ['an invalid workspace', 'W', null, 'workspace'],
    ['a limit over 100', 'w', { limit: '1000' }, 'limit'],
    ['a limit of 0', 'w', { limit: '0' }, 'limit'],
    ['a forged token', 'w', { nextToken: '!!' }, 'nextToken'],
    ['an unknown status', 'w', { status: 'ALIVE' }, 'status'],
    ['includeDeleted other than true or false', 'w', { includeDeleted: 'yes' }, 'includeDeleted'],
  ])('answers 400 for %s, naming the parameter', async (_label, workspace, query, field) => {
    // Act
    const response = await handler(routeEvent('GET', PROVIDERS_RESOURCE, { workspace }, { queryStringParameters: query }), context);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.details.map((detail: { field: string }) => detail.field)).toEqual([field]);
  });
});
