// API Gateway (REST, v1) for the local cloud: serves the deployed route table on its own port,
// enforces IAM auth (SigV4 for execute-api, then execute-api:Invoke), builds the Lambda proxy
// event, and maps the function's answer back, with API Gateway's own error bodies.
//
// Layout: routes.ts is the route model (route tables, matching, which API a request addresses),
// authorization.ts the route authorization, integration.ts the MOCK and Lambda proxy
// integrations, http.ts the gateway's own answers and request quotas. This class owns the HTTP server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Authorize } from '../core/types.js';
import type { ResolvedCredentials } from '../core/server.js';
import { authorizeRoute } from './authorization.js';
import {
  answerUnparsable,
  headersTooLarge,
  headerValuesBytes,
  internalServerError,
  MAX_HEADER_VALUES_BYTES,
  missingToken,
  payloadTooLarge,
  readPayload,
  send,
  type HttpAnswer,
} from './http.js';
import { buildProxyEvent, runIntegration, type Invoke, type ProxyEvent, type RouteRequest } from './integration.js';
import { matchRoute, RestApiRegistry, type RestApiDefinition, type RouteTarget } from './routes.js';

export type { InvokeResult, ProxyEvent } from './integration.js';
export { matchRoute, type RestApiDefinition, type RestApiRoute, type RouteMatch } from './routes.js';

export interface LocalApiGatewayOptions {
  accountId: string;
  region: string;
  partition?: string;
  host?: string;
  /** 0 picks a free port. Default 3000. */
  port?: number;
  authorize: Authorize;
  credentials: (accessKeyId: string) => ResolvedCredentials | undefined;
  /** The gateway's clock (epoch ms), which signing times are checked against. Default Date.now. */
  now?: () => number;
  invoke: Invoke;
  log?: (line: string) => void;
}

export class LocalApiGateway {
  private readonly apis = new RestApiRegistry();
  private server: Server | undefined;
  private boundPort = 0;

  constructor(private readonly options: LocalApiGatewayOptions) {}

  /** Adds or replaces a REST API (the deployer calls this on every deploy). */
  registerApi(api: RestApiDefinition): void {
    this.apis.register(api);
  }

  listApis(): RestApiDefinition[] {
    return this.apis.list();
  }

  get url(): string {
    return `http://${this.options.host ?? '127.0.0.1'}:${this.boundPort}`;
  }

  get port(): number {
    return this.boundPort;
  }

  executeApiArn(apiId: string, stage: string, method: string, path: string): string {
    return `arn:${this.options.partition ?? 'aws'}:execute-api:${this.options.region}:${this.options.accountId}:${apiId}/${stage}/${method}/${path.replace(/^\//, '')}`;
  }

  /** Which API and stage a request addresses, and its path within the stage (see RestApiRegistry). */
  resolveTarget(host: string | undefined, rawPath: string): RouteTarget | undefined {
    return this.apis.resolveTarget(host, rawPath);
  }

  buildEvent(input: RouteRequest): ProxyEvent {
    return buildProxyEvent(input, this.options.accountId);
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.serve(req, res).catch((error: unknown) => {
        this.options.log?.(`api: request failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        if (!res.headersSent) send(res, internalServerError(500));
      });
    });
    server.keepAliveTimeout = 5_000;
    server.on('clientError', answerUnparsable);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 3000, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readPayload(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://local');
    // The REST API's request quotas apply before routing and authorization.
    const answer =
      headerValuesBytes(req) > MAX_HEADER_VALUES_BYTES
        ? headersTooLarge()
        : raw === undefined
          ? payloadTooLarge()
          : await this.dispatch(method, url, req, raw);
    send(res, answer);
    this.options.log?.(`api ${method} ${url.pathname} ${answer.status}`);
  }

  /** API Gateway's order: find the route, authorize the caller, then run the integration. */
  private async dispatch(method: string, url: URL, req: IncomingMessage, raw: Buffer): Promise<HttpAnswer> {
    const target = this.apis.resolveTarget(req.headers.host, url.pathname);
    if (target === undefined) return missingToken();
    const match = matchRoute(target.api.routes, method, target.path);
    if (match === undefined) return missingToken();
    const resource = this.executeApiArn(target.api.apiId, target.stage, method, target.path);
    const authorization = authorizeRoute(match.route, { method, req, raw, path: target.path, resource }, this.options);
    if (!authorization.allowed) return authorization.answer;
    const request: RouteRequest = { method, url, req, raw, ...match, caller: authorization.caller, ...target };
    return runIntegration(request, this.options);
  }
}
