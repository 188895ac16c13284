// GET /fleet/rollouts/latest: the latest policy rollout (running or ended), or 404 before the first.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { rolloutView } from '../../shared/domain/policy-rollout.js';
import { errorResponse, json } from '../../shared/runtime/http.js';
import { rollouts } from '../dependencies.js';
import { LATEST_ROLLOUT } from './paths.js';
import type { ApiRoute } from './route.js';

async function getLatestRollout(_event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const latest = await rollouts.starter.rollouts.latest();
  const record = latest !== undefined ? await rollouts.starter.rollouts.get(latest.rolloutId) : undefined;
  if (!record) return errorResponse(404, 'NOT_FOUND', 'No policy rollout has started yet');
  return json(200, rolloutView(record));
}

export const getLatestRolloutRoute: ApiRoute = { method: 'GET', resource: LATEST_ROLLOUT, handle: getLatestRollout };
