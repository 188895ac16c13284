// Security invariant: the External ID (supplied or generated) appears in no log line of the
// functions that start onboardings, even at the most verbose log level. Logging is captured, not
// silenced, so a log line that leaks the value fails these tests.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NewAccountEvent } from '../../functions/shared/domain/new-account.js';
import type { ProviderRecord } from '../../functions/shared/domain/provider.js';
import { providerRecord, TEST_STATE_MACHINE_ARN } from '../support/provider-records.js';
import { PROVIDER_RESOURCE, PROVIDERS_RESOURCE, routeEvent } from '../support/api-events.js';

const SUPPLIED_ID = 'supplied-secret-external-id-0001';
const STORED_ID = 'stored-external-id-7f3a9c1e5b2d4860';

const dynamo = mockClient(DynamoDBDocumentClient);

/** The provider exists: the create's conditional write fails, and the read that follows finds it. */
function stored(item: ProviderRecord): void {
  dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
  dynamo.on(GetCommand).resolves({ Item: item });
}
const sfn = mockClient(SFNClient);
const context = { functionName: 'fn', awsRequestId: 'request-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
let apiHandler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let triggerHandler: (event: NewAccountEvent, context: Context) => Promise<{ providerId?: string; outcome: string }>;
let logLevel: () => string;
let logged: string[];

beforeAll(async () => {
  // The logger reads its level when the handler module loads: set the most verbose level first.
  delete process.env.AWS_LAMBDA_LOG_LEVEL;
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    TABLE_NAME: 'providers',
    STATE_MACHINE_ARN: TEST_STATE_MACHINE_ARN,
    VERIFICATION_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:VerifyProvider',
    OFFBOARDING_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:Offboard',
    ROLLOUT_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:RolloutPolicy',
    POLICY_VERSION: 'sha256:1111111122222222',
    ROTATION_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:RotateExternalId',
    PARTITION: 'aws',
    ROLE_PATH: '/capa-providers/',
    ROLE_NAME_PREFIX: 'capa-',
    DEFAULT_WORKSPACE: 'payments',
    POWERTOOLS_LOG_LEVEL: 'TRACE',
    LOG_LEVEL: 'TRACE',
    // An operator debugging in production may switch on event logging: the API event's body
    // carries the External ID, so the functions must not log events whatever this says.
    POWERTOOLS_LOGGER_LOG_EVENT: 'true',
  });
  ({ handler: apiHandler } = await import('../../functions/api/handler.js'));
  ({ handler: triggerHandler } = await import('../../functions/account-trigger/handler.js'));
  const { logger } = await import('../../functions/shared/runtime/logger.js');
  logLevel = () => logger.getLevelName();
});

beforeEach(() => {
  dynamo.reset();
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date('2026-11-28T00:00:00Z') });
  logged = [];
  const capture = (...parts: unknown[]) => {
    logged.push(parts.map(String).join(' '));
    return true;
  };
  // Powertools writes JSON lines to the process streams (or to the console with POWERTOOLS_DEV).
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation(capture);
  }
});

afterEach(() => {
  vi.restoreAllMocks();
});

const logText = () => logged.join('\n');


const post = (body: string, workspace = 'payments') => apiHandler(routeEvent('POST', PROVIDERS_RESOURCE, { workspace }, { body }), context);

/** Organizations CreateAccountResult for account 555566667777, as the trigger's rule delivers it. */
const newAccountEvent: NewAccountEvent = {
  id: 'event-1',
  source: 'aws.organizations',
  'detail-type': 'AWS Service Event via CloudTrail',
  detail: {
    eventName: 'CreateAccountResult',
    serviceEventDetails: { createAccountStatus: { state: 'SUCCEEDED', accountId: '555566667777', accountName: 'team-search-prod' } },
  },
};
const triggeredProvider = (overrides: Parameters<typeof providerRecord>[0] = {}) =>
  providerRecord({
    providerId: 'payments.aws-555566667777',
    name: 'aws-555566667777',
    accountId: '555566667777',
    roleName: 'capa-payments-aws-555566667777',
    roleArn: 'arn:aws:iam::555566667777:role/capa-providers/capa-payments-aws-555566667777',
    externalId: STORED_ID,
    ...overrides,
  });

it('the functions log at the most verbose level in these tests', () => {
  // Act
  const level = logLevel();

  // Assess
  expect(level).toBe('TRACE');
});

describe('the API never logs the External ID', () => {
  it('creating a provider with a supplied External ID logs where it came from, never the value or a hash of it', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});
    dynamo.on(PutCommand).resolves({});

    // Act
    const response = await post(JSON.stringify({ name: 'dev', accountId: '123456789012', externalId: SUPPLIED_ID }));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(logText()).toContain('Provider request accepted');
    expect(logText()).toContain('"externalIdSource":"supplied"');
    expect(logText()).not.toContain('sha256:');
    expect(logText()).not.toContain(SUPPLIED_ID);
  });

  it('creating a provider with a generated External ID does not log the generated value', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});
    dynamo.on(PutCommand).resolves({});

    // Act
    const response = await post(JSON.stringify({ name: 'dev', accountId: '123456789012' }));

    // Assess
    const generated: string = JSON.parse(response.body).provider.externalId;
    expect(generated).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(logText()).toContain('Provider request accepted');
    expect(logText()).not.toContain(generated);
  });

  it('a repeated request does not log the stored External ID', async () => {
    // Prepare
    stored(providerRecord({ externalId: STORED_ID }));

    // Act
    const response = await post(JSON.stringify({ name: 'dev', accountId: '123456789012', externalId: STORED_ID }));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(logText()).toContain('"externalIdSource":"supplied"');
    expect(logText()).not.toContain('sha256:');
    expect(logText()).not.toContain(STORED_ID);
  });

  it('a conflicting request logs neither the supplied nor the stored External ID', async () => {
    // Prepare
    stored(providerRecord({ externalId: STORED_ID }));

    // Act
    const response = await post(JSON.stringify({ name: 'dev', accountId: '123456789012', externalId: SUPPLIED_ID }));

    // Assess
    expect(response.statusCode).toBe(409);
    expect(logText()).toContain('Provider exists with a different spec');
    expect(logText()).not.toContain(SUPPLIED_ID);
    expect(logText()).not.toContain(STORED_ID);
  });

  it.each([
    ['an invalid field next to it', JSON.stringify({ name: 'Dev', accountId: '123456789012', externalId: SUPPLIED_ID })],
    ['an unknown field next to it', JSON.stringify({ name: 'dev', accountId: '123456789012', externalId: SUPPLIED_ID, extra: 1 })],
  ])('a request rejected for %s does not log the External ID', async (_label, body) => {
    // Act
    const response = await post(body);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(logText()).toContain('Rejected invalid provider request');
    expect(logText()).not.toContain(SUPPLIED_ID);
  });

  it('a failure after the provider was recorded logs the error, not the External ID', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});
    dynamo.on(PutCommand).resolves({});
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act
    const response = await post(JSON.stringify({ name: 'dev', accountId: '123456789012', externalId: SUPPLIED_ID }));

    // Assess
    expect(response.statusCode).toBe(503);
    expect(logText()).toContain('answered 503');
    expect(logText()).toContain('Rate exceeded');
    expect(logText()).not.toContain(SUPPLIED_ID);
  });

  it('reading and listing providers do not log the External ID', async () => {
    // Prepare
    stored(providerRecord({ externalId: STORED_ID }));
    dynamo.on(QueryCommand).rejects(Object.assign(new Error('Throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }));

    // Act
    const read = await apiHandler(routeEvent('GET', PROVIDER_RESOURCE, { workspace: 'payments', name: 'dev' }), context);
    const list = await apiHandler(routeEvent('GET', PROVIDERS_RESOURCE, { workspace: 'payments' }), context);

    // Assess
    expect(JSON.parse(read.body).externalId).toBe(STORED_ID);
    expect(list.statusCode).toBe(503);
    expect(logText()).toContain('Throughput exceeded');
    expect(logText()).not.toContain(STORED_ID);
  });
});

describe('the new-account trigger never logs the External ID', () => {
  it('onboarding a new account does not log the generated External ID', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});
    dynamo.on(PutCommand).resolves({});

    // Act
    const result = await triggerHandler(newAccountEvent, context);

    // Assess
    const generated = dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item?.externalId as string;
    expect(result).toEqual({ providerId: 'payments.aws-555566667777', outcome: 'started' });
    expect(generated).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(logText()).toContain('New account onboarding');
    expect(logText()).not.toContain(generated);
  });

  it('an account already onboarded does not log the stored External ID', async () => {
    // Prepare
    stored(triggeredProvider());

    // Act
    const result = await triggerHandler(newAccountEvent, context);

    // Assess
    expect(result).toEqual({ providerId: 'payments.aws-555566667777', outcome: 'existing' });
    expect(logText()).toContain('New account onboarding');
    expect(logText()).not.toContain(STORED_ID);
  });

  it('an account whose provider has another spec logs the conflict, not the stored External ID', async () => {
    // Prepare
    stored(triggeredProvider({ trustEc2: false }));

    // Act
    const result = await triggerHandler(newAccountEvent, context);

    // Assess
    expect(result).toEqual({ providerId: 'payments.aws-555566667777', outcome: 'conflict' });
    expect(logText()).toContain('exists with a different spec');
    expect(logText()).not.toContain(STORED_ID);
  });

  it('a failure after the provider was recorded logs the error, not the generated External ID', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});
    dynamo.on(PutCommand).resolves({});
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act
    const invocation = triggerHandler(newAccountEvent, context);

    // Assess
    await expect(invocation).rejects.toThrow('Rate exceeded');
    const generated = dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item?.externalId as string;
    expect(generated).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(logText()).toContain('Invocation failed');
    expect(logText()).not.toContain(generated);
  });
});
