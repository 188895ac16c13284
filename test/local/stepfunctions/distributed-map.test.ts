// The local Step Functions' Distributed Map: a Map Run of child executions (own names, ARNs and
// histories), MaxConcurrency, tolerated failures, batching, StopExecution and persistence, read
// through the real @aws-sdk/client-sfn (ListMapRuns, DescribeMapRun, ListExecutions by mapRunArn).
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStepFunctions } from '../../../local/stepfunctions/index.js';
import { ACCOUNT_ID, ADMIN, fakeIam, REGION, roleSession, type FakeIam } from '../lambda/fake-iam.js';
import { startTestServer, TEST_CREDENTIALS, type TestServer } from '../lambda/test-server.js';

const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/dmap-role`;
const fn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`;

/** A Distributed Map over `$.items`: each child doubles its item's value (or fails when told to). */
function mapDefinition(mapFields: Record<string, unknown> = {}, processor: Record<string, unknown> = {}) {
  return {
    StartAt: 'Each Item',
    States: {
      'Each Item': {
        Type: 'Map',
        ItemsPath: '$.items',
        Label: 'Items',
        ItemSelector: { 'value.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index', 'tag.$': '$.tag' },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Double',
          States: { Double: { Type: 'Task', Resource: fn('double'), End: true } },
          ...processor,
        },
        ResultPath: '$.results',
        Catch: [{ ErrorEquals: ['States.ExceedToleratedFailureThreshold'], ResultPath: '$.error', Next: 'Too Many Failed' }],
        End: true,
        ...mapFields,
      },
      'Too Many Failed': { Type: 'Pass', End: true },
    },
  };
}

/** Invocations of the `gate` function wait until the test opens it. */
class Gate {
  waiting = 0;
  peak = 0;
  private open = false;
  private readonly released: Array<() => void> = [];

  async pass(): Promise<void> {
    if (this.open) return;
    this.waiting += 1;
    this.peak = Math.max(this.peak, this.waiting);
    await new Promise<void>((resolve) => this.released.push(resolve));
  }

  release(): void {
    this.open = true;
    for (const resolve of this.released.splice(0)) resolve();
  }
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

describe('Distributed Map', () => {
  let iam: FakeIam;
  let sfn: LocalStepFunctions;
  let server: TestServer;
  let client: SFNClient;
  let gate: Gate;
  let machines = 0;

  const makeSfn = () =>
    new LocalStepFunctions({
      accountId: ACCOUNT_ID,
      region: REGION,
      authorize: iam.authorize,
      retryIntervalScale: 0,
      roleSession,
      invokeLambda: async (functionArn, input) => {
        const event = input as { value?: number; fail?: boolean; Items?: Array<{ value: number }> };
        if (functionArn === fn('gate')) await gate.pass();
        if (event.Items !== undefined) return { sum: event.Items.reduce((sum, item) => sum + item.value, 0) };
        if (event.value !== undefined && event.value < 0) throw Object.assign(new Error('{"errorMessage":"negative"}'), { name: 'NegativeValue' });
        return { doubled: (event.value ?? 0) * 2 };
      },
    });

  const deploy = (definition: object, target = sfn) =>
    target.createStateMachine({ name: `dmap-${machines++}`, definition: JSON.stringify(definition), roleArn: ROLE_ARN }).arn;

  const run = async (stateMachineArn: string, input: unknown) => {
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
    return { executionArn: executionArn!, ended: await sfn.waitForExecution(executionArn!) };
  };

  const history = async (executionArn: string): Promise<HistoryEvent[]> =>
    (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];

  const mapRunOf = async (executionArn: string) => {
    const { mapRuns = [] } = await client.send(new ListMapRunsCommand({ executionArn }));
    expect(mapRuns).toHaveLength(1);
    return mapRuns[0]!;
  };

  beforeAll(async () => {
    iam = fakeIam();
    gate = new Gate();
    sfn = makeSfn();
    server = await startTestServer({ states: (req) => sfn.handle(req) }, () => ADMIN);
    client = new SFNClient({ endpoint: server.url, region: REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
  });

  it('runs each item as a child execution of its own and returns their outputs in item order', async () => {
    // Prepare
    const machine = deploy(mapDefinition({ MaxConcurrency: 2 }));

    // Act
    const { executionArn, ended } = await run(machine, { items: [1, 2, 3], tag: 't' });
    const listed = await mapRunOf(executionArn);
    const children = (await client.send(new ListExecutionsCommand({ mapRunArn: listed.mapRunArn }))).executions ?? [];
    const child = await client.send(new DescribeExecutionCommand({ executionArn: children.at(-1)!.executionArn }));
    const childHistory = await history(child.executionArn!);
    const parentTypes = (await history(executionArn)).map((event) => event.type);

    // Assess
    expect(ended.status).toBe('SUCCEEDED');
    expect(JSON.parse(ended.output!)).toEqual({ items: [1, 2, 3], tag: 't', results: [{ doubled: 2 }, { doubled: 4 }, { doubled: 6 }] });
    const machineName = machine.split(':').at(-1)!;
    expect(listed).toMatchObject({ executionArn, stateMachineArn: `${machine}/Items` });
    expect(listed.mapRunArn).toMatch(new RegExp(`^arn:aws:states:${REGION}:${ACCOUNT_ID}:mapRun:${machineName}/Items:[0-9a-f-]{36}$`));
    expect(children).toHaveLength(3);
    expect(children.map((item) => [item.status, item.mapRunArn, item.itemCount])).toEqual([
      ['SUCCEEDED', listed.mapRunArn, 1],
      ['SUCCEEDED', listed.mapRunArn, 1],
      ['SUCCEEDED', listed.mapRunArn, 1],
    ]);
    expect(child.executionArn).toMatch(new RegExp(`^arn:aws:states:${REGION}:${ACCOUNT_ID}:execution:${machineName}/Items:[0-9a-f-]{36}$`));
    expect(child).toMatchObject({ stateMachineArn: `${machine}/Items`, mapRunArn: listed.mapRunArn, status: 'SUCCEEDED', input: '{"value":1,"index":0,"tag":"t"}', output: '{"doubled":2}' });
    expect(childHistory.map((event) => event.type)).toEqual([
      'ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited', 'ExecutionSucceeded',
    ]);
    expect(parentTypes).toEqual(['ExecutionStarted', 'MapStateEntered', 'MapRunStarted', 'MapRunSucceeded', 'MapStateExited', 'ExecutionSucceeded']);
  });

  it('runs at most MaxConcurrency children at once, and DescribeMapRun counts items and executions as they go', async () => {
    // Prepare
    gate = new Gate();
    const machine = deploy(mapDefinition({ MaxConcurrency: 2 }, { States: { Double: { Type: 'Task', Resource: fn('gate'), End: true } } }));
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: machine, input: JSON.stringify({ items: [1, 2, 3, 4, 5], tag: 'g' }) }));

    // Act
    await until('two children waiting at the gate', () => (gate.waiting === 2 ? true : undefined));
    const { mapRunArn } = await until('the Map Run', async () => (await client.send(new ListMapRunsCommand({ executionArn: executionArn! }))).mapRuns?.[0]);
    const during = await client.send(new DescribeMapRunCommand({ mapRunArn }));
    gate.release();
    const ended = await sfn.waitForExecution(executionArn!);
    const after = await client.send(new DescribeMapRunCommand({ mapRunArn }));

    // Assess
    expect(during).toMatchObject({ status: 'RUNNING', maxConcurrency: 2, toleratedFailureCount: 0, toleratedFailurePercentage: 0 });
    expect(during.itemCounts).toMatchObject({ pending: 3, running: 2, succeeded: 0, total: 5 });
    expect(ended.status).toBe('SUCCEEDED');
    expect(gate.peak).toBe(2);
    expect(after).toMatchObject({ status: 'SUCCEEDED', executionArn, mapRunArn });
    expect(after.itemCounts).toEqual({ pending: 0, running: 0, succeeded: 5, failed: 0, timedOut: 0, aborted: 0, total: 5, resultsWritten: 0, failuresNotRedrivable: 0, pendingRedrive: 0 });
    expect(after.executionCounts).toMatchObject({ succeeded: 5, total: 5 });
    expect(after.stopDate).toBeInstanceOf(Date);
  });

  it('fails with States.ExceedToleratedFailureThreshold once failed items exceed ToleratedFailureCount, which a Catch can catch', async () => {
    // Prepare
    const machine = deploy(mapDefinition({ MaxConcurrency: 1, ToleratedFailureCount: 1 }));

    // Act
    const { executionArn, ended } = await run(machine, { items: [1, -2, 3, -4, 5], tag: 'f' });
    const mapRun = await client.send(new DescribeMapRunCommand({ mapRunArn: (await mapRunOf(executionArn)).mapRunArn }));
    const events = await history(executionArn);

    // Assess
    expect(ended.status).toBe('SUCCEEDED');
    expect(JSON.parse(ended.output!).error).toEqual({ Error: 'States.ExceedToleratedFailureThreshold', Cause: 'The specified tolerated failure threshold was exceeded' });
    expect(mapRun).toMatchObject({ status: 'FAILED', toleratedFailureCount: 1 });
    // One at a time: the second failure (the fourth item) ends the Map Run; the fifth never starts.
    expect(mapRun.itemCounts).toMatchObject({ succeeded: 2, failed: 2, pending: 1, total: 5 });
    expect(events.find((event) => event.type === 'MapRunFailed')?.mapRunFailedEventDetails).toEqual({
      error: 'States.ExceedToleratedFailureThreshold',
      cause: 'The specified tolerated failure threshold was exceeded',
    });
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted', 'MapStateEntered', 'MapRunStarted', 'MapRunFailed', 'MapStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded',
    ]);
  });

  it('succeeds within ToleratedFailurePercentage, a failed item\'s result being its error and cause', async () => {
    // Prepare
    const machine = deploy(mapDefinition({ ToleratedFailurePercentage: 50 }));

    // Act
    const { executionArn, ended } = await run(machine, { items: [1, -2, 3], tag: 'p' });
    const mapRun = await client.send(new DescribeMapRunCommand({ mapRunArn: (await mapRunOf(executionArn)).mapRunArn }));

    // Assess
    expect(ended.status).toBe('SUCCEEDED');
    expect(JSON.parse(ended.output!).results).toEqual([{ doubled: 2 }, { Error: 'NegativeValue', Cause: '{"errorMessage":"negative"}' }, { doubled: 6 }]);
    expect(mapRun).toMatchObject({ status: 'SUCCEEDED', toleratedFailurePercentage: 50, maxConcurrency: 0 });
    expect(mapRun.itemCounts).toMatchObject({ succeeded: 2, failed: 1, total: 3 });
  });

  it('runs a batch per child execution with ItemBatcher: BatchInput and Items', async () => {
    // Prepare
    const machine = deploy(mapDefinition({ ItemSelector: { 'value.$': '$$.Map.Item.Value' }, ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { page: 1 } } }));

    // Act
    const { executionArn, ended } = await run(machine, { items: [1, 2, 3, 4, 5] });
    const mapRun = await client.send(new DescribeMapRunCommand({ mapRunArn: (await mapRunOf(executionArn)).mapRunArn }));
    const children = (await client.send(new ListExecutionsCommand({ mapRunArn: mapRun.mapRunArn }))).executions ?? [];
    const first = await client.send(new DescribeExecutionCommand({ executionArn: children.at(-1)!.executionArn }));

    // Assess
    expect(JSON.parse(ended.output!).results).toEqual([{ sum: 3 }, { sum: 7 }, { sum: 5 }]);
    expect(mapRun.itemCounts).toMatchObject({ succeeded: 5, total: 5 });
    expect(mapRun.executionCounts).toMatchObject({ succeeded: 3, total: 3 });
    expect(children.map((child) => child.itemCount)).toEqual([1, 2, 2]);
    expect(JSON.parse(first.input!)).toEqual({ BatchInput: { page: 1 }, Items: [{ value: 1 }, { value: 2 }] });
  });

  it('stops the children with the parent: StopExecution leaves them ABORTED and the Map Run ABORTED', async () => {
    // Prepare
    gate = new Gate();
    const machine = deploy(mapDefinition({ MaxConcurrency: 2 }, { States: { Double: { Type: 'Task', Resource: fn('gate'), End: true } } }));
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: machine, input: JSON.stringify({ items: [1, 2, 3], tag: 's' }) }));
    await until('two children waiting at the gate', () => (gate.waiting === 2 ? true : undefined));

    // Act
    await client.send(new StopExecutionCommand({ executionArn: executionArn! }));
    const ended = await sfn.waitForExecution(executionArn!);
    const { mapRunArn } = await mapRunOf(executionArn!);
    const children = (await client.send(new ListExecutionsCommand({ mapRunArn }))).executions ?? [];
    const mapRun = await client.send(new DescribeMapRunCommand({ mapRunArn }));
    const types = (await history(executionArn!)).map((event) => event.type);
    gate.release();

    // Assess
    expect(ended.status).toBe('ABORTED');
    expect(children.map((child) => child.status)).toEqual(['ABORTED', 'ABORTED']);
    expect(mapRun.status).toBe('ABORTED');
    expect(mapRun.itemCounts).toMatchObject({ aborted: 2, pending: 1, total: 3 });
    expect(types.slice(-2)).toEqual(['MapRunAborted', 'ExecutionAborted']);
  });

  it('fails the state with States.Runtime when the role may not start the child executions', async () => {
    // Prepare
    const machine = deploy(mapDefinition());
    iam.deny(roleSession(ROLE_ARN).arn, 'states:StartExecution', machine);

    // Act
    const { executionArn, ended } = await run(machine, { items: [1], tag: 'd' });
    const { mapRuns = [] } = await client.send(new ListMapRunsCommand({ executionArn }));

    // Assess
    expect(ended).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(ended.cause).toContain('is not authorized to perform: states:StartExecution');
    expect(mapRuns).toEqual([]);
  });

  it('refuses items read from, or results written to, Amazon S3 at CreateStateMachine', () => {
    // Prepare
    const reader = mapDefinition({ ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'b', Key: 'k' } } });
    const writer = mapDefinition({ ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b', Prefix: 'p' } } });

    // Act
    const withReader = () => deploy(reader);
    const withWriter = () => deploy(writer);

    // Assess
    expect(withReader).toThrow(expect.objectContaining({ code: 'InvalidDefinition', message: expect.stringContaining('(ItemReader)') }));
    expect(withWriter).toThrow(expect.objectContaining({ code: 'InvalidDefinition', message: expect.stringContaining('(ResultWriter)') }));
  });

  it('keeps a finished Map Run and its children readable across snapshot/restore; an interrupted one ends ABORTED', async () => {
    // Prepare
    const finishedMachine = deploy(mapDefinition());
    const finished = await run(finishedMachine, { items: [1, 2], tag: 'r' });
    gate = new Gate();
    const gatedMachine = deploy(mapDefinition({}, { States: { Double: { Type: 'Task', Resource: fn('gate'), End: true } } }));
    const { executionArn: interrupted } = await client.send(new StartExecutionCommand({ stateMachineArn: gatedMachine, input: JSON.stringify({ items: [1], tag: 'i' }) }));
    await until('the child waiting at the gate', () => (gate.waiting === 1 ? true : undefined));
    const snapshot = JSON.parse(JSON.stringify(sfn.snapshot())) as unknown;
    const finishedRun = await mapRunOf(finished.executionArn);
    const interruptedRun = await mapRunOf(interrupted!);

    // Act
    const restored = makeSfn();
    restored.restore(snapshot, { resume: false });
    const restoredServer = await startTestServer({ states: (req) => restored.handle(req) }, () => ADMIN);
    const restoredClient = new SFNClient({ endpoint: restoredServer.url, region: REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    const finishedAfter = await restoredClient.send(new DescribeMapRunCommand({ mapRunArn: finishedRun.mapRunArn }));
    const children = (await restoredClient.send(new ListExecutionsCommand({ mapRunArn: finishedRun.mapRunArn }))).executions ?? [];
    const childHistory = (await restoredClient.send(new GetExecutionHistoryCommand({ executionArn: children[0]!.executionArn }))).events ?? [];
    const interruptedAfter = await restoredClient.send(new DescribeMapRunCommand({ mapRunArn: interruptedRun.mapRunArn }));
    const interruptedChildren = (await restoredClient.send(new ListExecutionsCommand({ mapRunArn: interruptedRun.mapRunArn }))).executions ?? [];
    restoredClient.destroy();
    await restoredServer.close();
    gate.release();
    await sfn.waitForExecution(interrupted!);

    // Assess
    expect(finishedAfter).toMatchObject({ status: 'SUCCEEDED', executionArn: finished.executionArn });
    expect(finishedAfter.itemCounts).toMatchObject({ succeeded: 2, total: 2 });
    expect(children.map((child) => child.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(childHistory.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(interruptedAfter.status).toBe('ABORTED');
    expect(interruptedAfter.itemCounts).toMatchObject({ aborted: 1, running: 0, total: 1 });
    expect(interruptedChildren.map((child) => child.status)).toEqual(['ABORTED']);
  });
  it('writes Map Runs as records of their own, which a persisted cloud restores', async () => {
    // Prepare
    const machine = deploy(mapDefinition());
    const { executionArn } = await run(machine, { items: [4], tag: 'rec' });
    const { mapRunArn } = await mapRunOf(executionArn);
    const records = new Map(sfn.records());

    // Act
    const restored = makeSfn();
    restored.restoreRecords(records);
    const answer = await restored.handle({ service: 'states', action: 'DescribeMapRun', params: { mapRunArn }, caller: ADMIN, region: REGION, rawBody: '', path: '/', headers: {} });

    // Assess
    expect(records.has(`mapRun/${mapRunArn}`)).toBe(true);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ mapRunArn, executionArn, status: 'SUCCEEDED', itemCounts: { succeeded: 1, total: 1 } });
  });
});
