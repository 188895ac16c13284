// GET /workspaces/{workspace}/providers/{name}/cluster-identity: the CAPA AWSClusterRoleIdentity
// of a READY provider, as YAML for `Accept: application/yaml`, JSON otherwise. Any other status
// is 409: the role may not exist yet, or no longer.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { clusterIdentityOf, toYaml } from '../../shared/domain/cluster-identity.js';
import { providerIdOf } from '../../shared/domain/provider.js';
import { errorResponse, json } from '../../shared/runtime/http.js';
import { clusterIdentitySettings, registry } from '../dependencies.js';
import { CLUSTER_IDENTITY } from './paths.js';
import { headerOf, pathLabels, prefersYaml, type ApiRoute } from './route.js';

async function getClusterIdentity(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const path = pathLabels(event, ['workspace', 'name']);
  if (!path.ok) return path.response;
  const providerId = providerIdOf(path.value.workspace, path.value.name);
  const record = await registry.get(providerId);
  if (!record) return errorResponse(404, 'NOT_FOUND', `Provider ${providerId} does not exist`);
  if (record.status !== 'READY') {
    return errorResponse(409, 'CONFLICT', `Provider ${providerId} is ${record.status}: its cluster identity is available only while it is READY`, [
      { field: 'status', issue: `is ${record.status}, must be READY` },
    ]);
  }
  const identity = clusterIdentityOf(record, clusterIdentitySettings);
  if (!prefersYaml(headerOf(event, 'accept'))) return json(200, identity, { vary: 'Accept' });
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/yaml', 'cache-control': 'no-store', vary: 'Accept' },
    body: toYaml(identity),
  };
}

export const getClusterIdentityRoute: ApiRoute = { method: 'GET', resource: CLUSTER_IDENTITY, handle: getClusterIdentity };
