// The callback pattern (`arn:aws:states:::lambda:invoke.waitForTaskToken`) as AWS runs it: the
// function gets the state's Payload with `$$.Task.Token`, the state waits for SendTaskSuccess /
// SendTaskFailure through the real @aws-sdk/client-sfn, or ends with States.Timeout after its
// TimeoutSecondsPath (read from the state's input, scaled by executionTimeoutScale); a token whose
// task is over answers TaskTimedOut.
import { GetExecutionHistoryCommand, SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStepFunctions } from '../../../local/stepfunctions/index.js';
import { ACCOUNT_ID, ADMIN, fakeIam, REGION, roleSession } from '../lambda/fake-iam.js';
import { startTestServer, TEST_CREDENTIALS, type TestServer } from '../lambda/test-server.js';

const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/callback-sm-role`;
const NOTIFY = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:notify`;

/** Waits for a callback (timeout from the input), then records which way it ended. */
const AWAIT_CALLBACK = {
  StartAt: 'Await Callback',
  States: {
    'Await Callback': {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: NOTIFY, Payload: { 'token.$': '$$.Task.Token', 'request.$': '$.request' } },
      TimeoutSecondsPath: '$.waitSeconds',
      ResultPath: '$.callback',
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.failure', Next: 'Timed Out' },
        { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.failure', Next: 'Refused' },
      ],
      End: true,
    },
    'Timed Out': { Type: 'Pass', Result: 'timed-out', ResultPath: '$.ending', End: true },
    Refused: { Type: 'Pass', Result: 'refused', ResultPath: '$.ending', End: true },
  },
};

interface Harness {
  sfn: LocalStepFunctions;
  client: SFNClient;
  server: TestServer;
  payloads: Array<{ token: string; request: string }>;
  /** The token of the `count`-th invocation, once the function has received it. */
  token(count: number): Promise<string>;
}

let open: Harness[] = [];
afterEach(async () => {
  for (const harness of open) {
    harness.client.destroy();
    await harness.server.close();
  }
  open = [];
});

async function harness(executionTimeoutScale = 1): Promise<Harness> {
  const payloads: Harness['payloads'] = [];
  const waiting: Array<() => void> = [];
  const sfn = new LocalStepFunctions({
    accountId: ACCOUNT_ID,
    region: REGION,
    authorize: fakeIam().authorize,
    roleSession,
    executionTimeoutScale,
    invokeLambda: (_functionArn, input) => {
      payloads.push(input as { token: string; request: string });
      for (const wake of waiting.splice(0)) wake();
      return Promise.resolve({ notified: true });
    },
  });
  const server = await startTestServer({ states: (req) => sfn.handle(req) }, () => ADMIN);
  const client = new SFNClient({ endpoint: server.url, region: REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  const created: Harness = {
    sfn,
    client,
    server,
    payloads,
    async token(count) {
      while (payloads.length < count) await new Promise<void>((resolve) => waiting.push(resolve));
      return payloads[count - 1]!.token;
    },
  };
  open.push(created);
  return created;
}

/** The error a call failed with (a call that succeeds fails the test). */
async function errorOf(call: Promise<unknown>): Promise<Error> {
  return call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: Error) => error,
  );
}

function start(h: Harness, name: string, waitSeconds: number): string {
  const machine = h.sfn.createStateMachine({ name: 'await-callback', definition: JSON.stringify(AWAIT_CALLBACK), roleArn: ROLE_ARN }).arn;
  return h.sfn.startExecution(machine, { name, input: JSON.stringify({ request: 'r-1', waitSeconds }) }).executionArn;
}

describe('waitForTaskToken', () => {
  it('passes the token in the Payload and ends the state with the output of SendTaskSuccess', async () => {
    // Prepare
    const h = await harness();
    const executionArn = start(h, 'succeeds', 3600);
    const token = await h.token(1);

    // Act
    await h.client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"confirmed":true}' }));
    const done = await h.sfn.waitForExecution(executionArn);

    // Assess
    expect(h.payloads[0]!.request).toBe('r-1');
    expect(token).toMatch(/^AQ[\w-]{100,}$/);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ request: 'r-1', waitSeconds: 3600, callback: { confirmed: true } });
    const { events } = await h.client.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events!.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events![2]!.taskScheduledEventDetails).toMatchObject({ resourceType: 'lambda', resource: 'invoke.waitForTaskToken', timeoutInSeconds: 3600 });
  });

  it('fails the state with the error and cause of SendTaskFailure, which Catch sees', async () => {
    // Prepare
    const h = await harness();
    const executionArn = start(h, 'refused', 3600);
    const token = await h.token(1);

    // Act
    await h.client.send(new SendTaskFailureCommand({ taskToken: token, error: 'Refused', cause: 'the caller said no' }));
    const done = await h.sfn.waitForExecution(executionArn);

    // Assess
    expect(JSON.parse(done.output!)).toMatchObject({ ending: 'refused', failure: { Error: 'Refused', Cause: 'the caller said no' } });
  });

  it('ends the state with States.Timeout after TimeoutSecondsPath, scaled, and answers a late callback TaskTimedOut', async () => {
    // Prepare: 1,000 s scaled by 0.001 waits one second.
    const h = await harness(0.001);
    const executionArn = start(h, 'times-out', 1000);
    const token = await h.token(1);

    // Act
    const done = await h.sfn.waitForExecution(executionArn);
    const late = await errorOf(h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));

    // Assess
    expect(JSON.parse(done.output!)).toMatchObject({ ending: 'timed-out', failure: { Error: 'States.Timeout' } });
    expect(late.name).toBe('TaskTimedOut');
    const { events } = await h.client.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events!.map((event) => event.type)).toContain('TaskTimedOut');
    expect(events!.find((event) => event.type === 'TaskScheduled')!.taskScheduledEventDetails!.timeoutInSeconds).toBe(1);
  });

  it('refuses a token it never issued with InvalidToken, and output that is not JSON with InvalidOutput', async () => {
    // Prepare
    const h = await harness();
    start(h, 'bad-answers', 3600);
    const token = await h.token(1);

    // Act
    const unknown = await errorOf(h.client.send(new SendTaskSuccessCommand({ taskToken: 'AQnot-a-token', output: '{}' })));
    const notJson = await errorOf(h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: 'not json' })));

    // Assess
    expect([unknown.name, notJson.name]).toEqual(['InvalidToken', 'InvalidOutput']);
  });
});
