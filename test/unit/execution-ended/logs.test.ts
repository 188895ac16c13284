// What the execution-ended function logs: the failure it records with the provider, the execution
// and its status on the line; a warning for an event it cannot read; why it had nothing to do.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetPolicyCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ExecutionStatusChangeEvent } from '../../../functions/shared/domain/ended-execution.js';
import { captureOutput, type CapturedOutput } from '../../support/output-capture.js';
import { providerRecord } from '../../support/provider-records.js';

const dynamo = mockClient(DynamoDBDocumentClient);
const iam = mockClient(IAMClient);
const sts = mockClient(STSClient);
const eventBridge = mockClient(EventBridgeClient);
const context = { functionName: 'execution-ended', awsRequestId: 'request-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:Onboard:payments_dev_1';
let handler: (event: ExecutionStatusChangeEvent, context: Context) => Promise<unknown>;
let output: CapturedOutput;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    PARTITION: 'aws',
    TABLE_NAME: 'providers',
    EVENT_BUS_NAME: 'capa-provider-onboarding',
    EVENT_SOURCE: 'capa-provider-onboarding',
    BOOTSTRAP_ROLE_NAME: 'OrganizationAccountAccessRole',
    ROLE_PATH: '/capa-providers/',
    MANAGEMENT_ROLE_ARN: 'arn:aws:iam::000000000000:role/capa-management',
    GRANT_MODE: 'path',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  ({ handler } = await import('../../../functions/execution-ended/handler.js'));
});

beforeEach(() => {
  for (const mock of [dynamo, iam, sts, eventBridge]) mock.reset();
  sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date() } });
  const missing = Object.assign(new Error('not found'), { name: 'NoSuchEntity', $metadata: { httpStatusCode: 404 } });
  iam.on(GetRoleCommand).rejects(missing);
  iam.on(GetPolicyCommand).rejects(missing);
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
  output = captureOutput();
});

afterEach(() => {
  output.restore();
});

const timedOut: ExecutionStatusChangeEvent = {
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: {
    executionArn: EXECUTION_ARN,
    name: 'payments_dev_1',
    status: 'TIMED_OUT',
    input: '{"provider":{"providerId":"payments.dev","workspace":"payments","name":"dev","attempt":1}}',
    error: 'States.Timeout',
    cause: null,
  },
};

describe('execution-ended logs', () => {
  it('warns that the provider failed, with its reason, message, what was removed, the account, attempt and execution', async () => {
    // Prepare
    const message = 'Execution payments_dev_1 timed out before it recorded an outcome.';
    dynamo.on(GetCommand).resolves({ Item: providerRecord({ status: 'CREATING', attempt: 1 }) });
    dynamo.on(UpdateCommand).resolves({ Attributes: providerRecord({ status: 'FAILED', reason: 'TIMEOUT', message }) });

    // Act
    const result = await handler(timedOut, context);

    // Assess
    expect(result).toEqual({ outcome: 'failed', providerId: 'payments.dev', reason: 'TIMEOUT', removed: [] });
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['Provider failed: its execution ended without recording an outcome']);
    expect(lines[0]).toMatchObject({
      level: 'WARN',
      reason: 'TIMEOUT',
      failureMessage: message,
      removed: [],
      providerId: 'payments.dev',
      executionArn: EXECUTION_ARN,
      executionStatus: 'TIMED_OUT',
      accountId: '123456789012',
      attempt: 1,
    });
  });

  it('logs why it had nothing to do for an execution of a provider the registry does not know', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});

    // Act
    const result = await handler(timedOut, context);

    // Assess
    expect(result).toEqual({ outcome: 'ignored', why: 'unknown provider' });
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['Nothing to converge']);
    expect(lines[0]).toMatchObject({ level: 'INFO', why: 'unknown provider', providerId: 'payments.dev', executionStatus: 'TIMED_OUT' });
  });

  it('warns with the source and detail-type of an event that announces no ended execution', async () => {
    // Act
    const result = await handler({ source: 'aws.states', 'detail-type': 'AWS API Call via CloudTrail', detail: {} }, context);

    // Assess
    expect(result).toEqual({ outcome: 'ignored', why: 'not an ended execution' });
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['Ignored an event that announces no ended execution']);
    expect(lines[0]).toMatchObject({ level: 'WARN', source: 'aws.states', detailType: 'AWS API Call via CloudTrail' });
  });
});
