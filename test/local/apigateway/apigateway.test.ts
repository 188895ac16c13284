import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../../local/signed-fetch.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalApiGateway, matchRoute, type InvokeResult, type ProxyEvent, type RestApiRoute } from '../../../local/apigateway/index.js';
import { AwsServiceError, type CallerIdentity } from '../../../local/core/types.js';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:api';
const ROUTES: RestApiRoute[] = [
  { httpMethod: 'POST', resourcePath: '/providers', authorizationType: 'AWS_IAM', integrationType: 'AWS_PROXY', functionArn: FN },
  { httpMethod: 'GET', resourcePath: '/providers', authorizationType: 'AWS_IAM', integrationType: 'AWS_PROXY', functionArn: FN },
  { httpMethod: 'GET', resourcePath: '/providers/{providerId}', authorizationType: 'AWS_IAM', integrationType: 'AWS_PROXY', functionArn: FN },
  { httpMethod: 'GET', resourcePath: '/health', authorizationType: 'NONE', integrationType: 'AWS_PROXY', functionArn: FN },
];
const ROLE: CallerIdentity = {
  accessKeyId: 'ASIAPORTAL',
  accountId: '000000000000',
  arn: 'arn:aws:sts::000000000000:assumed-role/portal/alice',
  principalType: 'assumed-role',
  roleArn: 'arn:aws:iam::000000000000:role/portal',
  sessionName: 'alice',
};

describe('matchRoute', () => {
  it('prefers literal segments over parameters and a method over ANY', () => {
    // Prepare
    const routes: RestApiRoute[] = [
      { httpMethod: 'ANY', resourcePath: '/{proxy+}', authorizationType: 'NONE', integrationType: 'AWS_PROXY' },
      { httpMethod: 'GET', resourcePath: '/providers/{id}', authorizationType: 'NONE', integrationType: 'AWS_PROXY' },
      { httpMethod: 'GET', resourcePath: '/providers/search', authorizationType: 'NONE', integrationType: 'AWS_PROXY' },
      { httpMethod: 'ANY', resourcePath: '/providers/{id}', authorizationType: 'NONE', integrationType: 'AWS_PROXY' },
    ];
    // Act
    const literal = matchRoute(routes, 'GET', '/providers/search');
    const param = matchRoute(routes, 'GET', '/providers/p%201');
    const any = matchRoute(routes, 'DELETE', '/providers/p1');
    const greedy = matchRoute(routes, 'GET', '/a/b/c');
    // Assess
    expect(literal?.route.resourcePath).toBe('/providers/search');
    expect(param).toEqual({ route: routes[1], pathParameters: { id: 'p 1' } });
    expect(any?.route.httpMethod).toBe('ANY');
    expect(greedy?.pathParameters).toEqual({ proxy: 'a/b/c' });
    expect(matchRoute(routes.slice(1), 'GET', '/other')).toBeUndefined();
  });
});

describe('LocalApiGateway', () => {
  let api: LocalApiGateway;
  const events: ProxyEvent[] = [];
  const checks: string[] = [];
  let answer: InvokeResult = { payload: { statusCode: 200, body: '{}' } };

  beforeAll(async () => {
    // Prepare: a gateway with a fake Lambda and an authorizer that denies one path
    api = new LocalApiGateway({
      accountId: '000000000000',
      region: 'us-east-1',
      port: 0,
      credentials: (akid) => (akid === ROLE.accessKeyId ? { secretAccessKey: 'portal-secret', identity: ROLE } : undefined),
      authorize: (_caller, action, resource) => {
        checks.push(`${action} ${resource}`);
        if (resource.endsWith('/forbidden')) throw new AwsServiceError('AccessDenied', 'denied', 403);
      },
      invoke: async (_arn, event) => {
        events.push(event);
        return answer;
      },
    });
    api.registerApi({ apiId: 'abc123defg', name: 'providers', stageName: 'prod', routes: ROUTES });
    await api.start();
  });

  afterAll(async () => {
    await api.close();
  });

  async function signedFetch(method: string, path: string, body?: string, secret = 'portal-secret', service = 'execute-api') {
    const url = new URL(path, api.url);
    const signer = new SignatureV4({ service, region: 'us-east-1', sha256: NodeSha256, credentials: { accessKeyId: ROLE.accessKeyId, secretAccessKey: secret, sessionToken: 'tok' } });
    const query: Record<string, string[]> = {};
    url.searchParams.forEach((value, key) => void (query[key] ??= []).push(value));
    const signed = await signer.sign({
      method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query,
      headers: { host: url.host, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body } : {}),
    });
    return fetch(url, { method, headers: signed.headers, ...(body !== undefined ? { body } : {}) });
  }

  it('invokes the function with a REST proxy event and maps its answer back', async () => {
    // Prepare
    answer = { payload: { statusCode: 202, headers: { 'X-Custom': 'yes' }, body: JSON.stringify({ providerId: 'p1' }) } };
    // Act
    const response = await signedFetch('POST', '/prod/providers?dryRun=true&tag=a&tag=b', '{"name":"n"}');
    // Assess
    expect(response.status).toBe(202);
    expect(response.headers.get('x-custom')).toBe('yes');
    expect(await response.json()).toEqual({ providerId: 'p1' });
    const event = events.at(-1)!;
    expect(event).toMatchObject({
      resource: '/providers',
      path: '/providers',
      httpMethod: 'POST',
      queryStringParameters: { dryRun: 'true', tag: 'b' },
      multiValueQueryStringParameters: { dryRun: ['true'], tag: ['a', 'b'] },
      pathParameters: null,
      body: '{"name":"n"}',
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'abc123defg',
        stage: 'prod',
        resourcePath: '/providers',
        httpMethod: 'POST',
        path: '/prod/providers',
        identity: { accountId: '000000000000', caller: 'portal:alice', userArn: ROLE.arn, accessKey: 'ASIAPORTAL' },
      },
    });
    expect(event.headers?.['content-type']).toBe('application/json');
    expect(checks.at(-1)).toBe('execute-api:Invoke arn:aws:execute-api:us-east-1:000000000000:abc123defg/prod/POST/providers');
  });

  it('fills pathParameters and accepts the path without the stage prefix', async () => {
    // Prepare
    answer = { payload: { statusCode: 200, body: '{"ok":true}' } };
    // Act
    const response = await signedFetch('GET', '/providers/p-42');
    // Assess
    expect(response.status).toBe(200);
    expect(events.at(-1)).toMatchObject({ resource: '/providers/{providerId}', path: '/providers/p-42', pathParameters: { providerId: 'p-42' } });
    expect(checks.at(-1)).toBe('execute-api:Invoke arn:aws:execute-api:us-east-1:000000000000:abc123defg/prod/GET/providers/p-42');
  });

  it('answers an unsigned request with 403 Missing Authentication Token', async () => {
    // Prepare
    const before = events.length;
    // Act
    const response = await fetch(`${api.url}/prod/providers`);
    // Assess
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
    expect(events.length).toBe(before);
  });

  it('answers an unknown route with 403 Missing Authentication Token, as AWS does', async () => {
    // Act
    const response = await signedFetch('DELETE', '/prod/providers');
    // Assess
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
  });

  it('rejects a bad signature and a wrong signing service with 403', async () => {
    // Act
    const badSecret = await signedFetch('GET', '/prod/providers', undefined, 'wrong');
    const wrongService = await signedFetch('GET', '/prod/providers', undefined, 'portal-secret', 'lambda');
    // Assess
    expect(badSecret.status).toBe(403);
    expect(((await badSecret.json()) as { message: string }).message).toContain('signature we calculated does not match');
    expect(wrongService.status).toBe(403);
  });

  it('answers 403 when the caller may not invoke the route', async () => {
    // Act
    const response = await signedFetch('GET', '/prod/providers/forbidden');
    // Assess
    expect(response.status).toBe(403);
    expect(((await response.json()) as { message: string }).message).toBe(
      `User: ${ROLE.arn} is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:000000000000:abc123defg/prod/GET/providers/forbidden`,
    );
  });

  it('answers 502 Internal server error when the function fails or returns a malformed response', async () => {
    // Prepare
    answer = { payload: { errorType: 'Error', errorMessage: 'boom' }, functionError: 'Unhandled' };
    // Act
    const failed = await signedFetch('GET', '/prod/providers');
    answer = { payload: { body: 'no status' } };
    const malformed = await signedFetch('GET', '/prod/providers');
    // Assess
    expect(failed.status).toBe(502);
    expect(await failed.json()).toEqual({ message: 'Internal server error' });
    expect(malformed.status).toBe(502);
  });

  it('serves NONE-authorized routes without a signature, with a null identity', async () => {
    // Prepare
    answer = { payload: { statusCode: 200, body: 'ok' } };
    // Act
    const response = await fetch(`${api.url}/prod/health`);
    // Assess
    expect(response.status).toBe(200);
    expect(events.at(-1)?.requestContext.identity).toMatchObject({ userArn: null, accessKey: null });
  });
});
