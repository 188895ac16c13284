// The providers API (API Gateway REST, Lambda proxy integration, IAM auth in front). API Gateway
// checks the signature, the route and the body of an application/json request; what reaches this
// function unchecked (other media types, query values, path ids, page tokens) is checked here, so
// a client's mistake is always a 4xx. AWS failures that outlast the request's time budget are a
// retryable 503; only the unexpected is a 500.
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { onboardingStarterFromEnv } from '../shared/runtime/onboarding-starter.js';
import { errorResponse, json } from '../shared/runtime/http.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { InvalidPageToken } from '../shared/domain/page-token.js';
import { DNS_LABEL, parseProviderId } from '../shared/domain/provider.js';
import { parseProviderRequest } from '../shared/domain/provider-request.js';
import { toCreateAnswerView, toProviderView } from '../shared/domain/provider-view.js';
import { isRetryableLater, runWithinDeadline } from '../shared/adapters/request-deadline.js';
import { REQUEST_BOUND_SDK_CLIENT_OPTIONS } from '../shared/adapters/sdk-options.js';
import { startOnboarding } from '../shared/adapters/start-onboarding.js';

const starter = onboardingStarterFromEnv(process.env, REQUEST_BOUND_SDK_CLIENT_OPTIONS);
const { registry } = starter;

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;
/** Kept back from Lambda's remaining time to build and return the answer after the last AWS call. */
const RESPONSE_RESERVE_MS = 500;
/** What a 503 asks the caller to wait before retrying: the SDK's own retries have already run. */
const RETRY_AFTER_SECONDS = '2';

function statusUrlOf(event: APIGatewayProxyEvent, providerId: string): string {
  const host = event.headers?.Host ?? event.headers?.host ?? event.requestContext?.domainName ?? 'localhost';
  const proto = event.headers?.['X-Forwarded-Proto'] ?? event.headers?.['x-forwarded-proto'] ?? 'https';
  const stage = event.requestContext?.stage ? `/${event.requestContext.stage}` : '';
  return `${proto}://${host}${stage}/providers/${encodeURIComponent(providerId)}`;
}

/**
 * API Gateway validates a body against the model of its declared media type only, so a body sent
 * as text/plain reaches the function unvalidated. Without a Content-Type, API Gateway takes the
 * body as application/json (and validates it), so that is accepted too.
 */
function declaresJson(event: APIGatewayProxyEvent): boolean {
  const contentType = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  return contentType === undefined || contentType.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

async function createProvider(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  if (!declaresJson(event)) {
    return errorResponse(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body must be sent as application/json', [
      { field: 'content-type', issue: 'must be application/json' },
    ]);
  }
  let body: unknown;
  try {
    body = JSON.parse(event.body ?? '');
  } catch {
    return errorResponse(400, 'INVALID_JSON', 'The request body must be a JSON object', [
      { field: 'body', issue: 'not valid JSON' },
    ]);
  }
  const parsed = parseProviderRequest(body);
  if (!parsed.ok) {
    logger.info('Rejected invalid provider request', { details: parsed.issues });
    return errorResponse(400, 'VALIDATION_FAILED', 'The request has invalid fields', parsed.issues);
  }
  const result = await startOnboarding(starter, parsed.request);
  logger.appendKeys({ providerId: result.provider.providerId, executionArn: result.provider.executionArn });
  if (result.outcome === 'conflict') {
    logger.info('Provider exists with a different spec', { details: result.differences });
    return errorResponse(
      409,
      'CONFLICT',
      `Provider ${result.provider.providerId} already exists with a different specification`,
      result.differences,
    );
  }
  logger.info('Provider request accepted', {
    outcome: result.outcome,
    status: result.provider.status,
    externalIdSource: result.provider.externalIdSource,
    ...(result.outcome === 'restarted' && result.endedExecution ? { endedExecution: result.endedExecution } : {}),
  });
  const statusUrl = statusUrlOf(event, result.provider.providerId);
  const provider = toCreateAnswerView(result.provider, {
    externalId: parsed.request.externalId,
    createdTheProvider: result.outcome === 'started',
  });
  return json(202, { provider, statusUrl, executionArn: result.provider.executionArn }, { location: statusUrl });
}

async function getProvider(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  // API Gateway hands over path parameters already decoded: decoding again would turn a valid
  // request for "%25" into a URIError.
  const providerId = event.pathParameters?.providerId ?? '';
  if (!parseProviderId(providerId)) {
    return errorResponse(400, 'VALIDATION_FAILED', 'Invalid providerId', [
      { field: 'providerId', issue: 'must be <workspace>.<name>' },
    ]);
  }
  const record = await registry.get(providerId);
  if (!record) return errorResponse(404, 'NOT_FOUND', `Provider ${providerId} does not exist`);
  return json(200, toProviderView(record));
}

/** The page size: digits only (no "1e1", "0x10" or " 5", which Number() would accept), 1 to MAX_PAGE_SIZE. */
function pageSizeOf(limit: string | undefined): number | undefined {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!/^\d+$/.test(limit)) return undefined;
  const size = Number(limit);
  return size >= 1 && size <= MAX_PAGE_SIZE ? size : undefined;
}

async function listProviders(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const query = event.queryStringParameters ?? {};
  const details = [];
  const workspace = query.workspace;
  if (!workspace || !DNS_LABEL.test(workspace)) {
    details.push({ field: 'workspace', issue: 'required; a workspace name (DNS label)' });
  }
  const limit = pageSizeOf(query.limit);
  if (limit === undefined) {
    details.push({ field: 'limit', issue: `an integer from 1 to ${MAX_PAGE_SIZE}, in digits` });
  }
  if (details.length > 0 || !workspace || limit === undefined) {
    return errorResponse(400, 'VALIDATION_FAILED', 'The query has invalid parameters', details);
  }
  try {
    const page = await registry.listByWorkspace(workspace, limit, query.nextToken);
    return json(200, { items: page.items.map(toProviderView), nextToken: page.nextToken ?? null });
  } catch (error) {
    if (error instanceof InvalidPageToken) {
      return errorResponse(400, 'VALIDATION_FAILED', error.message, [{ field: 'nextToken', issue: error.message }]);
    }
    throw error;
  }
}

const routes: Record<string, (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>> = {
  'POST /providers': createProvider,
  'GET /providers': listProviders,
  'GET /providers/{providerId}': getProvider,
};

async function route(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  const handle = routes[`${event.httpMethod} ${event.resource}`];
  if (!handle) return errorResponse(404, 'NOT_FOUND', `No route for ${event.httpMethod} ${event.resource}`);
  // AWS calls stop in time for an answer before Lambda's timeout, which API Gateway would turn into a 502.
  const deadline = Date.now() + context.getRemainingTimeInMillis() - RESPONSE_RESERVE_MS;
  try {
    return await runWithinDeadline(deadline, () => handle(event));
  } catch (error) {
    // The caller gets a generic answer; the log has the details and the request id.
    if (isRetryableLater(error)) {
      logger.warn('AWS throttled or failed beyond what this request could retry: answered 503', { error });
      return errorResponse(
        503,
        'SERVICE_UNAVAILABLE',
        'AWS is busy; retry the request after the Retry-After delay, it is idempotent',
        [],
        { 'retry-after': RETRY_AFTER_SECONDS },
      );
    }
    logger.error('Request failed', { error });
    return errorResponse(500, 'INTERNAL', 'Internal error; retry the request, it is idempotent');
  }
}

export const handler = withMiddleware(route);
