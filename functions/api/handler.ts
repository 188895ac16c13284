// The providers API (API Gateway REST, Lambda proxy integration, IAM auth in front).
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { onboardingStarterFromEnv } from '../shared/runtime/onboarding-starter.js';
import { externalIdFingerprint } from '../shared/domain/external-id.js';
import { errorResponse, json } from '../shared/runtime/http.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { DNS_LABEL, parseProviderId } from '../shared/domain/provider.js';
import { parseProviderRequest } from '../shared/domain/provider-request.js';
import { toProviderView } from '../shared/domain/provider-view.js';
import { InvalidPageToken } from '../shared/adapters/registry.js';
import { startOnboarding } from '../shared/adapters/start-onboarding.js';

const starter = onboardingStarterFromEnv();
const { registry } = starter;

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;

function statusUrlOf(event: APIGatewayProxyEvent, providerId: string): string {
  const host = event.headers?.Host ?? event.headers?.host ?? event.requestContext?.domainName ?? 'localhost';
  const proto = event.headers?.['X-Forwarded-Proto'] ?? event.headers?.['x-forwarded-proto'] ?? 'https';
  const stage = event.requestContext?.stage ? `/${event.requestContext.stage}` : '';
  return `${proto}://${host}${stage}/providers/${encodeURIComponent(providerId)}`;
}

async function createProvider(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
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
    externalId: externalIdFingerprint(result.provider.externalId),
    ...(result.outcome === 'restarted' && result.endedExecution ? { endedExecution: result.endedExecution } : {}),
  });
  const statusUrl = statusUrlOf(event, result.provider.providerId);
  return json(
    202,
    { provider: toProviderView(result.provider), statusUrl, executionArn: result.provider.executionArn },
    { location: statusUrl },
  );
}

async function getProvider(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const providerId = decodeURIComponent(event.pathParameters?.providerId ?? '');
  if (!parseProviderId(providerId)) {
    return errorResponse(400, 'VALIDATION_FAILED', 'Invalid providerId', [
      { field: 'providerId', issue: 'must be <workspace>.<name>' },
    ]);
  }
  const record = await registry.get(providerId);
  if (!record) return errorResponse(404, 'NOT_FOUND', `Provider ${providerId} does not exist`);
  return json(200, toProviderView(record));
}

async function listProviders(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const query = event.queryStringParameters ?? {};
  const details = [];
  const workspace = query.workspace;
  if (!workspace || !DNS_LABEL.test(workspace)) {
    details.push({ field: 'workspace', issue: 'required; a workspace name (DNS label)' });
  }
  const limit = query.limit === undefined ? DEFAULT_PAGE_SIZE : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    details.push({ field: 'limit', issue: `an integer from 1 to ${MAX_PAGE_SIZE}` });
  }
  if (details.length > 0 || !workspace) {
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

async function route(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const handle = routes[`${event.httpMethod} ${event.resource}`];
  if (!handle) return errorResponse(404, 'NOT_FOUND', `No route for ${event.httpMethod} ${event.resource}`);
  try {
    return await handle(event);
  } catch (error) {
    // The caller gets a generic answer; the log has the details and the request id.
    logger.error('Request failed', { error });
    return errorResponse(500, 'INTERNAL', 'Internal error; retry the request, it is idempotent');
  }
}

export const handler = withMiddleware(route);
