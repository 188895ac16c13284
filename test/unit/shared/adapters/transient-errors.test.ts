// Every AWS call the onboarding makes outside IAM/STS (the registry's DynamoDB calls, PutEvents,
// StartExecution) reports throttling or a 5xx that outlived the SDK's retries as TransientAwsError,
// which the state machine retries, and leaves every other error as it was.
import { ConditionalCheckFailedException, InternalServerError, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { isTransient, rethrowTransient } from '../../../../functions/shared/adapters/aws-errors.js';
import { providerEventDetail, publishProviderEvent } from '../../../../functions/shared/adapters/provider-events.js';
import { ProviderRegistry } from '../../../../functions/shared/adapters/registry.js';
import { startOnboarding } from '../../../../functions/shared/adapters/start-onboarding.js';
import { TransientAwsError } from '../../../../functions/shared/domain/errors.js';
import { providerRecord, TEST_STATE_MACHINE_ARN } from '../../../support/provider-records.js';

const dynamodb = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);
const sfn = mockClient(SFNClient);
const registry = new ProviderRegistry(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'providers');
const bus = { busName: 'capa-provider-onboarding', source: 'capa-provider-onboarding' };
const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:Onboard:payments_dev_1';

const throttled = () =>
  new ProvisionedThroughputExceededException({
    message: 'The level of configured provisioned throughput for the table was exceeded.',
    $metadata: { httpStatusCode: 400 },
  });
const serverError = () => new InternalServerError({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } });
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } });

beforeEach(() => {
  dynamodb.reset();
  eventBridge.reset();
  sfn.reset();
});

describe('the registry', () => {
  it.each([
    ['get', () => registry.get('payments.dev'), 'GetItem payments.dev: The level of configured provisioned throughput for the table was exceeded.'],
    ['create', () => registry.create(providerRecord()), 'PutItem payments.dev: The level of configured provisioned throughput for the table was exceeded.'],
    [
      'restart',
      () => registry.restart('payments.dev', 1, { attempt: 2, executionName: 'payments_dev_2', executionArn: `${EXECUTION_ARN}2`, updatedAt: '2026-11-28T00:00:00.000Z' }),
      'UpdateItem payments.dev (restart): The level of configured provisioned throughput for the table was exceeded.',
    ],
    ['transition', () => registry.transition('payments.dev', 1, 'CREATING'), 'UpdateItem payments.dev (CREATING): The level of configured provisioned throughput for the table was exceeded.'],
    ['listByWorkspace', () => registry.listByWorkspace('payments', 10), 'Query byWorkspace payments: The level of configured provisioned throughput for the table was exceeded.'],
  ])('%s turns a throttle into TransientAwsError naming the call', async (_operation, call, message) => {
    // Prepare
    dynamodb.on(GetCommand).rejects(throttled()).on(PutCommand).rejects(throttled()).on(UpdateCommand).rejects(throttled()).on(QueryCommand).rejects(throttled());

    // Act
    const attempt = call();

    // Assess
    await expect(attempt).rejects.toThrow(TransientAwsError);
    await expect(attempt).rejects.toMatchObject({ name: 'TransientAwsError', message });
  });

  it('a transition that fails with a 500 is TransientAwsError, and one whose condition fails is still StaleAttemptError', async () => {
    // Prepare
    dynamodb.on(UpdateCommand).rejectsOnce(serverError()).rejectsOnce(conditionFailed());

    // Act
    const failing = registry.transition('payments.dev', 1, 'READY');
    await failing.catch(() => undefined);
    const stale = registry.transition('payments.dev', 1, 'READY');

    // Assess
    await expect(failing).rejects.toMatchObject({ name: 'TransientAwsError', message: 'UpdateItem payments.dev (READY): Internal server error' });
    await expect(stale).rejects.toMatchObject({ name: 'StaleAttemptError' });
  });

  it('a create whose condition fails still answers false', async () => {
    // Prepare
    dynamodb.on(PutCommand).rejects(conditionFailed());

    // Act
    const created = await registry.create(providerRecord());

    // Assess
    expect(created).toBe(false);
  });
});

describe('provider events', () => {
  const detail = providerEventDetail(providerRecord(), EXECUTION_ARN);

  it('a throttled PutEvents request is TransientAwsError', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));

    // Act
    const publishing = publishProviderEvent(new EventBridgeClient({}), bus, 'Provider Ready', detail);

    // Assess
    await expect(publishing).rejects.toMatchObject({ name: 'TransientAwsError', message: 'PutEvents "Provider Ready": Rate exceeded' });
  });

  it.each(['ThrottlingException', 'InternalFailure'])('an entry EventBridge reports as %s is TransientAwsError', async (code) => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: code, ErrorMessage: 'try again' }] });

    // Act
    const publishing = publishProviderEvent(new EventBridgeClient({}), bus, 'Provider Failed', detail);

    // Assess
    await expect(publishing).rejects.toMatchObject({ name: 'TransientAwsError', message: `EventBridge rejected "Provider Failed": ${code} try again` });
  });

  it('an entry rejected for a lasting reason stays a plain error', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus x does not exist.' }] });

    // Act
    const publishing = publishProviderEvent(new EventBridgeClient({}), bus, 'Provider Ready', detail);

    // Assess
    await expect(publishing).rejects.toMatchObject({ name: 'Error', message: 'EventBridge rejected "Provider Ready": ResourceNotFoundException Event bus x does not exist.' });
  });
});

describe('starting an onboarding', () => {
  it('a throttled StartExecution is TransientAwsError, so the trigger invocation fails and is retried', async () => {
    // Prepare
    dynamodb.on(GetCommand).resolves({}).on(PutCommand).resolves({});
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    const settings = { stateMachineArn: TEST_STATE_MACHINE_ARN, partition: 'aws', rolePath: '/capa-providers/', roleNamePrefix: 'capa-' };

    // Act
    const starting = startOnboarding({ registry, sfn: new SFNClient({}), settings }, { workspace: 'payments', name: 'dev', accountId: '123456789012' });

    // Assess
    await expect(starting).rejects.toMatchObject({ name: 'TransientAwsError', message: 'StartExecution payments_dev_1: Rate exceeded' });
  });
});

describe('TransientAwsError itself', () => {
  it('is transient, and passes through rethrowTransient unchanged', () => {
    // Prepare
    const error = new TransientAwsError('UpdateItem payments.dev (READY): Internal server error');

    // Act
    const rethrow = () => rethrowTransient(error, 'record-result');

    // Assess
    expect(isTransient(error)).toBe(true);
    expect(rethrow).toThrow(expect.objectContaining({ message: 'UpdateItem payments.dev (READY): Internal server error' }));
  });
});
