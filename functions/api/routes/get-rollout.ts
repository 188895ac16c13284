// GET /fleet/rollouts/{rolloutId}: a policy rollout's record (status, counts so far, tolerance,
// the first failures), readable while it runs; 404 for an id no rollout has.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { rolloutView } from '../../shared/domain/policy-rollout.js';
import { errorResponse, json } from '../../shared/runtime/http.js';
import { rollouts } from '../dependencies.js';
import { ROLLOUT } from './paths.js';
import type { ApiRoute } from './route.js';

/** What rolloutIdOf produces; anything else cannot name a rollout (and never reaches the table). */
const ROLLOUT_ID = /^rollout-[0-9A-Za-z]{1,8}-\d{8}T\d{9}Z$/;

async function getRollout(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const rolloutId = event.pathParameters?.rolloutId ?? '';
  const record = ROLLOUT_ID.test(rolloutId) ? await rollouts.starter.rollouts.get(rolloutId) : undefined;
  if (!record) return errorResponse(404, 'NOT_FOUND', `No rollout ${rolloutId}`);
  return json(200, rolloutView(record));
}

export const getRolloutRoute: ApiRoute = { method: 'GET', resource: ROLLOUT, handle: getRollout };
