// GET /fleet/sweeps/latest: the summary of the latest fleet health sweep (counts per status and
// reason, duration), or 404 before the first sweep. Outside /workspaces/…, so IAM grants it apart
// from any workspace.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { errorResponse, json } from '../../shared/runtime/http.js';
import { fleet } from '../dependencies.js';
import { LATEST_SWEEP } from './paths.js';
import type { ApiRoute } from './route.js';

async function getLatestSweep(_event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const summary = await fleet.latestSweep();
  if (!summary) return errorResponse(404, 'NOT_FOUND', 'No fleet sweep has completed yet');
  return json(200, summary);
}

export const getLatestSweepRoute: ApiRoute = { method: 'GET', resource: LATEST_SWEEP, handle: getLatestSweep };
