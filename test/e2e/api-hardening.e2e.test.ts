// End to end: the API's answers to client mistakes and to AWS trouble, on the synthesized stack
// deployed on the local cloud. Requests are made by hand: signed with local/signed-fetch.ts, or
// written on a raw socket where a client library would not send them (oversized headers, methods
// HTTP does not define). A client's mistake is a 4xx with a body; AWS trouble that outlasts the
// request's time budget is a JSON 503 with Retry-After, never API Gateway's 502.
import { connect } from 'node:net';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedFetch, type Credentials, type SignedResponse } from '../../local/signed-fetch.js';
import { api, clientConfig, ensureSynthesized, executionsNamed, startTestCloud, type LocalCloud } from './support.js';

beforeAll(() => {
  ensureSynthesized();
}, 180_000);

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes a raw HTTP/1.1 request on a fresh connection and reads the answer until the server closes it. */
function rawRequest(cloud: LocalCloud, head: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(cloud.apiUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => socket.end());
    socket.on('close', () => {
      const [headText = '', ...rest] = Buffer.concat(chunks).toString('utf8').split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = headText.split('\r\n');
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.end(head);
  });
}

function signed(cloud: LocalCloud, path: string, init: Parameters<typeof signedFetch>[1] = {}, credentials: Credentials = cloud.adminCredentials): Promise<SignedResponse> {
  return signedFetch(`${cloud.apiUrl}${path}`, init, credentials, cloud.region);
}

const errorFields = (response: SignedResponse) => (response.body as { error: { details: { field: string }[] } }).error.details.map((detail) => detail.field);

describe('client mistakes are 4xx answers with a body (roles assumable at once)', () => {
  let cloud: LocalCloud;

  beforeAll(async () => {
    cloud = await startTestCloud({ propagationDelayMs: [0, 0], retryIntervalScale: 0.05 });
  }, 120_000);

  afterAll(async () => {
    await cloud?.close();
  });

  it('GET /workspaces/w/providers/%25 and …/%ZZ are 400 naming name, not a 500', async () => {
    // Act
    const responses = await Promise.all([signed(cloud, '/workspaces/w/providers/%25'), signed(cloud, '/workspaces/w/providers/%ZZ')]);

    // Assess
    expect(responses.map((response) => [response.status, errorFields(response)])).toEqual([
      [400, ['name']],
      [400, ['name']],
    ]);
  });

  it('a tampered, foreign or garbage nextToken is 400 naming nextToken, and an issued one pages on', async () => {
    // Prepare: two providers in one workspace, and the token of the page after the first
    const accounts = [0, 1].map((i) => cloud.iam.inviteAccount(`team-paging-${i}`, `paging-${i}@example.com`).accountId);
    await api(cloud).post({ workspace: 'paging', name: 'alpha', accountId: accounts[0] });
    await api(cloud).post({ workspace: 'paging', name: 'bravo', accountId: accounts[1] });
    const firstPage = await api(cloud).list('paging', '?limit=1');
    const token = (firstPage.body as { nextToken: string }).nextToken;
    const variants = [
      ['tampered', 'paging', `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`],
      ['truncated', 'paging', token.slice(0, -3)],
      ['issued for another workspace', 'search', token],
      ['garbage', 'paging', '!!!'],
      ['a DynamoDB key', 'paging', Buffer.from(JSON.stringify({ providerId: 'paging.alpha', workspace: 'paging', name: 'alpha' })).toString('base64url')],
      ['a key of the wrong type', 'paging', Buffer.from(JSON.stringify({ providerId: 42 })).toString('base64url')],
      ['JSON that is not an object', 'paging', Buffer.from('[1,2]').toString('base64url')],
    ] as const;

    // Act
    const secondPage = await api(cloud).list('paging', `?limit=1&nextToken=${token}`);
    const refused = await Promise.all(variants.map(([, workspace, value]) => api(cloud).list(workspace, `?nextToken=${encodeURIComponent(value)}`)));

    // Assess
    expect((firstPage.body as { items: { providerId: string }[] }).items.map((item) => item.providerId)).toEqual(['paging.alpha']);
    expect((secondPage.body as { items: { providerId: string }[] }).items.map((item) => item.providerId)).toEqual(['paging.bravo']);
    expect(refused.map((response, i) => [variants[i]![0], response.status, errorFields(response)])).toEqual(
      variants.map(([label]) => [label, 400, ['nextToken']]),
    );
  });

  it('limit=1e1, 0x10 and "  5" are 400 naming limit: digits only', async () => {
    // Act
    const responses = await Promise.all(['1e1', '0x10', '%20%205'].map((limit) => api(cloud).list('limits', `?limit=${limit}`)));

    // Assess
    expect(responses.map((response) => [response.status, errorFields(response)])).toEqual([
      [400, ['limit']],
      [400, ['limit']],
      [400, ['limit']],
    ]);
  });

  it('a valid JSON body sent as text/plain is 415, and writes and starts nothing', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-media-dev', 'media-dev@example.com');

    // Act
    const response = await signed(cloud, '/workspaces/media/providers', {
      method: 'POST',
      rawBody: JSON.stringify({ name: 'dev', accountId }),
      headers: { 'content-type': 'text/plain' },
    });

    // Assess
    expect(response.status).toBe(415);
    expect((response.body as { error: { code: string } }).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await api(cloud).get('media.dev')).status).toBe(404);
    expect(await executionsNamed(cloud, 'media_')).toHaveLength(0);
  });

  it('a body over Lambda’s 6 MB payload is 413 Request Too Long in JSON, not 502', async () => {
    // Act
    const response = await signed(cloud, '/workspaces/w/providers', { method: 'POST', rawBody: JSON.stringify({ padding: 'x'.repeat(7 * 1024 * 1024) }) });

    // Assess
    expect(response.status).toBe(413);
    expect(response.body).toEqual({ message: 'Request Too Long' });
  });

  it.each([
    ['over 10,240 bytes', 12_000],
    ['of 20 KB', 20_000],
    ['of 80 KB', 80_000],
  ])('headers %s are 431 with a JSON body, and the connection is not reset', async (_label, size) => {
    // Act
    const answer = await rawRequest(cloud, `GET /workspaces/w/providers HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Padding: ${'a'.repeat(size)}\r\n\r\n`);

    // Assess
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.body)).toEqual({ message: 'Request Header Fields Too Large' });
  });

  it('HEAD, DELETE and a method HTTP does not define are 403 Missing Authentication Token, as for any method without a route', async () => {
    // Act
    const head = await signed(cloud, '/workspaces/w/providers', { method: 'HEAD' });
    const remove = await signed(cloud, '/workspaces/w/providers', { method: 'DELETE' });
    const unknown = await rawRequest(cloud, 'FOO /workspaces/w/providers HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');

    // Assess
    expect([head.status, head.headers.get('x-amzn-errortype'), head.headers.get('content-type')]).toEqual([
      403,
      'MissingAuthenticationTokenException',
      'application/json',
    ]);
    expect([remove.status, remove.body]).toEqual([403, { message: 'Missing Authentication Token' }]);
    expect([unknown.status, unknown.headers['x-amzn-errortype'], JSON.parse(unknown.body)]).toEqual([
      403,
      'MissingAuthenticationTokenException',
      { message: 'Missing Authentication Token' },
    ]);
  });

  it('a principal allowed only POST learns neither the account nor the External ID of an existing provider', async () => {
    // Prepare: the provider exists (created by an administrator); a portal role may only create
    const { accountId } = cloud.iam.inviteAccount('team-secret-create', 'secret-create@example.com');
    const created = await api(cloud).post({ workspace: 'createonly', name: 'dev', accountId });
    const createOnly = await createOnlyCredentials(cloud);

    // Act
    const repeated = await api(cloud, createOnly).post({ workspace: 'createonly', name: 'dev', accountId });
    const conflict = await api(cloud, createOnly).post({ workspace: 'createonly', name: 'dev', accountId: '999999999999' });
    const read = await api(cloud, createOnly).get('createonly.dev');

    // Assess
    const externalId = (created.body as { provider: { externalId: string } }).provider.externalId;
    expect(externalId).toMatch(/^[\w-]{43}$/);
    expect(repeated.status).toBe(202);
    expect((repeated.body as { provider: Record<string, unknown> }).provider).not.toHaveProperty('externalId');
    expect(JSON.stringify(repeated.body)).not.toContain(externalId);
    expect(conflict.status).toBe(409);
    expect(conflict.body).toEqual({
      error: {
        code: 'CONFLICT',
        message: 'Provider createonly.dev already exists with a different specification',
        details: [{ field: 'accountId', issue: 'differs from the existing provider' }],
      },
    });
    expect(read.status).toBe(403);
  });
});

describe('AWS throttling that outlasts a request (DynamoDB item reads and writes throttled, each taking 2.5 s)', () => {
  let cloud: LocalCloud;

  beforeAll(async () => {
    cloud = await startTestCloud({
      propagationDelayMs: [0, 0],
      retryIntervalScale: 0.05,
      faults: 'dynamodb:GetItem=throttle:1;dynamodb:GetItem=latency:2500;dynamodb:PutItem=throttle:1;dynamodb:PutItem=latency:2500;dynamodb:Query=throttle:1',
    });
  }, 120_000);

  afterAll(async () => {
    await cloud?.close();
  });

  it('a POST whose retries would outlive the function is a JSON 503 with Retry-After, not API Gateway’s 502', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-throttled-dev', 'throttled-dev@example.com');

    // Act
    const response = await api(cloud).post({ workspace: 'throttled', name: 'dev', accountId });

    // Assess
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expect((response.body as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');
    expect(await executionsNamed(cloud, 'throttled_')).toHaveLength(0);
  });

  it('a list throttled beyond its retries is a JSON 503 with Retry-After, not a 500', async () => {
    // Act
    const response = await api(cloud).list('throttled');

    // Assess
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expect((response.body as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');
  });
});

/** Credentials of a role in the management account whose only permission is POST /workspaces/{any}/providers. */
async function createOnlyCredentials(cloud: LocalCloud): Promise<Credentials> {
  const iam = new IAMClient(clientConfig(cloud));
  const { Role } = await iam.send(
    new CreateRoleCommand({
      RoleName: 'portal-create-only',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${cloud.accountId}:root` }, Action: 'sts:AssumeRole' }],
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'portal-create-only',
      PolicyName: 'create-providers',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `arn:aws:execute-api:${cloud.region}:${cloud.accountId}:*/*/POST/workspaces/*/providers` }],
      }),
    }),
  );
  const { Credentials } = await new STSClient(clientConfig(cloud)).send(new AssumeRoleCommand({ RoleArn: Role!.Arn, RoleSessionName: 'portal' }));
  return { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! };
}
