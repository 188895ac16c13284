import {
  CreateStateMachineCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsRequest } from '../../../local/core/types.js';
import { LocalStepFunctions } from '../../../local/stepfunctions/index.js';
import { ACCOUNT_ID, ADMIN, fakeIam, REGION, roleSession, type FakeIam } from '../lambda/fake-iam.js';
import { startTestServer, TEST_CREDENTIALS, type TestServer } from '../lambda/test-server.js';

// The Step Functions API operations that need no Lambda (Pass states only), through the real
// @aws-sdk/client-sfn, plus what only a raw request can reach (unknown operations, missing fields).

const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/api-sm-role`;
const OTHER_ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/api-other-role`;
const machineArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:${name}`;
const ECHO = { StartAt: 'Echo', States: { Echo: { Type: 'Pass', Result: { echoed: true }, ResultPath: '$.echo', End: true } } };
const ECHO_TWICE = { StartAt: 'One', States: { One: { Type: 'Pass', Next: 'Two' }, Two: { Type: 'Pass', End: true } } };

function rawRequest(action: string, params: Record<string, unknown>): AwsRequest {
  return { service: 'states', action, params, caller: ADMIN, region: REGION, rawBody: JSON.stringify(params), path: '/', headers: {} };
}

function newStepFunctions(iam: FakeIam): LocalStepFunctions {
  return new LocalStepFunctions({
    accountId: ACCOUNT_ID,
    region: REGION,
    authorize: iam.authorize,
    roleSession,
    invokeLambda: () => Promise.reject(new Error('these state machines have no Task states')),
  });
}

describe('Step Functions API operations', () => {
  let iam: FakeIam;
  let sfn: LocalStepFunctions;
  let server: TestServer;
  let client: SFNClient;

  beforeAll(async () => {
    iam = fakeIam();
    sfn = newStepFunctions(iam);
    server = await startTestServer({ states: (req) => sfn.handle(req) }, () => ADMIN);
    client = new SFNClient({ endpoint: server.url, region: REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
  });

  it('answers an operation it does not implement, or an inherited object key, with UnknownOperationException', async () => {
    // Act
    const responses = await Promise.all([sfn.handle(rawRequest('CreateActivity', {})), sfn.handle(rawRequest('toString', {}))]);
    // Assess
    expect(responses.map((response) => [response.status, response.headers['x-amzn-errortype']])).toEqual([
      [400, 'UnknownOperationException'],
      [400, 'UnknownOperationException'],
    ]);
    expect(JSON.parse(responses[0]!.body)).toEqual({ __type: 'UnknownOperationException', message: 'Unknown operation CreateActivity' });
  });

  it('rejects a request without a required field with a ValidationException naming the field', async () => {
    // Act
    const response = await sfn.handle(rawRequest('DescribeExecution', {}));
    // Assess
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      __type: 'ValidationException',
      message: "1 validation error detected: Value null at 'executionArn' failed to satisfy constraint: Member must not be null",
    });
  });

  it('creates a state machine with the caller allowed to create it and to pass its role', async () => {
    // Act
    const created = await client.send(new CreateStateMachineCommand({ name: 'api-created', definition: JSON.stringify(ECHO), roleArn: ROLE_ARN }));
    // Assess
    expect(created.stateMachineArn).toBe(machineArn('api-created'));
    expect(created.creationDate).toBeInstanceOf(Date);
    expect(iam.checks).toContainEqual({ caller: ADMIN.arn, action: 'states:CreateStateMachine', resource: machineArn('api-created') });
    expect(iam.checks).toContainEqual({ caller: ADMIN.arn, action: 'iam:PassRole', resource: ROLE_ARN });
  });

  it('updates the definition in place, keeping the creation date; a new role needs iam:PassRole', async () => {
    // Prepare
    const arn = sfn.createStateMachine({ name: 'api-updated', definition: JSON.stringify(ECHO), roleArn: ROLE_ARN }).arn;
    const before = await client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    iam.deny(ADMIN.arn, 'iam:PassRole', OTHER_ROLE_ARN);
    // Act
    const updated = await client.send(new UpdateStateMachineCommand({ stateMachineArn: arn, definition: JSON.stringify(ECHO_TWICE) }));
    const deniedRole = client.send(new UpdateStateMachineCommand({ stateMachineArn: arn, roleArn: OTHER_ROLE_ARN }));
    await expect(deniedRole).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const after = await client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    // Assess
    expect(updated.updateDate).toBeInstanceOf(Date);
    expect(after.definition).toBe(JSON.stringify(ECHO_TWICE));
    expect(after.roleArn).toBe(ROLE_ARN);
    expect(after.creationDate).toEqual(before.creationDate);
    expect(iam.checks).toContainEqual({ caller: ADMIN.arn, action: 'iam:PassRole', resource: OTHER_ROLE_ARN });
  });

  it('leaves inputs and outputs out of the history when includeExecutionData is false', async () => {
    // Prepare
    const arn = sfn.createStateMachine({ name: 'api-history', definition: JSON.stringify(ECHO), roleArn: ROLE_ARN }).arn;
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify({ secret: 'value' }) }));
    await sfn.waitForExecution(executionArn!);
    // Act
    const { events = [] } = await client.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }));
    // Assess
    expect(events.map((event) => event.type)).toEqual(['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
    expect(events[0]?.executionStartedEventDetails).toEqual({ inputDetails: { truncated: false }, roleArn: ROLE_ARN });
    expect(events[1]?.stateEnteredEventDetails).toEqual({ name: 'Echo', inputDetails: { truncated: false } });
    expect(events[3]?.executionSucceededEventDetails).toEqual({ outputDetails: { truncated: false } });
  });

  it('lists state machines by name, one page at a time', async () => {
    // Prepare
    const fresh = newStepFunctions(iam);
    for (const name of ['page-c', 'page-a', 'page-b']) fresh.createStateMachine({ name, definition: JSON.stringify(ECHO), roleArn: ROLE_ARN });
    const list = async (params: Record<string, unknown>) =>
      JSON.parse((await fresh.handle(rawRequest('ListStateMachines', params))).body) as { stateMachines: Array<{ name: string }>; nextToken?: string };
    // Act
    const first = await list({ maxResults: 2 });
    const second = await list({ maxResults: 2, nextToken: first.nextToken });
    // Assess
    expect(first.stateMachines.map((machine) => machine.name)).toEqual(['page-a', 'page-b']);
    expect(second.stateMachines.map((machine) => machine.name)).toEqual(['page-c']);
    expect(second.nextToken).toBeUndefined();
  });

  it('rejects a page token it did not issue with InvalidToken and a page over 1000 with ValidationException', async () => {
    // Act
    const results = await Promise.allSettled([
      client.send(new ListStateMachinesCommand({ nextToken: 'not-a-token' })),
      client.send(new ListStateMachinesCommand({ maxResults: 1001 })),
    ]);
    // Assess
    expect(results.map((result) => (result.status === 'rejected' ? (result.reason as Error).name : 'fulfilled'))).toEqual(['InvalidToken', 'ValidationException']);
  });
});
