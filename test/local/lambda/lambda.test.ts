import { GetFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalLambda } from '../../../local/lambda/index.js';
import { ACCOUNT_ID, ADMIN, fakeIam, REGION, type FakeIam } from './fake-iam.js';
import { startTestServer, TEST_CREDENTIALS, type TestServer } from './test-server.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const ENDPOINT = 'http://127.0.0.1:4566';
const ROLE_CREDENTIALS = { accessKeyId: 'ASIAFUNCTIONROLE0001', secretAccessKey: 'role-secret', sessionToken: 'role-token' };

function decode(payload: Uint8Array | undefined): unknown {
  return JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString('utf8'));
}

describe('LocalLambda', () => {
  let iam: FakeIam;
  let lambda: LocalLambda;
  let logs: Array<[string, string]>;

  const create = (name: string, handler: string, extra: { timeoutSeconds?: number; environment?: Record<string, string> } = {}) =>
    lambda.createFunction({
      name,
      codeDir: FIXTURES,
      handler,
      environment: extra.environment ?? {},
      timeoutSeconds: extra.timeoutSeconds ?? 10,
      memoryMb: 256,
      roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/${name}-role`,
      credentials: ROLE_CREDENTIALS,
    });

  beforeEach(() => {
    iam = fakeIam();
    logs = [];
    lambda = new LocalLambda({ accountId: ACCOUNT_ID, region: REGION, authorize: iam.authorize, endpointUrl: ENDPOINT, onLog: (name, line) => logs.push([name, line]) });
  });

  afterEach(async () => {
    await lambda.close();
  });

  it('runs a handler with only its own environment plus the Lambda variables, and a Lambda context', async () => {
    // Prepare
    const { arn } = create('echo', 'echo.handler', { environment: { TABLE_NAME: 'registry' } });
    process.env.PARENT_ONLY_SECRET = 'must-not-leak';
    // Act
    const result = await lambda.invoke('echo', JSON.stringify({ hello: 'world' }));
    delete process.env.PARENT_ONLY_SECRET;
    // Assess
    const payload = result.payload as { event: unknown; env: Record<string, string>; context: Record<string, unknown> };
    expect(arn).toBe(`arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:echo`);
    expect(result.statusCode).toBe(200);
    expect(result.functionError).toBeUndefined();
    expect(result.executedVersion).toBe('$LATEST');
    expect(payload.event).toEqual({ hello: 'world' });
    expect(payload.env).toEqual({
      TABLE_NAME: 'registry',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: ROLE_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ROLE_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: ROLE_CREDENTIALS.sessionToken,
      AWS_ENDPOINT_URL: ENDPOINT,
      AWS_LAMBDA_FUNCTION_NAME: 'echo',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      LAMBDA_TASK_ROOT: FIXTURES,
      TZ: 'UTC',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    expect(payload.context).toMatchObject({
      functionName: 'echo',
      functionVersion: '$LATEST',
      invokedFunctionArn: arn,
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/echo',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(payload.context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(payload.context.remaining).toBeGreaterThan(8_000);
    expect(payload.context.remaining).toBeLessThanOrEqual(10_000);
  });

  it('keeps a worker warm between invocations and spawns another when one is busy', async () => {
    // Prepare
    create('echo', 'echo.handler');
    // Act
    const first = (await lambda.invoke('echo', {})).payload as { invocations: number; threadId: number };
    const second = (await lambda.invoke('echo', {})).payload as { invocations: number; threadId: number };
    const overlapping = await Promise.all([lambda.invoke('echo', {}), lambda.invoke('echo', {})]);
    // Assess
    expect(second.threadId).toBe(first.threadId);
    expect(second.invocations).toBe(2);
    const threads = overlapping.map((result) => (result.payload as { threadId: number }).threadId);
    expect(new Set(threads).size).toBe(2);
  });

  it('queues invocations beyond the worker cap instead of failing them', async () => {
    // Prepare
    await lambda.close();
    lambda = new LocalLambda({ accountId: ACCOUNT_ID, region: REGION, authorize: iam.authorize, endpointUrl: ENDPOINT, onLog: () => undefined, maxWorkersPerFunction: 1 });
    create('sleep', 'sleep.handler');
    // Act
    const results = await Promise.all([1, 2, 3].map((ms) => lambda.invoke('sleep', { ms: ms * 20 })));
    // Assess
    expect(results.map((result) => result.payload)).toEqual([{ slept: 20 }, { slept: 40 }, { slept: 60 }]);
  });

  it('reports a thrown error as an Unhandled function error with its name, message and trace', async () => {
    // Prepare
    create('throws', 'throws.handler');
    // Act
    const result = await lambda.invoke('throws', { role: 'capa-a' });
    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.functionError).toBe('Unhandled');
    const payload = result.payload as { errorType: string; errorMessage: string; trace: string[] };
    expect(payload.errorType).toBe('RoleNotReadyError');
    expect(payload.errorMessage).toBe('role capa-a is not assumable yet');
    expect(payload.trace[0]).toBe('RoleNotReadyError: role capa-a is not assumable yet');
    expect(payload.trace.some((line) => line.includes('throws.mjs'))).toBe(true);
  });

  it('times out a handler past its timeout, then serves the next invocation from a fresh worker', async () => {
    // Prepare
    create('sleep', 'sleep.handler', { timeoutSeconds: 1 });
    const started = Date.now();
    // Act
    const timedOut = await lambda.invoke('sleep', { ms: 5000 });
    const elapsed = Date.now() - started;
    const next = await lambda.invoke('sleep', { ms: 10 });
    // Assess
    expect(timedOut.functionError).toBe('Unhandled');
    expect(timedOut.payload).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' });
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(4000);
    expect(next.functionError).toBeUndefined();
    expect(next.payload).toEqual({ slept: 10 });
  });

  it('passes the function output lines to onLog and into the invocation logs', async () => {
    // Prepare
    create('echo', 'echo.handler');
    // Act
    const result = await lambda.invoke('echo', { log: 'hello from the function' });
    // Assess
    expect(logs).toContainEqual(['echo', 'hello from the function']);
    expect(result.logs).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST\nhello from the function\nEND RequestId/);
    expect(result.logs).toContain('REPORT RequestId:');
  });

  it('runs CommonJS callback-style handlers', async () => {
    // Prepare
    create('callback', 'callback.handler');
    // Act
    const result = await lambda.invoke('callback', { n: 1 });
    // Assess
    expect(result.payload).toEqual({ style: 'callback', got: { n: 1 } });
  });

  it('reports a missing handler export as Runtime.HandlerNotFound', async () => {
    // Prepare
    create('missing', 'echo.nothere');
    // Act
    const result = await lambda.invoke('missing', {});
    // Assess
    expect(result.functionError).toBe('Unhandled');
    expect(result.payload).toMatchObject({ errorType: 'Runtime.HandlerNotFound' });
  });

  it('rejects an unknown function, a duplicate name and a non-JSON payload as Lambda does', async () => {
    // Prepare
    create('echo', 'echo.handler');
    // Act
    const unknown = lambda.invoke('nope', {});
    const duplicate = () => create('echo', 'echo.handler');
    const notJson = lambda.invoke('echo', 'not json');
    // Assess
    await expect(unknown).rejects.toMatchObject({ code: 'ResourceNotFoundException', status: 404 });
    expect(duplicate).toThrow(expect.objectContaining({ code: 'ResourceConflictException' }));
    await expect(notJson).rejects.toMatchObject({ code: 'InvalidRequestContentException' });
  });

  it('accepts an Event invocation at once and runs it in the background', async () => {
    // Prepare
    create('echo', 'echo.handler');
    // Act
    const accepted = await lambda.invoke('echo', { log: 'async run' }, { invocationType: 'Event' });
    for (let i = 0; i < 100 && !logs.some(([, line]) => line === 'async run'); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    // Assess
    expect(accepted.statusCode).toBe(202);
    expect(logs).toContainEqual(['echo', 'async run']);
  });

  describe('through the real @aws-sdk/client-lambda', () => {
    let server: TestServer;
    let client: LambdaClient;

    beforeAll(async () => {
      server = await startTestServer({ lambda: (req) => lambda.handle(req) }, () => ADMIN);
      client = new LambdaClient({ endpoint: server.url, region: REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    });

    afterAll(async () => {
      client.destroy();
      await server.close();
    });

    it('invokes, with the function error header and the log tail', async () => {
      // Prepare
      create('echo', 'echo.handler');
      create('throws', 'throws.handler');
      // Act
      const ok = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: JSON.stringify({ a: 1, log: 'tail me' }), LogType: 'Tail' }));
      const failed = await client.send(new InvokeCommand({ FunctionName: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:throws`, Payload: '{}' }));
      const dryRun = await client.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }));
      // Assess
      expect(ok.StatusCode).toBe(200);
      expect(ok.FunctionError).toBeUndefined();
      expect(ok.ExecutedVersion).toBe('$LATEST');
      expect((decode(ok.Payload) as { event: unknown }).event).toEqual({ a: 1, log: 'tail me' });
      expect(Buffer.from(ok.LogResult ?? '', 'base64').toString('utf8')).toContain('tail me');
      expect(failed.StatusCode).toBe(200);
      expect(failed.FunctionError).toBe('Unhandled');
      expect(decode(failed.Payload)).toMatchObject({ errorType: 'RoleNotReadyError', errorMessage: 'role unknown is not assumable yet' });
      expect(dryRun.StatusCode).toBe(204);
      expect(iam.checks).toContainEqual({ caller: ADMIN.arn, action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:throws` });
    });

    it('answers a denied caller with AccessDeniedException and an unknown function with ResourceNotFoundException', async () => {
      // Prepare
      const { arn } = create('echo', 'echo.handler');
      iam.deny(ADMIN.arn, 'lambda:InvokeFunction', arn);
      // Act
      const denied = client.send(new InvokeCommand({ FunctionName: 'echo', Payload: '{}' }));
      const missing = client.send(new InvokeCommand({ FunctionName: 'nope', Payload: '{}' }));
      // Assess
      await expect(denied).rejects.toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
      await expect(missing).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: `Function not found: arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:nope` });
    });

    it('describes and lists functions', async () => {
      // Prepare
      const { arn } = create('echo', 'echo.handler', { environment: { A: 'b' }, timeoutSeconds: 7 });
      // Act
      const got = await client.send(new GetFunctionCommand({ FunctionName: 'echo' }));
      const listed = await client.send(new ListFunctionsCommand({}));
      // Assess
      expect(got.Configuration).toMatchObject({ FunctionName: 'echo', FunctionArn: arn, Handler: 'echo.handler', Timeout: 7, MemorySize: 256, Runtime: 'nodejs22.x', Environment: { Variables: { A: 'b' } } });
      expect(listed.Functions?.map((fn) => fn.FunctionName)).toEqual(['echo']);
    });
  });
});
