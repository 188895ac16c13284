// A stand-in AWS endpoint for the JSON protocols (DynamoDB, Step Functions) on a free loopback
// port: each request is answered by the test's function, so tests can make AWS throttle or fail
// and count the attempts the SDK made.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAnswer {
  status: number;
  /** The error type (`__type`), or the JSON output of a successful call. */
  body: Record<string, unknown>;
}

export interface FakeAwsEndpoint {
  url: string;
  /** The X-Amz-Target of every request received, in order (e.g. DynamoDB_20120810.GetItem). */
  targets: string[];
  close(): Promise<void>;
}

export function throttling(): FakeAnswer {
  return { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'Throughput exceeded' } };
}

export async function startFakeAwsEndpoint(answer: (target: string) => FakeAnswer): Promise<FakeAwsEndpoint> {
  const targets: string[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      targets.push(target);
      const { status, body } = answer(target);
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
