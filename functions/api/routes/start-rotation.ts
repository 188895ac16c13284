// POST /workspaces/{workspace}/providers/{name}/rotations: rotates a READY provider's External ID
// (the body's `externalId`, or a generated one) with no downtime; 202 with the rotation's id. A
// second rotation while one is open is 409.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { startRotation } from '../../shared/adapters/start-rotation.js';
import { providerIdOf } from '../../shared/domain/provider.js';
import { parseRotationBody } from '../../shared/domain/provider-request.js';
import { toProviderView } from '../../shared/domain/provider-view.js';
import { errorResponse, json } from '../../shared/runtime/http.js';
import { logger } from '../../shared/runtime/logger.js';
import { rotations } from '../dependencies.js';
import { ROTATIONS } from './paths.js';
import { jsonBody, pathLabels, providerUrlOf, type ApiRoute } from './route.js';

async function startRotationRoute(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const path = pathLabels(event, ['workspace', 'name']);
  if (!path.ok) return path.response;
  // No body at all asks for a generated ID.
  const body = event.body === null || event.body === '' ? ({ ok: true, value: {} } as const) : jsonBody(event);
  if (!body.ok) return body.response;
  const parsed = parseRotationBody(body.value);
  if (!parsed.ok) return errorResponse(400, 'VALIDATION_FAILED', 'The request has invalid fields', parsed.issues);
  const providerId = providerIdOf(path.value.workspace, path.value.name);
  logger.appendKeys({ providerId });
  const result = await startRotation(rotations, providerId, parsed.body.externalId);
  switch (result.outcome) {
    case 'not-found':
      return errorResponse(404, 'NOT_FOUND', `Provider ${providerId} does not exist`);
    case 'same-external-id':
      return errorResponse(400, 'VALIDATION_FAILED', 'The new External ID must differ from the current one', [
        { field: 'externalId', issue: 'is the current External ID' },
      ]);
    case 'rotation-open':
      return errorResponse(409, 'CONFLICT', `Provider ${providerId} already has an External ID rotation open (${result.provider.rotationId})`, [
        { field: 'rotationId', issue: `rotation ${result.provider.rotationId} is ${result.provider.rotationStatus}: complete it or wait for its grace period to end` },
      ]);
    case 'not-ready':
      return errorResponse(409, 'CONFLICT', `Provider ${providerId} is ${result.provider.status}: only a READY provider's External ID can be rotated`, [
        { field: 'status', issue: `is ${result.provider.status}, must be READY` },
      ]);
    case 'started': {
      logger.info('External ID rotation started', { rotationId: result.rotationId, externalIdSource: parsed.body.externalId ? 'supplied' : 'generated' });
      const statusUrl = providerUrlOf(event, path.value.workspace, path.value.name);
      return json(
        202,
        {
          rotationId: result.rotationId,
          externalId: result.externalId,
          executionArn: result.executionArn,
          completeUrl: `${statusUrl}/rotations/${result.rotationId}/complete`,
          statusUrl,
          provider: toProviderView(result.provider),
        },
        { location: statusUrl },
      );
    }
  }
}

export const startRotationApiRoute: ApiRoute = { method: 'POST', resource: ROTATIONS, handle: startRotationRoute };
