// A tiny stand-in for the local cloud's router, so the real SDK clients can reach LocalLambda
// and LocalStepFunctions in these tests: X-Amz-Target → Step Functions, Lambda's REST paths →
// Lambda. No SigV4 check: every request is made by `caller`.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsRequest, AwsResponse, CallerIdentity, ServiceName } from '../../../local/core/types.js';

export type Handle = (req: AwsRequest) => Promise<AwsResponse>;

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

export const TEST_CREDENTIALS = { accessKeyId: 'AKIATESTTESTTESTTEST', secretAccessKey: 'test-secret' };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function route(method: string, path: string, query: URLSearchParams, headers: Record<string, string>, body: string): { service: ServiceName; action: string; params: Record<string, unknown> } | undefined {
  const target = headers['x-amz-target'];
  if (target?.startsWith('AWSStepFunctions.')) {
    return { service: 'states', action: target.slice('AWSStepFunctions.'.length), params: body === '' ? {} : (JSON.parse(body) as Record<string, unknown>) };
  }
  const match = /^\/2015-03-31\/functions\/?([^/]*)(\/invocations|\/configuration)?\/?$/.exec(path);
  if (match === null) return undefined;
  const name = decodeURIComponent(match[1] ?? '');
  const qualifier = query.get('Qualifier');
  const withQualifier = qualifier !== null ? { Qualifier: qualifier } : {};
  if (name === '') return { service: 'lambda', action: 'ListFunctions', params: {} };
  if (match[2] === '/invocations' && method === 'POST') {
    return {
      service: 'lambda',
      action: 'Invoke',
      params: {
        FunctionName: name,
        Payload: body,
        InvocationType: headers['x-amz-invocation-type'] ?? 'RequestResponse',
        LogType: headers['x-amz-log-type'] ?? 'None',
        ...withQualifier,
      },
    };
  }
  if (match[2] === '/configuration') return { service: 'lambda', action: 'GetFunctionConfiguration', params: { FunctionName: name, ...withQualifier } };
  return { service: 'lambda', action: 'GetFunction', params: { FunctionName: name, ...withQualifier } };
}

export async function startTestServer(handlers: Partial<Record<ServiceName, Handle>>, caller: () => CallerIdentity | undefined): Promise<TestServer> {
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[key.toLowerCase()] = value;
      const body = await readBody(req);
      const routed = route(req.method ?? 'GET', url.pathname, url.searchParams, headers, body);
      const handler = routed !== undefined ? handlers[routed.service] : undefined;
      if (routed === undefined || handler === undefined) {
        res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'UnknownOperationException' });
        res.end(JSON.stringify({ __type: 'UnknownOperationException', message: `no route for ${req.method} ${url.pathname}` }));
        return;
      }
      const who = caller();
      const response = await handler({
        ...routed,
        region: 'us-east-1',
        rawBody: body,
        path: url.pathname,
        headers,
        ...(who !== undefined ? { caller: who } : {}),
      });
      res.writeHead(response.status, response.headers);
      res.end(response.body);
    })().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
