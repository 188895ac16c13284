// A minimal test router in front of LocalIam, so the tests drive it through the real SDK clients:
// the service comes from X-Amz-Target (JSON) or from the SigV4 credential scope (query protocol).
// The real router (local/core/server.ts) also verifies signatures; here the access key alone names the caller.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsRequest, AwsResponse, ServiceName } from '../../../local/core/types.js';
import type { LocalIam } from '../../../local/iam/index.js';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface Harness {
  endpoint: string;
  clients(credentials: Credentials): { iam: IAMClient; sts: STSClient; org: OrganizationsClient };
  /** Raw POST, for what the SDK would never send (e.g. an unsigned request). */
  post(body: string, headers: Record<string, string>): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A request as the router hands it to a service, signed by the local administrator (an IAM user of the management account). */
export function adminRequest(local: LocalIam, service: ServiceName, action: string): AwsRequest {
  const caller = local.resolveAccessKey(local.adminCredentials().accessKeyId);
  return { service, action, params: {}, region: 'us-east-1', rawBody: '', path: '/', headers: {}, ...(caller !== undefined ? { caller } : {}) };
}

export async function startHarness(local: LocalIam): Promise<Harness> {
  const server = createServer((req, res) => {
    void (async () => {
      const rawBody = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(headers.authorization ?? '');
      const caller = scope?.[1] !== undefined ? local.resolveAccessKey(scope[1]) : undefined;
      const target = headers['x-amz-target'];
      let service: ServiceName;
      let action: string;
      let params: Record<string, unknown>;
      if (target !== undefined) {
        service = 'organizations';
        action = target.replace('AWSOrganizationsV20161128.', '');
        params = rawBody === '' ? {} : (JSON.parse(rawBody) as Record<string, unknown>);
      } else {
        const form = new URLSearchParams(rawBody);
        service = scope?.[3] === 'sts' ? 'sts' : 'iam';
        action = form.get('Action') ?? '';
        params = Object.fromEntries(form);
      }
      const request: AwsRequest = {
        service,
        action,
        params,
        region: scope?.[2] ?? 'us-east-1',
        rawBody,
        path: req.url ?? '/',
        headers,
        ...(caller !== undefined ? { caller } : {}),
      };
      const response: AwsResponse =
        service === 'organizations' ? await local.handleOrganizations(request) : service === 'sts' ? await local.handleSts(request) : await local.handleIam(request);
      res.writeHead(response.status, response.headers);
      res.end(response.body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    clients(credentials) {
      const config = { endpoint, region: 'us-east-1', credentials, maxAttempts: 1 };
      return { iam: new IAMClient(config), sts: new STSClient(config), org: new OrganizationsClient(config) };
    },
    async post(body, headers) {
      const response = await fetch(endpoint, { method: 'POST', body, headers });
      return { status: response.status, body: await response.text() };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
