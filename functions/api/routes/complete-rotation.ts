// POST /workspaces/{workspace}/providers/{name}/rotations/{rotationId}/complete: the caller's
// clusters use the new External ID, so the previous one is removed now rather than at the end of
// the grace period. 202 while it is removed (repeatable); 200 with `lastRotation` once closed.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { completeRotation } from '../../shared/adapters/start-rotation.js';
import { providerIdOf } from '../../shared/domain/provider.js';
import { toProviderView } from '../../shared/domain/provider-view.js';
import { ROTATION_ID } from '../../shared/domain/rotation.js';
import { errorResponse, json } from '../../shared/runtime/http.js';
import { logger } from '../../shared/runtime/logger.js';
import { rotations } from '../dependencies.js';
import { ROTATION_COMPLETION } from './paths.js';
import { pathLabels, type ApiRoute } from './route.js';

async function completeRotationRoute(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const path = pathLabels(event, ['workspace', 'name']);
  if (!path.ok) return path.response;
  const rotationId = event.pathParameters?.rotationId ?? '';
  if (!ROTATION_ID.test(rotationId)) {
    return errorResponse(400, 'VALIDATION_FAILED', 'The path has invalid parameters', [{ field: 'rotationId', issue: 'rotationId must be 16 lower-case hexadecimal digits' }]);
  }
  const providerId = providerIdOf(path.value.workspace, path.value.name);
  logger.appendKeys({ providerId, rotationId });
  const result = await completeRotation(rotations, providerId, rotationId);
  switch (result.outcome) {
    case 'not-found':
      return errorResponse(404, 'NOT_FOUND', `Provider ${providerId} has no rotation ${rotationId}`);
    case 'not-in-grace':
      return errorResponse(409, 'CONFLICT', `Rotation ${rotationId} is still making the trust accept both External IDs; retry in a few seconds`, [
        { field: 'rotationId', issue: `is ${result.provider.rotationStatus}, must be GRACE` },
      ]);
    case 'ended':
      return json(200, { rotationId, status: 'ENDED', lastRotation: result.provider.lastRotation, provider: toProviderView(result.provider) });
    case 'completing':
      logger.info('Rotation confirmed: the previous External ID is being removed');
      return json(202, { rotationId, status: 'REMOVING_PREVIOUS', provider: toProviderView(result.provider) });
  }
}

export const completeRotationApiRoute: ApiRoute = { method: 'POST', resource: ROTATION_COMPLETION, handle: completeRotationRoute };
