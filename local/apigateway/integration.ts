// The integration step of the local API Gateway: MOCK answers, and the Lambda proxy integration
// (REST API payload format 1.0): the HTTP request becomes the proxy event, the function's answer
// becomes the HTTP response, and a failed or malformed answer becomes API Gateway's 502.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AwsServiceError, type CallerIdentity } from '../core/types.js';
import { internalServerError, requestTooLong, type HttpAnswer } from './http.js';
import type { RestApiDefinition, RestApiRoute } from './routes.js';

export interface InvokeResult {
  /** The function's return value (parsed JSON, or the raw string when it is not JSON). */
  payload: unknown;
  /** Set when the function failed (Unhandled / Handled), as Lambda's X-Amz-Function-Error. */
  functionError?: string;
}

export type Invoke = (functionArn: string, event: ProxyEvent) => Promise<InvokeResult>;

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

/** An authorized request for one route of one API and stage. */
export interface RouteRequest {
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
}

export interface IntegrationContext {
  accountId: string;
  invoke: Invoke;
  log?: (line: string) => void;
}

const BINARY_TYPES = /^(application\/octet-stream|application\/zip|application\/pdf|image\/|audio\/|video\/)/;

/** Runs the route's integration and answers the way API Gateway does. */
export async function runIntegration(request: RouteRequest, context: IntegrationContext): Promise<HttpAnswer> {
  const { route, method } = request;
  if (route.integrationType === 'MOCK') {
    // CORS preflights and similar canned answers: an empty 200 is what a bare MOCK returns.
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.alloc(0) };
  }
  if (route.integrationType !== 'AWS_PROXY' || route.functionArn === undefined) {
    context.log?.(`api: integration ${route.integrationType} of ${method} ${route.resourcePath} is not emulated`);
    return internalServerError(500);
  }
  const event = buildProxyEvent(request, context.accountId);
  let result: InvokeResult;
  try {
    result = await context.invoke(route.functionArn, event);
  } catch (error) {
    // An event over Lambda's 6 MB invocation payload is the client's doing: API Gateway answers 413.
    if (error instanceof AwsServiceError && error.code === 'RequestTooLargeException') return requestTooLong();
    context.log?.(`api: invoking ${route.functionArn} failed: ${error instanceof Error ? error.message : String(error)}`);
    return internalServerError(502);
  }
  if (result.functionError !== undefined) {
    context.log?.(`api: ${route.functionArn} failed: ${typeof result.payload === 'string' ? result.payload : JSON.stringify(result.payload)}`);
    return internalServerError(502);
  }
  return proxyAnswer(result.payload, event.requestContext.requestId, context.log);
}

export function buildProxyEvent(request: RouteRequest, accountId: string): ProxyEvent {
  const { req, raw, route } = request;
  const headerPairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headerPairs.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
  // API Gateway tells the integration how the client connected; locally that is plain HTTP.
  if (req.headers['x-forwarded-proto'] === undefined) headerPairs.push(['X-Forwarded-Proto', 'http']);
  const headers = multi(headerPairs);
  const query = multi(request.url.searchParams.entries());
  const binary = raw.length > 0 && BINARY_TYPES.test(req.headers['content-type'] ?? '');
  return {
    resource: route.resourcePath,
    path: request.path,
    httpMethod: request.method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    pathParameters: Object.keys(request.pathParameters).length === 0 ? null : request.pathParameters,
    stageVariables: null,
    requestContext: requestContext(request, accountId),
    body: raw.length === 0 ? null : binary ? raw.toString('base64') : raw.toString('utf8'),
    isBase64Encoded: binary,
  };
}

function requestContext(request: RouteRequest, accountId: string): ProxyEvent['requestContext'] {
  const { req, caller, route } = request;
  const now = new Date();
  const requestId = randomUUID();
  return {
    accountId,
    apiId: request.api.apiId,
    stage: request.stage,
    requestId,
    extendedRequestId: requestId.replace(/-/g, '').slice(0, 16),
    requestTime: now.toUTCString(),
    requestTimeEpoch: now.getTime(),
    path: `/${request.stage}${request.path}`,
    protocol: `HTTP/${req.httpVersion}`,
    domainName: req.headers.host ?? '127.0.0.1',
    resourceId: route.resourcePath,
    resourcePath: route.resourcePath,
    httpMethod: request.method,
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
  };
}

/** A proxy integration's answer must be {statusCode, headers?, multiValueHeaders?, body?, isBase64Encoded?}. */
function proxyAnswer(payload: unknown, requestId: string, log: ((line: string) => void) | undefined): HttpAnswer {
  const value = typeof payload === 'string' ? safeParse(payload) : payload;
  if (value === null || typeof value !== 'object' || typeof (value as { statusCode?: unknown }).statusCode !== 'number') {
    log?.('api: malformed Lambda proxy response (no numeric statusCode)');
    return internalServerError(502);
  }
  const result = value as { statusCode: number; headers?: Record<string, unknown>; multiValueHeaders?: Record<string, unknown[]>; body?: unknown; isBase64Encoded?: boolean };
  const headers: Record<string, string | string[]> = { 'x-amzn-requestid': requestId };
  for (const [name, item] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(item);
  for (const [name, items] of Object.entries(result.multiValueHeaders ?? {})) headers[name.toLowerCase()] = items.map(String);
  headers['content-type'] ??= 'application/json';
  const body = result.body === undefined || result.body === null ? '' : typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
  return { status: result.statusCode, headers, body: result.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8') };
}

/** API Gateway's `caller` field: the account for root, the user id (AIDA...) for a user, `ROLEID:session` style for assumed roles. */
function callerId(caller: CallerIdentity): string {
  if (caller.principalType === 'account-root') return caller.accountId;
  if (caller.principalType === 'user') return caller.userId ?? caller.accountId;
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

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
