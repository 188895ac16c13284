// Asynchronous invocations as Lambda runs them: retried twice on a function error or a timeout,
// then the invocation record to the on-failure destination and the event to the dead-letter queue,
// each sent as the function's execution role.
import { GetFunctionEventInvokeConfigCommand, InvokeCommand, LambdaClient, PutFunctionEventInvokeConfigCommand } from '@aws-sdk/client-lambda';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type LocalServer } from '../../../local/core/server.js';
import { LocalLambda, type QueueMessage } from '../../../local/lambda/index.js';
import { ACCOUNT_ID, ADMIN, fakeIam, REGION } from './fake-iam.js';
import { TEST_CREDENTIALS } from './test-server.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const ROLE_CREDENTIALS = { accessKeyId: 'ASIAFUNCTIONROLE0001', secretAccessKey: 'role-secret', sessionToken: 'role-token' };
const FAILURES_QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:failures`;
const SUCCESSES_QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:successes`;
const DEAD_LETTER_QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:dead-letters`;

interface Sent {
  queueArn: string;
  message: QueueMessage;
  roleArn: string;
}

let lambda: LocalLambda;
let sent: Sent[];
let logs: string[];
/** Added to the clock asynchronous events age by. */
let clockOffsetMs: number;

beforeEach(() => {
  sent = [];
  logs = [];
  clockOffsetMs = 0;
  lambda = new LocalLambda({
    accountId: ACCOUNT_ID,
    region: REGION,
    authorize: fakeIam().authorize,
    endpointUrl: 'http://127.0.0.1:4566',
    maxWorkersPerFunction: 1,
    onLog: (_name, line) => logs.push(line),
    // One and two minutes in AWS: 6 and 12 ms here.
    retryIntervalScale: 0.0001,
    now: () => Date.now() + clockOffsetMs,
    sendToQueue: async (queueArn, message, roleArn) => {
      sent.push({ queueArn, message, roleArn });
    },
  });
});

afterEach(async () => {
  await lambda.close();
});

function create(name: string, handler: string, extra: { timeoutSeconds?: number; deadLetterTargetArn?: string } = {}): string {
  return lambda.createFunction({
    name,
    codeDir: FIXTURES,
    handler,
    environment: {},
    timeoutSeconds: extra.timeoutSeconds ?? 10,
    roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/${name}-role`,
    credentials: ROLE_CREDENTIALS,
    ...(extra.deadLetterTargetArn !== undefined ? { deadLetterTargetArn: extra.deadLetterTargetArn } : {}),
  }).arn;
}

/** Waits (bounded) until `count` messages were sent to queues. */
async function sentMessages(count: number, timeoutMs = 15_000): Promise<Sent[]> {
  const deadline = Date.now() + timeoutMs;
  while (sent.length < count) {
    if (Date.now() > deadline) throw new Error(`${count} message(s) expected, ${sent.length} sent: ${JSON.stringify(logs)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return sent;
}

function recordOf(message: Sent | undefined): Record<string, unknown> {
  return JSON.parse(message?.message.body ?? 'null') as Record<string, unknown>;
}

describe('asynchronous invocations', () => {
  it('one that keeps failing runs three times, then its record goes to the on-failure destination and its event to the dead-letter queue', async () => {
    // Prepare
    const arn = create('throws', 'throws.handler', { deadLetterTargetArn: DEAD_LETTER_QUEUE });
    lambda.putFunctionEventInvokeConfig('throws', { onFailure: FAILURES_QUEUE });

    // Act
    const accepted = await lambda.invoke('throws', JSON.stringify({ role: 'r1' }), { invocationType: 'Event' });
    const [destination, deadLetter, ...others] = await sentMessages(2);

    // Assess
    expect(accepted.statusCode).toBe(202);
    expect(others).toEqual([]);
    expect(destination).toMatchObject({ queueArn: FAILURES_QUEUE, roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/throws-role` });
    expect(recordOf(destination)).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      requestContext: { requestId: accepted.requestId, functionArn: `${arn}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { role: 'r1' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'RoleNotReadyError', errorMessage: 'role r1 is not assumable yet', trace: expect.any(Array) },
    });
    expect(deadLetter).toEqual({
      queueArn: DEAD_LETTER_QUEUE,
      roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/throws-role`,
      message: {
        body: '{"role":"r1"}',
        messageAttributes: {
          RequestID: { DataType: 'String', StringValue: accepted.requestId },
          ErrorCode: { DataType: 'Number', StringValue: '200' },
          ErrorMessage: { DataType: 'String', StringValue: 'role r1 is not assumable yet' },
        },
      },
    });
    expect(logs.filter((line) => line.startsWith(`async invocation ${accepted.requestId} failed`))).toHaveLength(3);
  });

  it('with MaximumRetryAttempts 0 a failing one runs once', async () => {
    // Prepare
    create('throws', 'throws.handler');
    lambda.putFunctionEventInvokeConfig('throws', { maximumRetryAttempts: 0, onFailure: FAILURES_QUEUE });

    // Act
    await lambda.invoke('throws', '{}', { invocationType: 'Event' });
    const [destination] = await sentMessages(1);

    // Assess
    expect(recordOf(destination)).toMatchObject({ requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 1 } });
  });

  it('one that succeeds on its retry runs twice and reports Success to the on-success destination only', async () => {
    // Prepare
    create('flaky', 'flaky.handler');
    lambda.putFunctionEventInvokeConfig('flaky', { onSuccess: SUCCESSES_QUEUE, onFailure: FAILURES_QUEUE });

    // Act
    await lambda.invoke('flaky', JSON.stringify({ key: 'once', failures: 1 }), { invocationType: 'Event' });
    const [destination, ...others] = await sentMessages(1);

    // Assess
    expect(others).toEqual([]);
    expect(destination?.queueArn).toBe(SUCCESSES_QUEUE);
    expect(recordOf(destination)).toMatchObject({
      requestContext: { condition: 'Success', approximateInvokeCount: 2 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { key: 'once', attempts: 2, ready: true },
    });
  });

  it('a timeout is retried like an error', async () => {
    // Prepare
    create('sleep', 'sleep.handler', { timeoutSeconds: 1 });
    lambda.putFunctionEventInvokeConfig('sleep', { onFailure: FAILURES_QUEUE });

    // Act
    await lambda.invoke('sleep', JSON.stringify({ ms: 5000 }), { invocationType: 'Event' });
    const [destination] = await sentMessages(1, 20_000);

    // Assess
    expect(recordOf(destination)).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      responsePayload: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' },
    });
  });

  it('an event older than MaximumEventAgeInSeconds is not run again: EventAgeExceeded', async () => {
    // Prepare: the event ages two hours while its first retry waits.
    create('throws', 'throws.handler', { deadLetterTargetArn: DEAD_LETTER_QUEUE });
    lambda.putFunctionEventInvokeConfig('throws', { maximumEventAgeInSeconds: 3600, onFailure: FAILURES_QUEUE });
    const onLog = logs.push.bind(logs);
    logs.push = (...lines: string[]) => {
      if (lines.some((line) => line.includes('(attempt 1)'))) clockOffsetMs += 7_200_000;
      return onLog(...lines);
    };

    // Act
    await lambda.invoke('throws', '{}', { invocationType: 'Event' });
    const [destination, deadLetter] = await sentMessages(2);

    // Assess
    expect(recordOf(destination)).toMatchObject({ requestContext: { condition: 'EventAgeExceeded', approximateInvokeCount: 1 } });
    expect(deadLetter?.queueArn).toBe(DEAD_LETTER_QUEUE);
  });
});

describe('the event invoke configuration through the real @aws-sdk/client-lambda', () => {
  let server: LocalServer;
  let client: LambdaClient;

  beforeEach(async () => {
    server = await startServer({
      port: 0,
      region: REGION,
      credentials: () => ({ secretAccessKey: TEST_CREDENTIALS.secretAccessKey, identity: ADMIN }),
      handlers: { lambda: (request) => lambda.handle(request) },
    });
    client = new LambdaClient({ endpoint: server.url, region: REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  });

  afterEach(async () => {
    client.destroy();
    await server.close();
  });

  it('is put and read back, and an Event invocation answers 202 with the request id its record carries', async () => {
    // Prepare
    const arn = create('throws', 'throws.handler');

    // Act
    await client.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'throws', MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 600, DestinationConfig: { OnFailure: { Destination: FAILURES_QUEUE } } }),
    );
    const config = await client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'throws' }));
    const invoked = await client.send(new InvokeCommand({ FunctionName: 'throws', InvocationType: 'Event', Payload: '{"role":"r2"}' }));
    const [destination] = await sentMessages(1);

    // Assess
    expect(config).toMatchObject({ FunctionArn: `${arn}:$LATEST`, MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 600, DestinationConfig: { OnFailure: { Destination: FAILURES_QUEUE } } });
    expect(invoked.StatusCode).toBe(202);
    expect(recordOf(destination)).toMatchObject({ requestContext: { requestId: invoked.$metadata.requestId, approximateInvokeCount: 1 } });
  });

  it('a function without one answers ResourceNotFoundException', async () => {
    // Prepare
    create('echo', 'echo.handler');

    // Act
    const read = client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'echo' }));

    // Assess
    await expect(read).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  });
});
