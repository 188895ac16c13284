import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalLambda } from '../../../local/lambda/index.js';
import { LocalStepFunctions } from '../../../local/stepfunctions/index.js';
import { ACCOUNT_ID, ADMIN, fakeIam, REGION, roleSession, type FakeIam } from '../lambda/fake-iam.js';
import { startTestServer, TEST_CREDENTIALS, type TestServer } from '../lambda/test-server.js';

// Step Functions over the interpreter, its Task states running real LocalLambda fixture functions,
// driven through the real @aws-sdk/client-sfn and @aws-sdk/client-lambda clients.

const FIXTURES = fileURLToPath(new URL('../lambda/fixtures/', import.meta.url));
const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/onboarding-sm-role`;
const DENIED_ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/no-invoke-role`;
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`;

/** Pass (context) → Task (Retry on a custom error, Catch to Fail) → Choice → Succeed. */
const ONBOARD = {
  StartAt: 'Describe',
  States: {
    Describe: {
      Type: 'Pass',
      Parameters: { 'execution.$': '$$.Execution.Name', 'stateMachine.$': '$$.StateMachine.Name', 'roleArn.$': '$$.Execution.RoleArn' },
      ResultPath: '$.context',
      Next: 'PrepareRole',
    },
    PrepareRole: {
      Type: 'Task',
      Resource: fnArn('flaky'),
      ResultPath: '$.result',
      Retry: [{ ErrorEquals: ['NotReadyYet'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 3 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
      Next: 'IsReady',
    },
    IsReady: { Type: 'Choice', Choices: [{ Variable: '$.result.ready', BooleanEquals: true, Next: 'Done' }], Default: 'Failed' },
    Done: { Type: 'Succeed' },
    Failed: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
  },
};

const SLOW = { StartAt: 'Sleep', States: { Sleep: { Type: 'Task', Resource: fnArn('sleep'), End: true } } };
const SHORT_FUSE = { StartAt: 'Sleep', States: { Sleep: { Type: 'Task', Resource: fnArn('sleep'), TimeoutSeconds: 1, End: true } } };
const TIMES_OUT = { StartAt: 'Sleep', States: { Sleep: { Type: 'Task', Resource: fnArn('sleep-1s'), End: true } } };

const typesOf = (events: HistoryEvent[]) => events.map((event) => event.type);

describe('LocalStepFunctions', () => {
  let iam: FakeIam;
  let lambda: LocalLambda;
  let sfn: LocalStepFunctions;
  let server: TestServer;
  let client: SFNClient;
  let lambdaClient: LambdaClient;
  let onboardArn: string;
  let slowArn: string;
  let keys = 0;
  const invocations: Array<{ functionArn: string; caller: string }> = [];

  const makeSfn = (retryIntervalScale = 0) =>
    new LocalStepFunctions({
      accountId: ACCOUNT_ID,
      region: REGION,
      authorize: iam.authorize,
      retryIntervalScale,
      roleSession,
      invokeLambda: async (functionArn, input, caller) => {
        invocations.push({ functionArn, caller: caller.arn });
        const result = await lambda.invoke(functionArn, input);
        if (result.functionError !== undefined) {
          const payload = result.payload as { errorType?: string };
          const error = new Error(JSON.stringify(payload));
          error.name = payload.errorType ?? 'Lambda.Unknown';
          throw error;
        }
        return result.payload;
      },
    });

  const deploy = (target: LocalStepFunctions) => {
    onboardArn = target.createStateMachine({ name: 'onboard', definition: JSON.stringify(ONBOARD), roleArn: ROLE_ARN }).arn;
    slowArn = target.createStateMachine({ name: 'slow', definition: JSON.stringify(SLOW), roleArn: ROLE_ARN }).arn;
  };

  const start = async (stateMachineArn: string, input: unknown, name?: string) => {
    const started = await client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), ...(name !== undefined ? { name } : {}) }));
    return started.executionArn!;
  };

  const history = async (executionArn: string) => (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];

  beforeAll(async () => {
    iam = fakeIam();
    lambda = new LocalLambda({ accountId: ACCOUNT_ID, region: REGION, authorize: iam.authorize, endpointUrl: 'http://127.0.0.1:4566', onLog: () => undefined });
    const credentials = { accessKeyId: 'ASIAFN', secretAccessKey: 's', sessionToken: 't' };
    const fn = (name: string, handler: string, timeoutSeconds = 10) =>
      lambda.createFunction({ name, codeDir: FIXTURES, handler, environment: {}, timeoutSeconds, roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/${name}`, credentials });
    fn('flaky', 'flaky.handler');
    fn('sleep', 'sleep.handler');
    fn('sleep-1s', 'sleep.handler', 1);
    sfn = makeSfn();
    deploy(sfn);
    server = await startTestServer({ states: (req) => sfn.handle(req), lambda: (req) => lambda.handle(req) }, () => ADMIN);
    client = new SFNClient({ endpoint: server.url, region: REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    lambdaClient = new LambdaClient({ endpoint: server.url, region: REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  });

  afterAll(async () => {
    client?.destroy();
    lambdaClient?.destroy();
    await server?.close();
    await lambda?.close();
  });

  it('runs Pass → Task → Choice → Succeed with the context object, invoking Lambda as the state machine role', async () => {
    // Prepare
    const key = `ok-${keys++}`;
    // Act
    const executionArn = await start(onboardArn, { key }, 'first-run');
    await sfn.waitForExecution(executionArn);
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    // Assess
    expect(executionArn).toBe(`arn:aws:states:${REGION}:${ACCOUNT_ID}:execution:onboard:first-run`);
    expect(described.status).toBe('SUCCEEDED');
    expect(described.startDate).toBeInstanceOf(Date);
    expect(described.stopDate!.getTime()).toBeGreaterThanOrEqual(described.startDate!.getTime());
    expect(JSON.parse(described.output!)).toEqual({
      key,
      context: { execution: 'first-run', stateMachine: 'onboard', roleArn: ROLE_ARN },
      result: { key, attempts: 1, ready: true },
    });
    expect(invocations).toContainEqual({ functionArn: fnArn('flaky'), caller: roleSession(ROLE_ARN).arn });
    expect(iam.checks).toContainEqual({ caller: roleSession(ROLE_ARN).arn, action: 'lambda:InvokeFunction', resource: fnArn('flaky') });
    expect(iam.checks).toContainEqual({ caller: ADMIN.arn, action: 'states:StartExecution', resource: onboardArn });
  });

  it('retries a custom error and then succeeds; each retry shows as another LambdaFunctionScheduled', async () => {
    // Prepare
    const key = `retry-${keys++}`;
    // Act
    const executionArn = await start(onboardArn, { key, failures: 2 });
    const done = await sfn.waitForExecution(executionArn);
    const events = await history(executionArn);
    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!).result).toEqual({ key, attempts: 3, ready: true });
    expect(typesOf(events)).toEqual([
      'ExecutionStarted',
      'PassStateEntered', 'PassStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed',
      'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed',
      'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered', 'ChoiceStateExited',
      'SucceedStateEntered', 'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    const failed = events.find((event) => event.type === 'LambdaFunctionFailed')!;
    expect(failed.lambdaFunctionFailedEventDetails?.error).toBe('NotReadyYet');
    expect(JSON.parse(failed.lambdaFunctionFailedEventDetails!.cause!)).toMatchObject({ errorType: 'NotReadyYet', errorMessage: `attempt 1 for ${key}` });
    expect(JSON.parse(failed.lambdaFunctionFailedEventDetails!.cause!).trace[0]).toBe(`NotReadyYet: attempt 1 for ${key}`);
  });

  it('has the AWS history shape: ids, links, timestamps and details; pages and reverses', async () => {
    // Prepare
    const key = `shape-${keys++}`;
    const executionArn = await start(onboardArn, { key });
    await sfn.waitForExecution(executionArn);
    // Act
    const events = await history(executionArn);
    const firstPage = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 4 }));
    const secondPage = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 4, nextToken: firstPage.nextToken }));
    const reversed = await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2 }));
    // Assess
    events.forEach((event, index) => {
      expect(event.id).toBe(index + 1);
      expect(event.previousEventId).toBe(index);
      expect(event.timestamp).toBeInstanceOf(Date);
    });
    const byType = (type: string) => events.find((event) => event.type === type)!;
    expect(byType('ExecutionStarted').executionStartedEventDetails).toMatchObject({ input: JSON.stringify({ key }), roleArn: ROLE_ARN });
    expect(byType('TaskStateEntered').stateEnteredEventDetails?.name).toBe('PrepareRole');
    expect(byType('LambdaFunctionScheduled').lambdaFunctionScheduledEventDetails).toMatchObject({ resource: fnArn('flaky') });
    expect(JSON.parse(byType('LambdaFunctionScheduled').lambdaFunctionScheduledEventDetails!.input!)).toMatchObject({ key });
    expect(JSON.parse(byType('LambdaFunctionSucceeded').lambdaFunctionSucceededEventDetails!.output!)).toEqual({ key, attempts: 1, ready: true });
    expect(byType('TaskStateExited').stateExitedEventDetails?.name).toBe('PrepareRole');
    expect(JSON.parse(byType('ExecutionSucceeded').executionSucceededEventDetails!.output!).result.ready).toBe(true);
    expect(firstPage.events?.map((event) => event.id)).toEqual([1, 2, 3, 4]);
    expect(secondPage.events?.map((event) => event.id)).toEqual([5, 6, 7, 8]);
    expect(reversed.events?.map((event) => event.type)).toEqual(['ExecutionSucceeded', 'SucceedStateExited']);
  });

  it('catches a failure into a Fail state: FAILED with the caught error and cause', async () => {
    // Prepare
    const key = `fatal-${keys++}`;
    // Act
    const executionArn = await start(onboardArn, { key, fatal: true });
    await sfn.waitForExecution(executionArn);
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    const events = await history(executionArn);
    // Assess
    expect(described.status).toBe('FAILED');
    expect(described.error).toBe('FatalError');
    expect(JSON.parse(described.cause!)).toMatchObject({ errorType: 'FatalError', errorMessage: `fatal for ${key}` });
    expect(typesOf(events).slice(-5)).toEqual(['LambdaFunctionStarted', 'LambdaFunctionFailed', 'TaskStateExited', 'FailStateEntered', 'ExecutionFailed']);
    expect(events.at(-1)?.executionFailedEventDetails).toEqual({ error: described.error, cause: described.cause });
  });

  it('fails with the retried error once MaxAttempts are spent', async () => {
    // Prepare
    const key = `exhausted-${keys++}`;
    // Act
    const executionArn = await start(onboardArn, { key, failures: 10 });
    const done = await sfn.waitForExecution(executionArn);
    const events = await history(executionArn);
    // Assess
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('NotReadyYet');
    expect(typesOf(events).filter((type) => type === 'LambdaFunctionScheduled')).toHaveLength(4);
  });

  it('scales Retry intervals with retryIntervalScale, keeping the exponential backoff', async () => {
    // Prepare
    const scaled = makeSfn(0.1);
    deploy(scaled);
    const key = `scaled-${keys++}`;
    // Act
    const { executionArn } = scaled.startExecution(onboardArn, { input: JSON.stringify({ key, failures: 2 }) });
    const done = await scaled.waitForExecution(executionArn);
    const events = scaled.getExecutionHistory(executionArn);
    // Assess
    const at = (type: string, nth: number) => events.filter((event) => event.type === type)[nth]!.timestamp!.getTime();
    const firstWait = at('LambdaFunctionScheduled', 1) - at('LambdaFunctionFailed', 0);
    const secondWait = at('LambdaFunctionScheduled', 2) - at('LambdaFunctionFailed', 1);
    expect(done.status).toBe('SUCCEEDED');
    expect(firstWait).toBeGreaterThanOrEqual(90); // 1 s × 0.1
    expect(secondWait).toBeGreaterThanOrEqual(190); // 1 s × 2 × 0.1
    expect(firstWait + secondWait).toBeLessThan(1500);
  });

  it('is idempotent for the same name and input while running; a reused name is ExecutionAlreadyExists', async () => {
    // Prepare
    const input = { ms: 300 };
    // Act
    const first = await start(slowArn, input, 'dup');
    const again = await start(slowArn, input, 'dup');
    const otherInput = start(slowArn, { ms: 301 }, 'dup');
    await expect(otherInput).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await sfn.waitForExecution(first);
    const afterwards = start(slowArn, input, 'dup');
    // Assess
    expect(again).toBe(first);
    await expect(afterwards).rejects.toMatchObject({ name: 'ExecutionAlreadyExists', message: `Execution Already Exists: '${first}'` });
    const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: slowArn }));
    expect(listed.executions?.filter((execution) => execution.name === 'dup')).toHaveLength(1);
  });

  it('rejects unknown ARNs, bad names and non-JSON input with the Step Functions error codes', async () => {
    // Prepare
    const missingMachine = `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:nope`;
    const missingExecution = `arn:aws:states:${REGION}:${ACCOUNT_ID}:execution:onboard:nope`;
    // Act
    const results = await Promise.allSettled([
      client.send(new StartExecutionCommand({ stateMachineArn: missingMachine })),
      client.send(new DescribeExecutionCommand({ executionArn: missingExecution })),
      client.send(new StartExecutionCommand({ stateMachineArn: onboardArn, name: 'has space' })),
      client.send(new StartExecutionCommand({ stateMachineArn: onboardArn, name: 'x'.repeat(81) })),
      client.send(new StartExecutionCommand({ stateMachineArn: onboardArn, input: '{not json' })),
      client.send(new DescribeExecutionCommand({ executionArn: 'arn:aws:lambda:us-east-1:000000000000:function:x' })),
    ]);
    // Assess
    expect(results.map((result) => (result.status === 'rejected' ? (result.reason as Error).name : 'fulfilled'))).toEqual([
      'StateMachineDoesNotExist',
      'ExecutionDoesNotExist',
      'InvalidName',
      'InvalidName',
      'InvalidExecutionInput',
      'InvalidArn',
    ]);
  });

  it('refuses StartExecution to a caller without states:StartExecution', async () => {
    // Prepare
    const machine = sfn.createStateMachine({ name: 'guarded', definition: JSON.stringify(SLOW), roleArn: ROLE_ARN }).arn;
    iam.deny(ADMIN.arn, 'states:StartExecution', machine);
    // Act
    const denied = start(machine, { ms: 1 });
    // Assess
    await expect(denied).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(sfn.listExecutions(machine)).toEqual([]);
  });

  it('fails the task like AWS when the state machine role may not invoke the function', async () => {
    // Prepare
    const machine = sfn.createStateMachine({ name: 'no-invoke', definition: JSON.stringify(SLOW), roleArn: DENIED_ROLE_ARN }).arn;
    iam.deny(roleSession(DENIED_ROLE_ARN).arn, 'lambda:InvokeFunction', fnArn('sleep'));
    const before = invocations.length;
    // Act
    const executionArn = await start(machine, { ms: 1 });
    const done = await sfn.waitForExecution(executionArn);
    const events = await history(executionArn);
    // Assess
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('Lambda.AWSLambdaException');
    expect(done.cause).toContain(`User: ${roleSession(DENIED_ROLE_ARN).arn} is not authorized to perform: lambda:InvokeFunction on resource: ${fnArn('sleep')}`);
    expect(done.cause).toContain('Error Code: AccessDeniedException');
    expect(typesOf(events)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStartFailed', 'ExecutionFailed']);
    expect(invocations.length).toBe(before);
  });

  it('surfaces a Lambda timeout as Sandbox.Timedout, and a state timeout as States.Timeout', async () => {
    // Prepare
    const lambdaTimeout = sfn.createStateMachine({ name: 'lambda-timeout', definition: JSON.stringify(TIMES_OUT), roleArn: ROLE_ARN }).arn;
    const stateTimeout = sfn.createStateMachine({ name: 'state-timeout', definition: JSON.stringify(SHORT_FUSE), roleArn: ROLE_ARN }).arn;
    // Act
    const [lambdaRun, stateRun] = await Promise.all([start(lambdaTimeout, { ms: 3000 }), start(stateTimeout, { ms: 3000 })]);
    const [lambdaDone, stateDone] = await Promise.all([sfn.waitForExecution(lambdaRun), sfn.waitForExecution(stateRun)]);
    const stateEvents = await history(stateRun);
    // Assess
    expect(lambdaDone.status).toBe('FAILED');
    expect(lambdaDone.error).toBe('Sandbox.Timedout');
    expect(JSON.parse(lambdaDone.cause!)).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' });
    expect(stateDone.status).toBe('FAILED');
    expect(stateDone.error).toBe('States.Timeout');
    expect(typesOf(stateEvents)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionTimedOut', 'ExecutionFailed']);
  });

  it('stops a running execution: ABORTED, with ExecutionAborted last in its history', async () => {
    // Prepare
    const executionArn = await start(slowArn, { ms: 2000 });
    // Act
    const stopped = await client.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stopped by test' }));
    const done = await sfn.waitForExecution(executionArn);
    const events = await history(executionArn);
    // Assess
    expect(stopped.stopDate).toBeInstanceOf(Date);
    expect(done).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'stopped by test' });
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'Operator', cause: 'stopped by test' } });
  });

  it('lists executions newest first with a status filter and pages, and describes and lists state machines', async () => {
    // Prepare
    const machine = sfn.createStateMachine({ name: 'listed', definition: JSON.stringify(SLOW), roleArn: ROLE_ARN }).arn;
    const arns: string[] = [];
    for (const ms of [1, 2, 3]) arns.push(await start(machine, { ms }));
    await Promise.all(arns.map((arn) => sfn.waitForExecution(arn)));
    const running = await start(machine, { ms: 500 });
    // Act
    const page1 = await client.send(new ListExecutionsCommand({ stateMachineArn: machine, maxResults: 2 }));
    const page2 = await client.send(new ListExecutionsCommand({ stateMachineArn: machine, maxResults: 2, nextToken: page1.nextToken }));
    const succeeded = await client.send(new ListExecutionsCommand({ stateMachineArn: machine, statusFilter: 'SUCCEEDED' }));
    const described = await client.send(new DescribeStateMachineCommand({ stateMachineArn: machine }));
    const machines = await client.send(new ListStateMachinesCommand({}));
    await sfn.waitForExecution(running);
    // Assess
    expect([...(page1.executions ?? []), ...(page2.executions ?? [])].map((e) => e.executionArn)).toEqual([running, ...arns.reverse()]);
    expect(page2.nextToken).toBeUndefined();
    expect(succeeded.executions?.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(described).toMatchObject({ stateMachineArn: machine, name: 'listed', status: 'ACTIVE', roleArn: ROLE_ARN, type: 'STANDARD', definition: JSON.stringify(SLOW) });
    expect(described.creationDate).toBeInstanceOf(Date);
    expect(machines.stateMachines?.map((m) => m.name)).toEqual(expect.arrayContaining(['onboard', 'slow', 'listed']));
  });

  it('keeps finished executions with their histories across snapshot/restore and restarts running ones', async () => {
    // Prepare
    const finished = await start(onboardArn, { key: `snap-${keys++}` });
    await sfn.waitForExecution(finished);
    const running = await start(slowArn, { ms: 400 });
    const finishedHistory = await history(finished);
    const snapshot = JSON.parse(JSON.stringify(sfn.snapshot())) as unknown;
    // Act
    const restored = makeSfn();
    restored.restore(snapshot);
    const restarted = await restored.waitForExecution(running);
    // Assess
    expect(restored.describeExecution(finished).status).toBe('SUCCEEDED');
    expect(restored.getExecutionHistory(finished)).toEqual(finishedHistory);
    expect(restarted.status).toBe('SUCCEEDED');
    expect(JSON.parse(restarted.output!)).toEqual({ slept: 400 });
    expect(typesOf(restored.getExecutionHistory(running))[0]).toBe('ExecutionStarted');
    expect(restored.listExecutions(slowArn).map((e) => e.executionArn)).toContain(running);
    expect(() => restored.startExecution(onboardArn, { name: restored.describeExecution(finished).name })).toThrow(expect.objectContaining({ code: 'ExecutionAlreadyExists' }));
    await sfn.waitForExecution(running);
  });

  it('holds restored running executions until resumeRestored() when asked to', async () => {
    // Prepare
    const running = await start(slowArn, { ms: 300 });
    const snapshot = sfn.snapshot();
    const restored = makeSfn();
    // Act
    restored.restore(snapshot, { resume: false });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const held = restored.describeExecution(running);
    const heldHistory = restored.getExecutionHistory(running);
    restored.resumeRestored();
    const done = await restored.waitForExecution(running);
    // Assess
    expect(held.status).toBe('RUNNING');
    expect(heldHistory).toEqual([]);
    expect(done.status).toBe('SUCCEEDED');
    await sfn.waitForExecution(running);
  });

  it('answers the Lambda API next to it: the same function invoked directly through the SDK', async () => {
    // Act
    const result = await lambdaClient.send(new InvokeCommand({ FunctionName: 'flaky', Payload: JSON.stringify({ key: `direct-${keys++}` }) }));
    // Assess
    expect(result.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(result.Payload!).toString('utf8'))).toMatchObject({ attempts: 1, ready: true });
  });

  it('rejects an invalid definition and a conflicting re-create', () => {
    // Act
    const invalid = () => sfn.createStateMachine({ name: 'bad', definition: JSON.stringify({ StartAt: 'Missing', States: {} }), roleArn: ROLE_ARN });
    const sameAgain = sfn.createStateMachine({ name: 'onboard', definition: JSON.stringify(ONBOARD), roleArn: ROLE_ARN });
    const conflicting = () => sfn.createStateMachine({ name: 'onboard', definition: JSON.stringify(SLOW), roleArn: ROLE_ARN });
    // Assess
    expect(invalid).toThrow(expect.objectContaining({ code: 'InvalidDefinition' }));
    expect(sameAgain.arn).toBe(onboardArn);
    expect(conflicting).toThrow(expect.objectContaining({ code: 'StateMachineAlreadyExists' }));
  });
});
