// A principal allowed only to create (execute-api:Invoke on POST /workspaces/{workspace}/providers) must not learn another
// provider's secrets through the create route: a repeated create answers without the External ID
// unless the request supplied that same ID, and a conflict names the differing fields without the
// values stored on the provider.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_ENVIRONMENT, lambdaContext, PROVIDERS_RESOURCE, routeEvent } from '../../support/api-events.js';
import { providerRecord } from '../../support/provider-records.js';
import type { ProviderRecord } from '../../../functions/shared/domain/provider.js';

const STORED_ID = 'stored-external-id-7f3a9c1e5b2d4860';
const dynamo = mockClient(DynamoDBDocumentClient);

/** The provider exists: the create's conditional write fails, and the read that follows finds it. */
function stored(item: ProviderRecord): void {
  dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
  dynamo.on(GetCommand).resolves({ Item: item });
}
const sfn = mockClient(SFNClient);
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  Object.assign(process.env, API_ENVIRONMENT);
  ({ handler } = await import('../../../functions/api/handler.js'));
});

beforeEach(() => {
  dynamo.reset();
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date('2026-11-28T00:00:00Z') });
});

interface Answer {
  status: number;
  body: { provider: Record<string, unknown>; error?: unknown };
}

const post = async (body: Record<string, unknown>): Promise<Answer> => {
  const response = await handler(routeEvent('POST', PROVIDERS_RESOURCE, { workspace: 'payments' }, { body: JSON.stringify(body) }), lambdaContext());
  return { status: response.statusCode, body: JSON.parse(response.body) as Answer['body'] };
};
const request = { name: 'dev', accountId: '123456789012' };

describe('the request that creates the provider', () => {
  it('gets the generated External ID, which it can get nowhere else', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});
    dynamo.on(PutCommand).resolves({});

    // Act
    const created = await post(request);

    // Assess
    expect(created.status).toBe(202);
    expect(created.body.provider.externalId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.body.provider.externalId).toBe(dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item?.externalId);
  });

  it('gets back the External ID it supplied', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});
    dynamo.on(PutCommand).resolves({});

    // Act
    const created = await post({ ...request, externalId: 'portal-external-id-0001' });

    // Assess
    expect(created.body.provider.externalId).toBe('portal-external-id-0001');
  });
});

describe('a repeated create', () => {
  it('without an External ID answers 202 with the provider but not its External ID', async () => {
    // Prepare
    stored(providerRecord({ externalId: STORED_ID }));

    // Act
    const repeated = await post(request);

    // Assess
    expect(repeated.status).toBe(202);
    expect(repeated.body.provider).toEqual({
      providerId: 'payments.dev',
      workspace: 'payments',
      name: 'dev',
      accountId: '123456789012',
      roleName: 'capa-payments-dev',
      roleArn: 'arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev',
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

  it('with the same External ID answers with it: the caller already has it', async () => {
    // Prepare
    stored(providerRecord({ externalId: STORED_ID }));

    // Act
    const repeated = await post({ ...request, externalId: STORED_ID });

    // Assess
    expect(repeated.status).toBe(202);
    expect(repeated.body.provider.externalId).toBe(STORED_ID);
  });

  it('that restarts a FAILED provider does not disclose its External ID either', async () => {
    // Prepare
    stored(providerRecord({ externalId: STORED_ID, status: 'FAILED', reason: 'INTERNAL', message: 'boom' }));
    dynamo.on(UpdateCommand).resolves({});

    // Act
    const restarted = await post(request);

    // Assess
    expect(restarted.status).toBe(202);
    expect(restarted.body.provider).toMatchObject({ status: 'PENDING', attempt: 2 });
    expect(restarted.body.provider).not.toHaveProperty('externalId');
  });

  it('that lost a race to create the provider does not get the External ID of the winner', async () => {
    // Prepare
    stored(providerRecord({ externalId: STORED_ID, status: 'PENDING' }));

    // Act
    const lost = await post(request);

    // Assess
    expect(lost.status).toBe(202);
    expect(lost.body.provider).not.toHaveProperty('externalId');
    expect(JSON.stringify(lost.body)).not.toContain(STORED_ID);
  });
});

describe('a create that conflicts with the existing provider', () => {
  it('names the differing fields without the values stored on the provider', async () => {
    // Prepare
    stored(providerRecord({ externalId: STORED_ID, roleName: 'capa-custom-role', trustEc2: false }));

    // Act
    const conflict = await post({ ...request, accountId: '999999999999', externalId: 'guess-0001' });

    // Assess
    expect(conflict.status).toBe(409);
    expect(conflict.body).toEqual({
      error: {
        code: 'CONFLICT',
        message: 'Provider payments.dev already exists with a different specification',
        details: [
          { field: 'accountId', issue: 'differs from the existing provider' },
          { field: 'roleName', issue: 'differs from the existing provider' },
          { field: 'trustEc2', issue: 'differs from the existing provider' },
          { field: 'externalId', issue: 'differs from the existing provider' },
        ],
      },
    });
    expect(sfn).not.toHaveReceivedAnyCommand();
  });
});

describe('a create for a FAILED provider whose ended execution is still being cleaned up', () => {
  it('is 409 with Retry-After, names the execution, and starts nothing', async () => {
    // Prepare: execution-ended recorded FAILED a moment ago and is removing what that execution created.
    const failed = providerRecord({
      externalId: STORED_ID,
      status: 'FAILED',
      reason: 'EXECUTION_ABORTED',
      leftoversPendingSince: new Date(Date.now() - 1_000).toISOString(),
    });
    stored(failed);

    // Act
    const response = await handler(routeEvent('POST', PROVIDERS_RESOURCE, { workspace: 'payments' }, { body: JSON.stringify(request) }), lambdaContext());

    // Assess
    expect(response.statusCode).toBe(409);
    expect(response.headers).toMatchObject({ 'retry-after': '5' });
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'CONFLICT',
        message: `Provider payments.dev is FAILED and what its execution (${failed.executionArn}) created is still being removed; send the request again in a few seconds`,
        details: [],
      },
    });
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
    expect(sfn).not.toHaveReceivedAnyCommand();
  });
});
