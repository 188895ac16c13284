// What the local API Gateway answers to requests API Gateway refuses itself, sent as raw HTTP
// (a client library would not send most of them): payloads over the REST API quota or over
// Lambda's 6 MB invocation payload, header values over 10,240 bytes, methods with no route. Each
// gets API Gateway's answer with a body, and the connection is never reset under the client.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalApiGateway, type ProxyEvent, type RestApiRoute } from '../../../local/apigateway/index.js';
import { AwsServiceError } from '../../../local/core/types.js';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:api';
const ROUTES: RestApiRoute[] = [
  { httpMethod: 'POST', resourcePath: '/providers', authorizationType: 'NONE', integrationType: 'AWS_PROXY', functionArn: FN },
  { httpMethod: 'GET', resourcePath: '/providers', authorizationType: 'NONE', integrationType: 'AWS_PROXY', functionArn: FN },
];
/** Lambda's limit on a synchronous invocation's payload, as the local Lambda enforces it. */
const LAMBDA_MAX_PAYLOAD = 6 * 1024 * 1024;

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes `head` (and `body`) on a fresh connection; resolves with the answer once the server closes it. */
function rawRequest(port: number, head: string, body: Buffer = Buffer.alloc(0)): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => socket.end());
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [headText = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = headText.split('\r\n');
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(head);
    socket.end(body);
  });
}

const requestHead = (method: string, extraHeaders = '', contentLength?: number) =>
  `${method} /providers HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extraHeaders}${contentLength !== undefined ? `Content-Length: ${contentLength}\r\nContent-Type: application/json\r\n` : ''}\r\n`;

describe('LocalApiGateway request quotas and unknown methods', () => {
  let api: LocalApiGateway;
  let port: number;
  const invoked: ProxyEvent[] = [];

  beforeAll(async () => {
    // Prepare: a gateway whose Lambda refuses an event over 6 MB, as the local Lambda does
    api = new LocalApiGateway({
      accountId: '000000000000',
      region: 'us-east-1',
      port: 0,
      credentials: () => undefined,
      authorize: () => undefined,
      invoke: async (_arn, event) => {
        if (Buffer.byteLength(JSON.stringify(event)) > LAMBDA_MAX_PAYLOAD) {
          throw new AwsServiceError('RequestTooLargeException', 'Request must be smaller than 6291456 bytes for the InvokeFunction operation', 413);
        }
        invoked.push(event);
        return { payload: { statusCode: 200, body: '{}' } };
      },
    });
    api.registerApi({ apiId: 'quotasapi1', name: 'providers', stageName: 'prod', routes: ROUTES });
    await api.start();
    port = api.port;
  });

  afterAll(async () => {
    await api.close();
  });

  beforeEach(() => {
    invoked.length = 0;
  });

  it('answers a body that makes the Lambda event exceed 6 MB with 413 Request Too Long in JSON, not 502', async () => {
    // Prepare
    const body = Buffer.from(JSON.stringify({ padding: 'x'.repeat(7 * 1024 * 1024) }));

    // Act
    const answer = await rawRequest(port, requestHead('POST', '', body.length), body);

    // Assess
    expect(answer.status).toBe(413);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.body)).toEqual({ message: 'Request Too Long' });
    expect(invoked).toHaveLength(0);
  });

  it('answers a body over the 10 MB payload quota with 413, reading the rest without holding it', async () => {
    // Prepare
    const body = Buffer.alloc(11 * 1024 * 1024, 'x');

    // Act
    const answer = await rawRequest(port, requestHead('POST', '', body.length), body);

    // Assess
    expect(answer.status).toBe(413);
    expect(answer.body).toBe('HTTP content length exceeded 10485760 bytes.');
    expect(invoked).toHaveLength(0);
  });

  it.each([
    ['over 10,240 bytes of header values', 11_000],
    ["over Node's 16 KB header limit", 20_000],
    ['of 80 KB', 80_000],
  ])('answers headers %s with 431 and a JSON body, without resetting the connection', async (_label, size) => {
    // Act
    const answer = await rawRequest(port, requestHead('GET', `X-Padding: ${'a'.repeat(size)}\r\n`));

    // Assess
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.body)).toEqual({ message: 'Request Header Fields Too Large' });
    expect(invoked).toHaveLength(0);
  });

  it('answers a method HTTP does not define with 403 Missing Authentication Token, as for any method without a route', async () => {
    // Act
    const answer = await rawRequest(port, requestHead('FOO'));

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    expect(JSON.parse(answer.body)).toEqual({ message: 'Missing Authentication Token' });
  });

  it('answers DELETE, which has no route, with 403 Missing Authentication Token', async () => {
    // Act
    const answer = await rawRequest(port, requestHead('DELETE'));

    // Assess
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toEqual({ message: 'Missing Authentication Token' });
  });

  it('answers HEAD, which has no route, with the headers of 403 Missing Authentication Token (HEAD answers carry no body)', async () => {
    // Act
    const answer = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'HEAD', path: '/providers' }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });

    // Assess
    expect(answer).toEqual({
      status: 403,
      headers: expect.objectContaining({
        'content-type': 'application/json',
        'x-amzn-errortype': 'MissingAuthenticationTokenException',
        'content-length': String(JSON.stringify({ message: 'Missing Authentication Token' }).length),
      }),
      body: '',
    });
    expect(invoked).toHaveLength(0);
  });

  it('still serves a request within the quotas', async () => {
    // Prepare
    const body = Buffer.from(JSON.stringify({ workspace: 'payments' }));

    // Act
    const answer = await rawRequest(port, requestHead('POST', `X-Padding: ${'a'.repeat(9_000)}\r\n`, body.length), body);

    // Assess
    expect(answer.status).toBe(200);
    expect(invoked).toHaveLength(1);
  });
});
