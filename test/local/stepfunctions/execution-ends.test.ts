// However an execution ends, the local Step Functions ends it as AWS does and announces it: the
// "Execution Status Change" event of its start and of its end (SUCCEEDED, FAILED, TIMED_OUT,
// ABORTED), a StopExecution that lets the running Task finish but runs no further state, and the
// state machine's TimeoutSeconds (scaled for tests) ending it TIMED_OUT. Task states run an
// in-process stand-in for Lambda whose invocations the tests release one by one.
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStepFunctions, type ExecutionStatusChangeEvent } from '../../../local/stepfunctions/index.js';
import { ACCOUNT_ID, fakeIam, REGION, roleSession } from '../lambda/fake-iam.js';

const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/sm-role`;
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`;

/** First → Second, two Task states. */
const TWO_STEPS = {
  StartAt: 'First',
  States: {
    First: { Type: 'Task', Resource: fnArn('first'), Next: 'Second' },
    Second: { Type: 'Task', Resource: fnArn('second'), End: true },
  },
};

interface Invocation {
  functionArn: string;
  input: unknown;
  succeed(output: unknown): void;
  fail(name: string, cause: string): void;
}

/** Step Functions whose Lambda invocations wait until the test settles them. */
function harness(options: { executionTimeoutScale?: number } = {}) {
  const invocations: Invocation[] = [];
  const waiting: Array<() => void> = [];
  const events: ExecutionStatusChangeEvent[] = [];
  const sfn = new LocalStepFunctions({
    accountId: ACCOUNT_ID,
    region: REGION,
    authorize: fakeIam().authorize,
    roleSession,
    retryIntervalScale: 0,
    ...options,
    onExecutionStatusChange: (event) => events.push(event),
    invokeLambda: (functionArn, input) =>
      new Promise((resolve, reject) => {
        invocations.push({
          functionArn,
          input,
          succeed: resolve,
          fail: (name, cause) => reject(Object.assign(new Error(cause), { name })),
        });
        for (const wake of waiting.splice(0)) wake();
      }),
  });
  return {
    sfn,
    events,
    invocations,
    /** The `count`-th invocation (1-based), once the execution has made it. */
    async invocation(count: number): Promise<Invocation> {
      while (invocations.length < count) await new Promise<void>((resolve) => waiting.push(resolve));
      return invocations[count - 1]!;
    },
  };
}

/** Lets every callback queued so far run (no timing involved). */
async function drainEventLoop(): Promise<void> {
  for (let turn = 0; turn < 5; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

const typesOf = (events: HistoryEvent[]) => events.map((event) => event.type);

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

describe('Execution Status Change events', () => {
  it('announce the start and the success of an execution in the shape AWS puts on the default bus', async () => {
    // Prepare
    const { sfn, events, invocation } = harness();
    const machine = sfn.createStateMachine({ name: 'two-steps', definition: JSON.stringify(TWO_STEPS), roleArn: ROLE_ARN }).arn;

    // Act
    const { executionArn } = sfn.startExecution(machine, { name: 'run-1', input: '{"n":1}' });
    (await invocation(1)).succeed({ first: true });
    (await invocation(2)).succeed({ second: true });
    const done = await sfn.waitForExecution(executionArn);

    // Assess
    expect(events.map((event) => event.detail.status)).toEqual(['RUNNING', 'SUCCEEDED']);
    expect(events[1]).toEqual({
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      account: ACCOUNT_ID,
      region: REGION,
      time: new Date(done.stopDate!).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      resources: [`arn:aws:states:${REGION}:${ACCOUNT_ID}:execution:two-steps:run-1`],
      detail: {
        executionArn: `arn:aws:states:${REGION}:${ACCOUNT_ID}:execution:two-steps:run-1`,
        stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:two-steps`,
        name: 'run-1',
        status: 'SUCCEEDED',
        startDate: done.startDate.getTime(),
        stopDate: done.stopDate!.getTime(),
        input: '{"n":1}',
        inputDetails: { included: true },
        output: '{"second":true}',
        outputDetails: { included: true },
        error: null,
        cause: null,
        stateMachineVersionArn: null,
        stateMachineAliasArn: null,
      },
    });
    expect(events[0]?.detail).toMatchObject({ status: 'RUNNING', stopDate: null, output: null, outputDetails: null });
  });

  it('announce a failure with its error and cause', async () => {
    // Prepare
    const { sfn, events, invocation } = harness();
    const machine = sfn.createStateMachine({ name: 'fails', definition: JSON.stringify(TWO_STEPS), roleArn: ROLE_ARN }).arn;

    // Act
    const { executionArn } = sfn.startExecution(machine, { name: 'run-1' });
    (await invocation(1)).fail('RoleConflict', 'taken');
    await sfn.waitForExecution(executionArn);

    // Assess
    expect(events.map((event) => [event.detail.status, event.detail.error, event.detail.cause])).toEqual([
      ['RUNNING', null, null],
      ['FAILED', 'RoleConflict', 'taken'],
    ]);
  });

  it('leave the input out when it is over the 248 KB EventBridge allows', async () => {
    // Prepare
    const { sfn, events } = harness();
    const machine = sfn.createStateMachine({ name: 'large', definition: JSON.stringify(TWO_STEPS), roleArn: ROLE_ARN }).arn;
    const input = JSON.stringify({ blob: 'x'.repeat(260 * 1024) });

    // Act
    const { executionArn } = sfn.startExecution(machine, { name: 'run-1', input });
    sfn.stopExecution(executionArn);

    // Assess
    expect(events.map((event) => [event.detail.status, event.detail.input, event.detail.inputDetails])).toEqual([
      ['RUNNING', null, { included: false }],
      ['ABORTED', null, { included: false }],
    ]);
  });

  it('do not fail the execution when the subscriber throws', async () => {
    // Prepare
    const sfn = new LocalStepFunctions({
      accountId: ACCOUNT_ID,
      region: REGION,
      authorize: fakeIam().authorize,
      roleSession,
      onExecutionStatusChange: () => {
        throw new Error('subscriber down');
      },
      invokeLambda: async () => ({ ok: true }),
    });
    const machine = sfn.createStateMachine({ name: 'subscriber-down', definition: JSON.stringify(TWO_STEPS), roleArn: ROLE_ARN }).arn;

    // Act
    const { executionArn } = sfn.startExecution(machine, { name: 'run-1' });
    const done = await sfn.waitForExecution(executionArn);

    // Assess
    expect(done.status).toBe('SUCCEEDED');
  });
});

describe('StopExecution', () => {
  it('lets the running Task finish, runs no further state, records ExecutionAborted and announces ABORTED', async () => {
    // Prepare
    const { sfn, events, invocations, invocation } = harness();
    const machine = sfn.createStateMachine({ name: 'stopped', definition: JSON.stringify(TWO_STEPS), roleArn: ROLE_ARN }).arn;
    const { executionArn } = sfn.startExecution(machine, { name: 'run-1' });
    const running = await invocation(1);

    // Act
    sfn.stopExecution(executionArn, { error: 'Operator', cause: 'wrong account' });
    running.succeed({ first: true });
    await sfn.waitForExecution(executionArn);
    await drainEventLoop();

    // Assess
    expect(invocations.map((call) => call.functionArn)).toEqual([fnArn('first')]);
    expect(sfn.describeExecution(executionArn)).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'wrong account' });
    const history = sfn.getExecutionHistory(executionArn);
    expect(typesOf(history)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'ExecutionAborted']);
    expect(history.at(-1)?.executionAbortedEventDetails).toEqual({ error: 'Operator', cause: 'wrong account' });
    expect(events.map((event) => [event.detail.status, event.detail.error, event.detail.cause])).toEqual([
      ['RUNNING', null, null],
      ['ABORTED', 'Operator', 'wrong account'],
    ]);
  });
});

describe("the state machine's TimeoutSeconds", () => {
  it('ends a running execution TIMED_OUT (scaled by executionTimeoutScale), records ExecutionTimedOut and announces it', async () => {
    // Prepare: 1,000 s scaled to 1 s, with a Task that never answers by itself.
    const { sfn, events, invocations, invocation } = harness({ executionTimeoutScale: 0.001 });
    const machine = sfn.createStateMachine({ name: 'times-out', definition: JSON.stringify({ ...TWO_STEPS, TimeoutSeconds: 1000 }), roleArn: ROLE_ARN }).arn;
    const { executionArn } = sfn.startExecution(machine, { name: 'run-1' });
    const running = await invocation(1);
    cleanups.push(() => running.succeed(null));

    // Act
    const done = await sfn.waitForExecution(executionArn);
    running.succeed({ first: true });
    await drainEventLoop();

    // Assess
    expect(done).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(invocations).toHaveLength(1);
    const history = sfn.getExecutionHistory(executionArn);
    expect(typesOf(history).at(-1)).toBe('ExecutionTimedOut');
    expect(history.at(-1)?.executionTimedOutEventDetails).toEqual({ error: 'States.Timeout', cause: 'The execution timed out.' });
    expect(events.map((event) => [event.detail.status, event.detail.error])).toEqual([
      ['RUNNING', null],
      ['TIMED_OUT', 'States.Timeout'],
    ]);
  });

  it('counts from the execution start: an execution restored after its deadline times out at once', async () => {
    // Prepare: a snapshot holding an execution started 2 s before a 1 s timeout.
    const first = harness({ executionTimeoutScale: 0.001 });
    const definition = JSON.stringify({ ...TWO_STEPS, TimeoutSeconds: 1000 });
    first.sfn.createStateMachine({ name: 'restored', definition, roleArn: ROLE_ARN });
    const snapshot = first.sfn.snapshot() as { executions: unknown[] };
    const started = Date.now() - 2_000;
    snapshot.executions.push({
      arn: `arn:aws:states:${REGION}:${ACCOUNT_ID}:execution:restored:run-1`,
      name: 'run-1',
      stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:restored`,
      stateMachineName: 'restored',
      roleArn: ROLE_ARN,
      input: '{}',
      status: 'RUNNING',
      startDate: started,
      seq: 1,
      history: [],
    });
    const second = harness({ executionTimeoutScale: 0.001 });

    // Act
    second.sfn.restore(snapshot);
    const done = await second.sfn.waitForExecution(`arn:aws:states:${REGION}:${ACCOUNT_ID}:execution:restored:run-1`);

    // Assess
    expect(done.status).toBe('TIMED_OUT');
    expect(second.events.map((event) => event.detail.status)).toEqual(['TIMED_OUT']);
  });
});
