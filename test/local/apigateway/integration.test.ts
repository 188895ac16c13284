// How the local API Gateway addresses an API and stage, and the integration behaviours the
// signed-request tests do not reach: MOCK, non-emulated integrations, binary bodies and errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalApiGateway, type InvokeResult, type ProxyEvent, type RestApiRoute } from '../../../local/apigateway/index.js';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:api';
const FAILING_FN = 'arn:aws:lambda:us-east-1:000000000000:function:unreachable';
const ROUTES: RestApiRoute[] = [
  { httpMethod: 'ANY', resourcePath: '/files/{name}', authorizationType: 'NONE', integrationType: 'AWS_PROXY', functionArn: FN },
  { httpMethod: 'OPTIONS', resourcePath: '/files/{name}', authorizationType: 'NONE', integrationType: 'MOCK' },
  { httpMethod: 'GET', resourcePath: '/legacy', authorizationType: 'NONE', integrationType: 'HTTP' },
  { httpMethod: 'GET', resourcePath: '/custom', authorizationType: 'CUSTOM', integrationType: 'AWS_PROXY', functionArn: FN },
  { httpMethod: 'GET', resourcePath: '/down', authorizationType: 'NONE', integrationType: 'AWS_PROXY', functionArn: FAILING_FN },
];

describe('LocalApiGateway integrations', () => {
  let api: LocalApiGateway;
  const events: ProxyEvent[] = [];
  const logs: string[] = [];
  let answer: InvokeResult = { payload: { statusCode: 200, body: '{}' } };

  beforeAll(async () => {
    // Prepare: two APIs, a fake Lambda that fails for one function, and a captured log
    api = new LocalApiGateway({
      accountId: '000000000000',
      region: 'us-east-1',
      port: 0,
      credentials: () => undefined,
      authorize: () => undefined,
      log: (line) => void logs.push(line),
      invoke: async (arn, event) => {
        if (arn === FAILING_FN) throw new Error('function is not deployed');
        events.push(event);
        return answer;
      },
    });
    api.registerApi({ apiId: 'firstapi01', name: 'files', stageName: 'prod', routes: ROUTES });
    api.registerApi({ apiId: 'secondapi2', name: 'other', stageName: 'dev', routes: [] });
    await api.start();
  });

  afterAll(async () => {
    await api.close();
  });

  it('resolves the API and stage from the explicit /restapis form, the Host name, or the first API', () => {
    // Act
    const explicit = api.resolveTarget(undefined, '/restapis/secondapi2/dev/_user_request_/x/y');
    const unknownId = api.resolveTarget(undefined, '/restapis/nosuchapi0/dev/_user_request_/x');
    const byHost = api.resolveTarget('secondapi2.execute-api.localhost:3000', '/dev/x');
    const withStage = api.resolveTarget(undefined, '/prod/files/a');
    const withoutStage = api.resolveTarget(undefined, '/files/a');
    // Assess
    expect(explicit).toMatchObject({ api: { apiId: 'secondapi2' }, stage: 'dev', path: '/x/y' });
    expect(unknownId).toBeUndefined();
    expect(byHost).toMatchObject({ api: { apiId: 'secondapi2' }, stage: 'dev', path: '/x' });
    expect(withStage).toMatchObject({ api: { apiId: 'firstapi01' }, stage: 'prod', path: '/files/a' });
    expect(withoutStage).toMatchObject({ api: { apiId: 'firstapi01' }, stage: 'prod', path: '/files/a' });
  });

  it('serves a route through the explicit /restapis path and answers an unknown API with Missing Authentication Token', async () => {
    // Prepare
    answer = { payload: { statusCode: 200, body: 'found' } };
    // Act
    const explicit = await fetch(`${api.url}/restapis/firstapi01/prod/_user_request_/files/report.txt`);
    const unknown = await fetch(`${api.url}/restapis/nosuchapi0/prod/_user_request_/files/report.txt`);
    // Assess
    expect(explicit.status).toBe(200);
    expect(await explicit.text()).toBe('found');
    expect(events.at(-1)).toMatchObject({ path: '/files/report.txt', pathParameters: { name: 'report.txt' }, requestContext: { path: '/prod/files/report.txt' } });
    expect(unknown.status).toBe(403);
    expect(unknown.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });

  it('answers a MOCK integration with an empty 200 without invoking anything', async () => {
    // Prepare
    const before = events.length;
    // Act
    const response = await fetch(`${api.url}/prod/files/a`, { method: 'OPTIONS' });
    // Assess
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(events.length).toBe(before);
  });

  it('answers 500 for an integration type it does not emulate and 502 when the invocation itself fails', async () => {
    // Act
    const legacy = await fetch(`${api.url}/prod/legacy`);
    const down = await fetch(`${api.url}/prod/down`);
    // Assess
    expect(legacy.status).toBe(500);
    expect(legacy.headers.get('x-amzn-errortype')).toBe('InternalServerErrorException');
    expect(await legacy.json()).toEqual({ message: 'Internal server error' });
    expect(down.status).toBe(502);
    expect(await down.json()).toEqual({ message: 'Internal server error' });
    expect(logs).toContain('api: integration HTTP of GET /legacy is not emulated');
    expect(logs).toContain(`api: invoking ${FAILING_FN} failed: function is not deployed`);
  });

  it('lets a route with a non-emulated authorizer through and says so in the log', async () => {
    // Prepare
    answer = { payload: { statusCode: 204 } };
    // Act
    const response = await fetch(`${api.url}/prod/custom`);
    // Assess
    expect(response.status).toBe(204);
    expect(logs).toContain('api: authorization type CUSTOM is not emulated; allowing GET /custom');
  });

  it('passes a binary request body base64-encoded and decodes a base64 answer, with multi-value headers', async () => {
    // Prepare
    answer = {
      payload: {
        statusCode: 200,
        headers: { 'Content-Type': 'application/octet-stream' },
        multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
        body: Buffer.from([0, 1, 2, 255]).toString('base64'),
        isBase64Encoded: true,
      },
    };
    // Act
    const response = await fetch(`${api.url}/prod/files/blob`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array([255, 254, 0]),
    });
    const bytes = [...new Uint8Array(await response.arrayBuffer())];
    // Assess
    expect(events.at(-1)).toMatchObject({ httpMethod: 'PUT', body: '//4A', isBase64Encoded: true });
    expect(bytes).toEqual([0, 1, 2, 255]);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
  });
});
