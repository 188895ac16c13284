// API Gateway (REST, v1) for the local cloud: serves the deployed route table on its own port,
// enforces IAM auth (SigV4 for execute-api, then execute-api:Invoke), builds the Lambda proxy
// event, and maps the function's answer back, with API Gateway's own error bodies.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../core/sigv4.js';
import { AwsServiceError, type Authorize, type CallerIdentity } from '../core/types.js';
import type { ResolvedCredentials } from '../core/server.js';
import { matchRoute, type RestApiDefinition, type RestApiRoute } from './routes.js';

export { matchRoute, type RestApiDefinition, type RestApiRoute, type RouteMatch } from './routes.js';

export interface InvokeResult {
  /** The function's return value (parsed JSON, or the raw string when it is not JSON). */
  payload: unknown;
  /** Set when the function failed (Unhandled / Handled), as Lambda's X-Amz-Function-Error. */
  functionError?: string;
}

export interface LocalApiGatewayOptions {
  accountId: string;
  region: string;
  partition?: string;
  host?: string;
  /** 0 picks a free port. Default 3000. */
  port?: number;
  authorize: Authorize;
  credentials: (accessKeyId: string) => ResolvedCredentials | undefined;
  invoke: (functionArn: string, event: ProxyEvent) => Promise<InvokeResult>;
  log?: (line: string) => void;
}

/** The REST API (payload format 1.0) Lambda proxy event. */
export interface ProxyEvent {
  resource: string;
  path: string;
  httpMethod: string;
  headers: Record<string, string> | null;
  multiValueHeaders: Record<string, string[]> | null;
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
  pathParameters: Record<string, string> | null;
  stageVariables: Record<string, string> | null;
  requestContext: {
    accountId: string;
    apiId: string;
    stage: string;
    requestId: string;
    extendedRequestId: string;
    requestTime: string;
    requestTimeEpoch: number;
    path: string;
    protocol: string;
    domainName: string;
    resourceId: string;
    resourcePath: string;
    httpMethod: string;
    identity: {
      accountId: string | null;
      caller: string | null;
      user: string | null;
      userArn: string | null;
      accessKey: string | null;
      sourceIp: string;
      userAgent: string | null;
      cognitoIdentityPoolId: null;
      cognitoIdentityId: null;
      cognitoAuthenticationType: null;
      cognitoAuthenticationProvider: null;
      principalOrgId: null;
    };
  };
  body: string | null;
  isBase64Encoded: boolean;
}

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

const BINARY_TYPES = /^(application\/octet-stream|application\/zip|application\/pdf|image\/|audio\/|video\/)/;

function gatewayError(status: number, errorType: string, message: string): HttpAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': errorType },
    body: Buffer.from(JSON.stringify({ message })),
  };
}

const MISSING_TOKEN = () => gatewayError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');

/** API Gateway's `caller` field: the account for root, `ROLEID:session` style for assumed roles. */
function callerId(caller: CallerIdentity): string {
  if (caller.principalType === 'account-root') return caller.accountId;
  const roleName = caller.roleArn?.split('/').pop() ?? 'role';
  return `${roleName}:${caller.sessionName ?? 'session'}`;
}

function multi(entries: Iterable<[string, string]>): { single: Record<string, string> | null; multi: Record<string, string[]> | null } {
  const single: Record<string, string> = {};
  const many: Record<string, string[]> = {};
  for (const [key, value] of entries) {
    single[key] = value;
    (many[key] ??= []).push(value);
  }
  return Object.keys(single).length === 0 ? { single: null, multi: null } : { single, multi: many };
}

export class LocalApiGateway {
  private readonly apis = new Map<string, RestApiDefinition>();
  private server: Server | undefined;
  private boundPort = 0;

  constructor(private readonly options: LocalApiGatewayOptions) {}

  /** Adds or replaces a REST API (the deployer calls this on every deploy). */
  registerApi(api: RestApiDefinition): void {
    this.apis.set(api.apiId, { ...api, routes: [...api.routes] });
  }

  listApis(): RestApiDefinition[] {
    return [...this.apis.values()];
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

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.serve(req, res).catch((error: unknown) => {
        this.options.log?.(`api: request failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        if (!res.headersSent) this.send(res, gatewayError(500, 'InternalServerErrorException', 'Internal server error'));
      });
    });
    server.keepAliveTimeout = 5_000;
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

  /**
   * Which API and stage a request addresses, and its path within the stage. Accepted forms:
   * `/restapis/{apiId}/{stage}/_user_request_/path`, Host `{apiId}.execute-api...`, or, for the
   * (first) deployed API, `/{stage}/path` and plain `/path`.
   */
  resolveTarget(host: string | undefined, rawPath: string): { api: RestApiDefinition; stage: string; path: string } | undefined {
    const explicit = /^\/restapis\/([^/]+)\/([^/]+)\/_user_request_(\/.*)?$/.exec(rawPath);
    if (explicit !== null) {
      const api = this.apis.get(explicit[1]!);
      return api === undefined ? undefined : { api, stage: explicit[2]!, path: explicit[3] ?? '/' };
    }
    const byHost = host !== undefined ? this.apis.get(host.split('.')[0] ?? '') : undefined;
    const api = byHost ?? this.apis.values().next().value;
    if (api === undefined) return undefined;
    const stagePrefix = `/${api.stageName}`;
    if (rawPath === stagePrefix || rawPath.startsWith(`${stagePrefix}/`)) {
      return { api, stage: api.stageName, path: rawPath.slice(stagePrefix.length) || '/' };
    }
    return { api, stage: api.stageName, path: rawPath };
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://local');
    const answer = await this.dispatch(method, url, req, raw);
    this.send(res, answer);
    this.options.log?.(`api ${method} ${url.pathname} ${answer.status}`);
  }

  private async dispatch(method: string, url: URL, req: IncomingMessage, raw: Buffer): Promise<HttpAnswer> {
    const target = this.resolveTarget(req.headers.host, url.pathname);
    if (target === undefined) return MISSING_TOKEN();
    const match = matchRoute(target.api.routes, method, target.path);
    if (match === undefined) return MISSING_TOKEN();
    const { route, pathParameters } = match;

    let caller: CallerIdentity | undefined;
    if (route.authorizationType === 'AWS_IAM') {
      if (req.headers.authorization === undefined) return MISSING_TOKEN();
      try {
        let resolved: ResolvedCredentials | undefined;
        const verified = verifySignature({ method, url: req.url ?? '/', headers: req.headers, body: raw }, (akid) => {
          resolved = this.options.credentials(akid);
          return resolved?.secretAccessKey;
        });
        caller = verified !== undefined ? resolved?.identity : undefined;
        if (verified !== undefined && verified.service !== 'execute-api') {
          return gatewayError(403, 'InvalidSignatureException', `Credential should be scoped to correct service: 'execute-api'.`);
        }
      } catch (error) {
        if (!(error instanceof AwsServiceError)) throw error;
        const type = error.code === 'SignatureDoesNotMatch' ? 'InvalidSignatureException' : error.code === 'InvalidClientTokenId' ? 'UnrecognizedClientException' : 'IncompleteSignatureException';
        return gatewayError(403, type, error.message);
      }
      const resource = this.executeApiArn(target.api.apiId, target.stage, method, target.path);
      try {
        this.options.authorize(caller, 'execute-api:Invoke', resource);
      } catch (error) {
        if (!(error instanceof AwsServiceError)) throw error;
        return gatewayError(403, 'AccessDeniedException', `User: ${caller?.arn ?? 'anonymous'} is not authorized to perform: execute-api:Invoke on resource: ${resource}`);
      }
    } else if (route.authorizationType !== 'NONE') {
      this.options.log?.(`api: authorization type ${route.authorizationType} is not emulated; allowing ${method} ${target.path}`);
    }

    if (route.integrationType === 'MOCK') {
      // CORS preflights and similar canned answers: an empty 200 is what a bare MOCK returns.
      return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.alloc(0) };
    }
    if (route.integrationType !== 'AWS_PROXY' || route.functionArn === undefined) {
      this.options.log?.(`api: integration ${route.integrationType} of ${method} ${route.resourcePath} is not emulated`);
      return gatewayError(500, 'InternalServerErrorException', 'Internal server error');
    }

    const event = this.buildEvent({ method, url, req, raw, route, pathParameters, caller, api: target.api, stage: target.stage, path: target.path });
    let result: InvokeResult;
    try {
      result = await this.options.invoke(route.functionArn, event);
    } catch (error) {
      this.options.log?.(`api: invoking ${route.functionArn} failed: ${error instanceof Error ? error.message : String(error)}`);
      return gatewayError(502, 'InternalServerErrorException', 'Internal server error');
    }
    if (result.functionError !== undefined) {
      this.options.log?.(`api: ${route.functionArn} failed: ${typeof result.payload === 'string' ? result.payload : JSON.stringify(result.payload)}`);
      return gatewayError(502, 'InternalServerErrorException', 'Internal server error');
    }
    return this.mapProxyResult(result.payload, event.requestContext.requestId);
  }

  buildEvent(input: {
    method: string;
    url: URL;
    req: IncomingMessage;
    raw: Buffer;
    route: RestApiRoute;
    pathParameters: Record<string, string>;
    caller: CallerIdentity | undefined;
    api: RestApiDefinition;
    stage: string;
    path: string;
  }): ProxyEvent {
    const { req, raw, caller } = input;
    const headerPairs: Array<[string, string]> = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headerPairs.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    // API Gateway tells the integration how the client connected; locally that is plain HTTP.
    if (req.headers['x-forwarded-proto'] === undefined) headerPairs.push(['X-Forwarded-Proto', 'http']);
    const headers = multi(headerPairs);
    const query = multi(input.url.searchParams.entries());
    const contentType = req.headers['content-type'] ?? '';
    const binary = raw.length > 0 && BINARY_TYPES.test(contentType);
    const now = new Date();
    const requestId = randomUUID();
    return {
      resource: input.route.resourcePath,
      path: input.path,
      httpMethod: input.method,
      headers: headers.single,
      multiValueHeaders: headers.multi,
      queryStringParameters: query.single,
      multiValueQueryStringParameters: query.multi,
      pathParameters: Object.keys(input.pathParameters).length === 0 ? null : input.pathParameters,
      stageVariables: null,
      requestContext: {
        accountId: this.options.accountId,
        apiId: input.api.apiId,
        stage: input.stage,
        requestId,
        extendedRequestId: requestId.replace(/-/g, '').slice(0, 16),
        requestTime: now.toUTCString(),
        requestTimeEpoch: now.getTime(),
        path: `/${input.stage}${input.path}`,
        protocol: `HTTP/${req.httpVersion}`,
        domainName: req.headers.host ?? '127.0.0.1',
        resourceId: input.route.resourcePath,
        resourcePath: input.route.resourcePath,
        httpMethod: input.method,
        identity: {
          accountId: caller?.accountId ?? null,
          caller: caller !== undefined ? callerId(caller) : null,
          user: caller !== undefined ? callerId(caller) : null,
          userArn: caller?.arn ?? null,
          accessKey: caller?.accessKeyId ?? null,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: req.headers['user-agent'] ?? null,
          cognitoIdentityPoolId: null,
          cognitoIdentityId: null,
          cognitoAuthenticationType: null,
          cognitoAuthenticationProvider: null,
          principalOrgId: null,
        },
      },
      body: raw.length === 0 ? null : binary ? raw.toString('base64') : raw.toString('utf8'),
      isBase64Encoded: binary,
    };
  }

  /** A proxy integration's answer must be {statusCode, headers?, multiValueHeaders?, body?, isBase64Encoded?}. */
  private mapProxyResult(payload: unknown, requestId: string): HttpAnswer {
    const value = typeof payload === 'string' ? safeParse(payload) : payload;
    if (value === null || typeof value !== 'object' || typeof (value as { statusCode?: unknown }).statusCode !== 'number') {
      this.options.log?.('api: malformed Lambda proxy response (no numeric statusCode)');
      return gatewayError(502, 'InternalServerErrorException', 'Internal server error');
    }
    const result = value as { statusCode: number; headers?: Record<string, unknown>; multiValueHeaders?: Record<string, unknown[]>; body?: unknown; isBase64Encoded?: boolean };
    const headers: Record<string, string | string[]> = { 'x-amzn-requestid': requestId };
    for (const [name, item] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(item);
    for (const [name, items] of Object.entries(result.multiValueHeaders ?? {})) headers[name.toLowerCase()] = items.map(String);
    headers['content-type'] ??= 'application/json';
    const body = result.body === undefined || result.body === null ? '' : typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
    return { status: result.statusCode, headers, body: result.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8') };
  }

  private send(res: ServerResponse, answer: HttpAnswer): void {
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
    res.end(answer.body);
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export async function startApiGateway(options: LocalApiGatewayOptions): Promise<LocalApiGateway> {
  return new LocalApiGateway(options).start();
}
