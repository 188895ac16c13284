// The API answers within its time budget, whatever AWS does: throttling and 5xx that outlast the
// request's retries, or a budget too short for another call, are a JSON 503 with Retry-After (the
// request is idempotent), never a Lambda timeout that API Gateway would turn into a 502. The
// function's real SDK clients talk to a stand-in endpoint, so its retry policy is the one at work.
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_ENVIRONMENT, lambdaContext, PROVIDER_RESOURCE, PROVIDERS_RESOURCE, routeEvent } from '../../support/api-events.js';
import { startFakeAwsEndpoint, throttling, type FakeAnswer, type FakeAwsEndpoint } from '../../support/fake-aws-endpoint.js';

let endpoint: FakeAwsEndpoint;
let answer: (target: string) => FakeAnswer;
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  endpoint = await startFakeAwsEndpoint((target) => answer(target));
  Object.assign(process.env, API_ENVIRONMENT, {
    AWS_ENDPOINT_URL_DYNAMODB: endpoint.url,
    AWS_ENDPOINT_URL_SFN: endpoint.url,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  ({ handler } = await import('../../../functions/api/handler.js'));
});

afterAll(async () => {
  await endpoint.close();
});

beforeEach(() => {
  endpoint.targets.length = 0;
});

const RETRY_LATER = {
  error: { code: 'SERVICE_UNAVAILABLE', message: 'AWS is busy; retry the request after the Retry-After delay, it is idempotent', details: [] },
};
const post = (context: Context) =>
  handler(routeEvent('POST', PROVIDERS_RESOURCE, { workspace: 'payments' }, { body: JSON.stringify({ name: 'dev', accountId: '123456789012' }) }), context);
const get = (context: Context) => handler(routeEvent('GET', PROVIDER_RESOURCE, { workspace: 'payments', name: 'dev' }), context);
const list = (context: Context) => handler(routeEvent('GET', PROVIDERS_RESOURCE, { workspace: 'payments' }), context);

describe('AWS failures that outlast the request retries', () => {
  it.each([
    ['POST /workspaces/{workspace}/providers', post],
    ['GET /workspaces/{workspace}/providers/{name}', get],
    ['GET /workspaces/{workspace}/providers', list],
  ])('DynamoDB throttling on %s is a 503 with Retry-After, after 3 attempts', async (_route, call) => {
    // Prepare
    answer = () => throttling();

    // Act
    const response = await call(lambdaContext(10_000));

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json', 'retry-after': '2' });
    expect(JSON.parse(response.body)).toEqual(RETRY_LATER);
    expect(endpoint.targets).toHaveLength(3);
  });

  it('a Step Functions 5xx when starting the execution is a 503 with Retry-After', async () => {
    // Prepare
    answer = (target) =>
      target.startsWith('DynamoDB')
        ? { status: 200, body: {} }
        : { status: 500, body: { __type: 'InternalFailure', message: 'The request processing has failed' } };

    // Act
    const response = await post(lambdaContext(10_000));

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '2' });
    expect(JSON.parse(response.body)).toEqual(RETRY_LATER);
    expect(endpoint.targets.filter((target) => target === 'AWSStepFunctions.StartExecution')).toHaveLength(3);
  });
});

describe('a request whose budget cannot fit another AWS call', () => {
  it('is a 503 with Retry-After without calling AWS', async () => {
    // Prepare: 3 s left, of which the answer keeps 0.5 s; one attempt may take 3 s
    answer = () => ({ status: 200, body: {} });

    // Act
    const response = await post(lambdaContext(3_000));

    // Assess
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toEqual(RETRY_LATER);
    expect(endpoint.targets).toEqual([]);
  });
});

describe('other AWS errors', () => {
  it('stay a 500: AccessDenied is not fixed by retrying', async () => {
    // Prepare
    answer = () => ({ status: 400, body: { __type: 'com.amazon.coral.service#AccessDeniedException', message: 'not authorized' } });

    // Act
    const response = await get(lambdaContext(10_000));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.headers).not.toHaveProperty('retry-after');
    expect(JSON.parse(response.body).error.code).toBe('INTERNAL');
  });
});
