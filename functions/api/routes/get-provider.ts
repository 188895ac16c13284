// GET /workspaces/{workspace}/providers/{name}: one provider, with its External ID (404 if unknown).
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { providerIdOf } from '../../shared/domain/provider.js';
import { toProviderView } from '../../shared/domain/provider-view.js';
import { errorResponse, json } from '../../shared/runtime/http.js';
import { registry } from '../dependencies.js';
import { PROVIDER } from './paths.js';
import { pathLabels, type ApiRoute } from './route.js';

async function getProvider(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const path = pathLabels(event, ['workspace', 'name']);
  if (!path.ok) return path.response;
  const providerId = providerIdOf(path.value.workspace, path.value.name);
  const record = await registry.get(providerId);
  if (!record) return errorResponse(404, 'NOT_FOUND', `Provider ${providerId} does not exist`);
  return json(200, toProviderView(record));
}

export const getProviderRoute: ApiRoute = { method: 'GET', resource: PROVIDER, handle: getProvider };
