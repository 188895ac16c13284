// POST /fleet/rollouts: rolls the CAPA policy this deployment ships out to the fleet. 202 with the
// rollout (and its URL in Location) when one starts, and the same 202 with the running one while a
// rollout of this version runs (idempotent); 200 with the latest rollout when it already completed
// this version on every provider (nothing to do). No body.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { startRollout } from '../../shared/adapters/start-rollout.js';
import { rolloutView } from '../../shared/domain/policy-rollout.js';
import { json } from '../../shared/runtime/http.js';
import { logger } from '../../shared/runtime/logger.js';
import { rollouts } from '../dependencies.js';
import { ROLLOUTS } from './paths.js';
import { apiUrlOf, type ApiRoute } from './route.js';

async function postRollout(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const started = await startRollout(rollouts.starter, { policyVersion: rollouts.policyVersion, trigger: 'api' });
  const { rolloutId } = started.rollout;
  logger.appendKeys({ rolloutId });
  logger.info('Rollout requested', { outcome: started.outcome, policyVersion: rollouts.policyVersion });
  const location = apiUrlOf(event, `/fleet/rollouts/${encodeURIComponent(rolloutId)}`);
  return json(started.outcome === 'current' ? 200 : 202, { ...rolloutView(started.rollout), statusUrl: location }, { location });
}

export const startRolloutRoute: ApiRoute = { method: 'POST', resource: ROLLOUTS, handle: postRollout };
