// The local cloud's single AWS endpoint: one HTTP server on loopback that recognises each wire
// protocol (awsJson X-Amz-Target, Lambda's REST paths, the IAM/STS query protocol), verifies the
// SigV4 signature, resolves the caller, injects faults, and hands an AwsRequest to the service.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { FaultInjector } from './faults.js';
import { asAwsError, authenticationError, jsonError, queryError } from './protocol.js';
import type { RequestCounter } from './request-counter.js';
import { parseAuthorization, verifySignature } from './sigv4.js';
import { AwsServiceError, type AwsRequest, type AwsResponse, type CallerIdentity, type ServiceName } from './types.js';

export type ServiceFunction = (request: AwsRequest) => Promise<AwsResponse>;

/** What the server knows about an access key: its secret (to check signatures) and who it is. */
export interface ResolvedCredentials {
  secretAccessKey: string;
  identity: CallerIdentity;
}

export interface LocalServerOptions {
  host?: string;
  /** 0 picks a free port. Default 4566. */
  port?: number;
  region?: string;
  handlers: Partial<Record<ServiceName, ServiceFunction>>;
  /** Looks an access key up; undefined means unknown (403 InvalidClientTokenId). */
  credentials: (accessKeyId: string) => ResolvedCredentials | undefined;
  /** The endpoint's clock (epoch ms), which signing times are checked against. Default Date.now. */
  now?: () => number;
  faults?: FaultInjector;
  /** Request log sink; defaults to stderr when LOCAL_LOG=debug, silent otherwise. */
  log?: (line: string) => void;
  /**
   * Unsigned PUTs below `prefix`, as to an S3 pre-signed URL (a custom resource's ResponseURL):
   * answered with the status `put` gives, outside every service's routes and signature checks.
   */
  presignedPut?: { prefix: string; put(path: string, body: string): { status: number; message?: string } };
  /** Counts every request routed to a service (benchmarks read it). */
  requests?: RequestCounter;
}

export interface LocalServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

/** A request matched to a service and operation, before authentication. */
export interface RoutedRequest {
  service: ServiceName;
  action: string;
  params: Record<string, unknown>;
}

const TARGET_PREFIXES: Array<[string, ServiceName]> = [
  ['AWSEvents.', 'events'],
  ['AWSStepFunctions.', 'states'],
  ['DynamoDB_20120810.', 'dynamodb'],
  ['AWSOrganizationsV20161128.', 'organizations'],
  ['AmazonSQS.', 'sqs'],
];

const QUERY_SERVICES = new Set<ServiceName>(['iam', 'sts']);
const STS_ACTIONS = new Set([
  'AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity', 'GetCallerIdentity', 'GetSessionToken',
  'GetFederationToken', 'DecodeAuthorizationMessage', 'GetAccessKeyInfo', 'AssumeRoot',
]);
const LAMBDA_PATH = /^\/\d{4}-\d{2}-\d{2}\/functions(?:\/([^/]+))?(\/[^?]*)?$/;

function parseJsonBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    throw new AwsServiceError('SerializationException', 'Request body is not valid JSON', 400);
  }
}

function lambdaRoute(method: string, path: string, query: URLSearchParams, body: string, headers: Record<string, string>): RoutedRequest | undefined {
  const match = LAMBDA_PATH.exec(path);
  if (match === null) return undefined;
  const name = match[1] !== undefined ? decodeURIComponent(match[1]) : undefined;
  const rest = match[2] ?? '';
  const qualifier = query.get('Qualifier') ?? undefined;
  const withQualifier = (params: Record<string, unknown>) => (qualifier !== undefined ? { ...params, Qualifier: qualifier } : params);
  if (name === undefined) {
    return method === 'GET' ? { service: 'lambda', action: 'ListFunctions', params: {} } : { service: 'lambda', action: 'CreateFunction', params: parseJsonBody(body) };
  }
  if (rest === '/invocations' && method === 'POST') {
    return {
      service: 'lambda',
      action: 'Invoke',
      params: withQualifier({
        FunctionName: name,
        Payload: body,
        InvocationType: headers['x-amz-invocation-type'] ?? 'RequestResponse',
        LogType: headers['x-amz-log-type'] ?? 'None',
        ...(headers['x-amz-client-context'] !== undefined ? { ClientContext: headers['x-amz-client-context'] } : {}),
      }),
    };
  }
  if (rest === '/event-invoke-config' && (method === 'GET' || method === 'PUT')) {
    const action = method === 'GET' ? 'GetFunctionEventInvokeConfig' : 'PutFunctionEventInvokeConfig';
    return { service: 'lambda', action, params: withQualifier({ ...(method === 'PUT' ? parseJsonBody(body) : {}), FunctionName: name }) };
  }
  if (rest === '/configuration' && method === 'GET') {
    return { service: 'lambda', action: 'GetFunctionConfiguration', params: withQualifier({ FunctionName: name }) };
  }
  if ((rest === '' || rest === '/') && method === 'GET') {
    return { service: 'lambda', action: 'GetFunction', params: withQualifier({ FunctionName: name }) };
  }
  return { service: 'lambda', action: `${method} ${rest || '/'}`, params: { FunctionName: name } };
}

/**
 * Matches a request to a service by protocol. The query protocol names its service only in the
 * SigV4 credential scope, so `signingService` (from the Authorization header) decides iam vs sts.
 */
export function routeRequest(input: {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
  signingService?: string;
}): RoutedRequest | undefined {
  const target = input.headers['x-amz-target'];
  if (target !== undefined) {
    for (const [prefix, service] of TARGET_PREFIXES) {
      if (target.startsWith(prefix)) return { service, action: target.slice(prefix.length), params: parseJsonBody(input.body) };
    }
    return undefined;
  }
  const lambda = lambdaRoute(input.method, input.path, input.query, input.body, input.headers);
  if (lambda !== undefined) return lambda;

  const contentType = (input.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const form =
    input.method === 'POST' && contentType === 'application/x-www-form-urlencoded'
      ? new URLSearchParams(input.body)
      : input.method === 'GET' && input.query.has('Action')
        ? input.query
        : undefined;
  if (form === undefined || !form.has('Action')) return undefined;
  const action = form.get('Action') ?? '';
  const signing = input.signingService as ServiceName | undefined;
  // SQS answers only its JSON protocol here; its older query protocol is not emulated.
  if (signing === 'sqs') return undefined;
  const service: ServiceName =
    signing !== undefined && QUERY_SERVICES.has(signing) ? signing : STS_ACTIONS.has(action) ? 'sts' : 'iam';
  const params: Record<string, unknown> = {};
  for (const [key, value] of form) params[key] = value;
  return { service, action, params };
}

/** Encodes an error the way the service's protocol does. */
export function errorResponse(service: ServiceName | undefined, error: AwsServiceError): AwsResponse {
  if (service !== undefined && QUERY_SERVICES.has(service)) return queryError(service, error);
  return jsonError(error);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function send(res: ServerResponse, response: AwsResponse): void {
  const body = Buffer.from(response.body, 'utf8');
  res.writeHead(response.status, { ...response.headers, 'content-length': String(body.length) });
  res.end(body);
}

/** One HTTP request as the endpoint reads it, before routing. */
interface IncomingCall {
  method: string;
  url: URL;
  /** The request target as sent (the signature covers it). */
  target: string;
  headers: Record<string, string>;
  nodeHeaders: IncomingMessage['headers'];
  raw: Buffer;
  rawBody: string;
}

async function readCall(req: IncomingMessage): Promise<IncomingCall> {
  const raw = await readBody(req);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    url: new URL(req.url ?? '/', 'http://local'),
    target: req.url ?? '/',
    headers: flatHeaders(req),
    nodeHeaders: req.headers,
    raw,
    rawBody: raw.toString('utf8'),
  };
}

function healthResponse(options: LocalServerOptions): AwsResponse {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'ok', services: Object.keys(options.handlers) }) };
}

function unknownRouteResponse(call: IncomingCall): AwsResponse {
  const target = call.headers['x-amz-target'];
  return {
    status: 400,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      __type: 'UnknownOperationException',
      message: `The local cloud has no service for ${call.method} ${call.url.pathname}${target ? ` (X-Amz-Target: ${target})` : ''}. Supported: X-Amz-Target AWSEvents.*, AWSStepFunctions.*, DynamoDB_20120810.*, AWSOrganizationsV20161128.*, AmazonSQS.* (SQS's JSON protocol; not its older query protocol); Lambda /2015-03-31/functions/...; IAM/STS query protocol.`,
    }),
  };
}

/** The service named in the SigV4 credential scope, when the Authorization header parses. */
function signingServiceOf(headers: Record<string, string>): string | undefined {
  try {
    return parseAuthorization(headers.authorization)?.service;
  } catch {
    return undefined; // a malformed header is reported by verifySignature
  }
}

/**
 * Who signed the call (undefined when unsigned), checked as the routed service checks it: its
 * region and signing name in the credential scope, AWS's 15 minutes of clock skew, the secret.
 */
function authenticate(call: IncomingCall, routed: RoutedRequest, options: LocalServerOptions, region: string): CallerIdentity | undefined {
  let resolved: ResolvedCredentials | undefined;
  try {
    const verified = verifySignature(
      { method: call.method, url: call.target, headers: call.nodeHeaders, body: call.raw },
      (akid) => {
        resolved = options.credentials(akid);
        return resolved?.secretAccessKey;
      },
      { region, service: routed.service, now: (options.now ?? Date.now)(), payloadHash: 'declared' },
    );
    return verified !== undefined ? resolved?.identity : undefined;
  } catch (error) {
    throw error instanceof AwsServiceError ? authenticationError(routed.service, error) : error;
  }
}

/** Authenticates a routed call, applies injected faults and hands it to its service. */
async function invokeService(
  call: IncomingCall,
  routed: RoutedRequest,
  options: LocalServerOptions,
  context: { region: string; faults: FaultInjector; onCaller: (caller: CallerIdentity) => void },
): Promise<AwsResponse> {
  const handler = options.handlers[routed.service];
  if (handler === undefined) throw new AwsServiceError('UnknownOperationException', `The local cloud does not run ${routed.service}`, 400);
  const caller = authenticate(call, routed, options, context.region);
  if (caller !== undefined) context.onCaller(caller);
  const fault = await context.faults.apply(routed.service, routed.action);
  if (fault !== undefined) throw fault;
  return handler({
    service: routed.service,
    action: routed.action,
    params: routed.params,
    region: context.region,
    rawBody: call.rawBody,
    path: call.url.pathname,
    headers: call.headers,
    ...(caller !== undefined ? { caller } : {}),
  });
}

function listen(server: Server, port: number, host: string): Promise<LocalServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${address.port}`,
        port: address.port,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

export function startServer(options: LocalServerOptions): Promise<LocalServer> {
  const region = options.region ?? 'us-east-1';
  const faults = options.faults ?? new FaultInjector();
  const log =
    options.log ?? (process.env.LOCAL_LOG === 'debug' ? (line: string) => process.stderr.write(`[local] ${line}\n`) : undefined);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const call = await readCall(req);
    if (call.method === 'GET' && call.url.pathname === '/_local/health') {
      send(res, healthResponse(options));
      return;
    }
    if (call.method === 'PUT' && options.presignedPut !== undefined && call.url.pathname.startsWith(options.presignedPut.prefix)) {
      const outcome = options.presignedPut.put(call.url.pathname, call.rawBody);
      send(res, { status: outcome.status, headers: { 'content-type': 'application/xml' }, body: outcome.message !== undefined ? `<Error><Message>${outcome.message}</Message></Error>` : '' });
      log?.(`PUT ${call.url.pathname} ${outcome.status}`);
      return;
    }
    let routed: RoutedRequest | undefined;
    let callerArn = '-';
    let response: AwsResponse;
    try {
      const signingService = signingServiceOf(call.headers);
      routed = routeRequest({ method: call.method, path: call.url.pathname, query: call.url.searchParams, headers: call.headers, body: call.rawBody, ...(signingService !== undefined ? { signingService } : {}) });
      if (routed !== undefined) options.requests?.record(routed.service);
      response =
        routed === undefined
          ? unknownRouteResponse(call)
          : await invokeService(call, routed, options, { region, faults, onCaller: (caller) => (callerArn = caller.arn) });
    } catch (error) {
      response = errorResponse(routed?.service, asAwsError(error));
    }
    send(res, response);
    log?.(`${routed ? `${routed.service}.${routed.action}` : `${call.method} ${call.url.pathname}`} ${response.status} ${(performance.now() - started).toFixed(1)}ms ${callerArn}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Only reachable if writing the response itself failed; the connection is already gone.
      log?.(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) send(res, jsonError(asAwsError(error)));
    });
  });
  // SDK clients keep connections alive; do not let an idle socket hold the process open on close.
  server.keepAliveTimeout = 5_000;
  return listen(server, options.port ?? 4566, options.host ?? '127.0.0.1');
}
