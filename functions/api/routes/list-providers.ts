// GET /workspaces/{workspace}/providers?limit=&nextToken=&status=&includeDeleted=: one page of a
// workspace's providers in name order. Every query value is checked here (API Gateway only checks
// presence), so a malformed one is a 400 naming it, before anything is read.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { InvalidPageToken } from '../../shared/domain/page-token.js';
import { statusFilterOf } from '../../shared/domain/provider-filter.js';
import type { FieldIssue } from '../../shared/domain/provider-request.js';
import { toProviderView } from '../../shared/domain/provider-view.js';
import { errorResponse, json } from '../../shared/runtime/http.js';
import { registry } from '../dependencies.js';
import { PROVIDERS } from './paths.js';
import { pathLabels, type ApiRoute } from './route.js';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;

/** The page size: digits only (no "1e1", "0x10" or " 5", which Number() would accept), 1 to MAX_PAGE_SIZE. */
function pageSizeOf(limit: string | undefined): number | undefined {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!/^\d+$/.test(limit)) return undefined;
  const size = Number(limit);
  return size >= 1 && size <= MAX_PAGE_SIZE ? size : undefined;
}

async function listProviders(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const path = pathLabels(event, ['workspace']);
  if (!path.ok) return path.response;
  const { workspace } = path.value;
  const query = event.queryStringParameters ?? {};
  const details: FieldIssue[] = [];
  const limit = pageSizeOf(query.limit);
  if (limit === undefined) details.push({ field: 'limit', issue: `an integer from 1 to ${MAX_PAGE_SIZE}, in digits` });
  const filter = statusFilterOf(query);
  if (!filter.ok) details.push(...filter.issues);
  if (limit === undefined || !filter.ok) return errorResponse(400, 'VALIDATION_FAILED', 'The query has invalid parameters', details);
  try {
    const page = await registry.listByWorkspace(workspace, limit, query.nextToken, filter.filter);
    return json(200, { items: page.items.map(toProviderView), nextToken: page.nextToken ?? null });
  } catch (error) {
    if (error instanceof InvalidPageToken) {
      return errorResponse(400, 'VALIDATION_FAILED', error.message, [{ field: 'nextToken', issue: error.message }]);
    }
    throw error;
  }
}

export const listProvidersRoute: ApiRoute = { method: 'GET', resource: PROVIDERS, handle: listProviders };
