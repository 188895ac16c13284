// The execution-ended function as deployed: its environment, its clients and the adapters wired
// together, with every AWS call mocked.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetPolicyCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ExecutionStatusChangeEvent } from '../../../functions/shared/domain/ended-execution.js';
import { providerRecord } from '../../support/provider-records.js';

const dynamo = mockClient(DynamoDBDocumentClient);
const iam = mockClient(IAMClient);
const sts = mockClient(STSClient);
const eventBridge = mockClient(EventBridgeClient);
let handler: (event: ExecutionStatusChangeEvent, context: Context) => Promise<unknown>;
const context = { functionName: 'execution-ended', awsRequestId: 'r', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:Onboard:payments_dev_1';

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
    POWERTOOLS_LOG_LEVEL: 'SILENT',
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
});

const stopped: ExecutionStatusChangeEvent = {
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: {
    executionArn: EXECUTION_ARN,
    name: 'payments_dev_1',
    status: 'ABORTED',
    input: '{"provider":{"providerId":"payments.dev","workspace":"payments","name":"dev","accountId":"123456789012","roleName":"capa-payments-dev","rolePath":"/capa-providers/","trustEc2":true,"attempt":1}}',
    error: null,
    cause: null,
  },
};

describe('execution-ended handler', () => {
  it('records FAILED EXECUTION_ABORTED for a stopped VERIFYING provider and announces Provider Failed without the External ID', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({ Item: providerRecord({ status: 'VERIFYING' }) });
    dynamo.on(UpdateCommand).resolves({
      Attributes: providerRecord({ status: 'FAILED', reason: 'EXECUTION_ABORTED', message: 'Execution payments_dev_1 was stopped before it recorded an outcome.' }),
    });

    // Act
    const result = await handler(stopped, context);

    // Assess
    expect(result).toEqual({ outcome: 'failed', providerId: 'payments.dev', reason: 'EXECUTION_ABORTED', removed: [] });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { providerId: 'payments.dev' },
      // PENDING, CREATING, VERIFYING, or DELETING (an offboarding execution)
      ConditionExpression: 'attempt = :attempt AND #current IN (:s0, :s1, :s2, :s3)',
    });
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({ EventBusName: 'capa-provider-onboarding', Source: 'capa-provider-onboarding', DetailType: 'Provider Failed' });
    expect(JSON.parse(entry.Detail!)).toMatchObject({ providerId: 'payments.dev', status: 'FAILED', reason: 'EXECUTION_ABORTED', executionArn: EXECUTION_ARN });
    expect(entry.Detail).not.toContain('stored-external-id-7f3a9c1e5b2d4860');
  });

  it('does nothing for an event that announces no ended execution', async () => {
    // Act
    const result = await handler({ ...stopped, detail: { ...stopped.detail, status: 'RUNNING' } }, context);

    // Assess
    expect(result).toEqual({ outcome: 'ignored', why: 'not an ended execution' });
    expect(dynamo).not.toHaveReceivedAnyCommand();
    expect(eventBridge).not.toHaveReceivedAnyCommand();
  });
});
