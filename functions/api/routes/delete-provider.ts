// DELETE /workspaces/{workspace}/providers/{name}[?force=true]: offboards the provider (202) through
// the offboarding workflow, idempotently: a repeated DELETE answers the same execution. While an
// onboarding of the provider runs, the DELETE is refused (409) rather than racing it.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { startOffboarding } from '../../shared/adapters/start-offboarding.js';
import { toProviderView } from '../../shared/domain/provider-view.js';
import { errorResponse, json } from '../../shared/runtime/http.js';
import { logger } from '../../shared/runtime/logger.js';
import { offboarder } from '../dependencies.js';
import { PROVIDER } from './paths.js';
import { pathLabels, providerUrlOf, type ApiRoute } from './route.js';

async function deleteProvider(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const path = pathLabels(event, ['workspace', 'name']);
  if (!path.ok) return path.response;
  const force = event.queryStringParameters?.force ?? 'false';
  if (force !== 'true' && force !== 'false') {
    return errorResponse(400, 'VALIDATION_FAILED', 'The query has invalid parameters', [{ field: 'force', issue: 'true or false' }]);
  }
  const { workspace, name } = path.value;
  const result = await startOffboarding(offboarder, { workspace, name, force: force === 'true' });
  if (result.outcome === 'not-found') return errorResponse(404, 'NOT_FOUND', `Provider ${workspace}.${name} does not exist`);
  const { provider } = result;
  logger.appendKeys({ providerId: provider.providerId, executionArn: provider.executionArn });
  if (result.outcome === 'busy') {
    logger.info('Offboarding refused: another execution owns the provider', { status: provider.status, rotationId: provider.rotationId });
    if (provider.rotationId !== undefined) {
      return errorResponse(
        409,
        'CONFLICT',
        `Provider ${provider.providerId} has an External ID rotation open (${provider.rotationId}, execution ${provider.rotationExecutionArn}); complete it (POST …/rotations/${provider.rotationId}/complete) or wait for its grace period to end, then send the DELETE again`,
      );
    }
    return errorResponse(
      409,
      'CONFLICT',
      `Provider ${provider.providerId} is ${provider.status}: its onboarding (execution ${provider.executionArn}) is still running; send the DELETE again once it is READY or FAILED`,
    );
  }
  logger.info('Offboarding accepted', { outcome: result.outcome, status: provider.status, force: provider.offboarding?.force ?? false });
  const statusUrl = providerUrlOf(event, workspace, name);
  return json(202, { provider: toProviderView(provider), statusUrl, executionArn: provider.executionArn }, { location: statusUrl });
}

export const deleteProviderRoute: ApiRoute = { method: 'DELETE', resource: PROVIDER, handle: deleteProvider };
