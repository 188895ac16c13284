import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsRequest } from '../../../local/core/types.js';
import { LocalLambda } from '../../../local/lambda/index.js';
import { ACCOUNT_ID, ADMIN, fakeIam, REGION, type FakeIam } from './fake-iam.js';
import { startTestServer, TEST_CREDENTIALS, type TestServer } from './test-server.js';

// The Lambda API operations' request handling that runs no function: the operation table, the
// configuration answer, and the parameters Invoke rejects before any worker starts.

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const ECHO_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:echo`;

function rawRequest(action: string, params: Record<string, unknown>): AwsRequest {
  return { service: 'lambda', action, params, caller: ADMIN, region: REGION, rawBody: '', path: '/', headers: {} };
}

describe('Lambda API operations', () => {
  let iam: FakeIam;
  let lambda: LocalLambda;
  let server: TestServer;
  let client: LambdaClient;

  beforeAll(async () => {
    iam = fakeIam();
    lambda = new LocalLambda({ accountId: ACCOUNT_ID, region: REGION, authorize: iam.authorize, endpointUrl: 'http://127.0.0.1:4566', onLog: () => undefined });
    lambda.createFunction({
      name: 'echo',
      codeDir: FIXTURES,
      handler: 'echo.handler',
      environment: { STAGE: 'test' },
      timeoutSeconds: 5,
      roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/echo-role`,
      credentials: { accessKeyId: 'ASIAECHO', secretAccessKey: 's', sessionToken: 't' },
    });
    server = await startTestServer({ lambda: (req) => lambda.handle(req) }, () => ADMIN);
    client = new LambdaClient({ endpoint: server.url, region: REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await lambda?.close();
  });

  it('answers an operation it does not implement, or an inherited object key, with UnknownOperationException', async () => {
    // Act
    const responses = await Promise.all([lambda.handle(rawRequest('CreateAlias', {})), lambda.handle(rawRequest('toString', {}))]);
    // Assess
    expect(responses.map((response) => [response.status, response.headers['x-amzn-errortype']])).toEqual([
      [404, 'UnknownOperationException'],
      [404, 'UnknownOperationException'],
    ]);
    expect(JSON.parse(responses[0]!.body)).toEqual({ Type: 'User', message: 'Unknown operation CreateAlias' });
  });

  it('answers GetFunctionConfiguration with the configuration alone, authorized as lambda:GetFunctionConfiguration', async () => {
    // Act
    const configuration = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'echo' }));
    // Assess
    expect(configuration).toMatchObject({
      FunctionName: 'echo',
      FunctionArn: ECHO_ARN,
      Role: `arn:aws:iam::${ACCOUNT_ID}:role/echo-role`,
      Handler: 'echo.handler',
      Timeout: 5,
      MemorySize: 128,
      Version: '$LATEST',
      Environment: { Variables: { STAGE: 'test' } },
      State: 'Active',
    });
    expect(iam.checks).toContainEqual({ caller: ADMIN.arn, action: 'lambda:GetFunctionConfiguration', resource: ECHO_ARN });
  });

  it('rejects an Invoke of a version other than $LATEST and an unknown invocation type', async () => {
    // Act
    const [version, invocationType] = await Promise.all([
      lambda.handle(rawRequest('Invoke', { FunctionName: 'echo', Qualifier: '2', Payload: '{}' })),
      lambda.handle(rawRequest('Invoke', { FunctionName: 'echo', InvocationType: 'Later', Payload: '{}' })),
    ]);
    // Assess
    expect([version.status, JSON.parse(version.body)]).toEqual([404, { Type: 'User', message: `Function not found: ${ECHO_ARN}:2` }]);
    expect([invocationType.status, JSON.parse(invocationType.body)]).toEqual([400, { Type: 'User', message: 'Unsupported invocation type: Later' }]);
  });
});
