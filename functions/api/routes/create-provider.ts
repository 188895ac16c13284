// POST /workspaces/{workspace}/providers: registers a provider and starts its onboarding (202),
// idempotently; the same identity with another spec is 409.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { startOnboarding } from '../../shared/adapters/start-onboarding.js';
import { parseProviderBody } from '../../shared/domain/provider-request.js';
import { toCreateAnswerView } from '../../shared/domain/provider-view.js';
import { errorResponse, json } from '../../shared/runtime/http.js';
import { logger } from '../../shared/runtime/logger.js';
import { starter } from '../dependencies.js';
import { PROVIDERS } from './paths.js';
import { jsonBody, pathLabels, providerUrlOf, type ApiRoute } from './route.js';

/** The removal takes a few IAM calls in the target account: seconds. */
const LEFTOVER_REMOVAL_RETRY_AFTER_SECONDS = 5;

async function createProvider(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const path = pathLabels(event, ['workspace']);
  if (!path.ok) return path.response;
  const body = jsonBody(event);
  if (!body.ok) return body.response;
  const parsed = parseProviderBody(body.value);
  if (!parsed.ok) {
    logger.info('Rejected invalid provider request', { details: parsed.issues });
    return errorResponse(400, 'VALIDATION_FAILED', 'The request has invalid fields', parsed.issues);
  }
  const request = { ...parsed.body, workspace: path.value.workspace };
  const result = await startOnboarding(starter, request);
  logger.appendKeys({ providerId: result.provider.providerId, executionArn: result.provider.executionArn });
  if (result.outcome === 'conflict') {
    logger.info('Provider exists with a different spec', { details: result.differences });
    return errorResponse(
      409,
      'CONFLICT',
      `Provider ${result.provider.providerId} already exists with a different specification`,
      result.differences,
    );
  }
  if (result.outcome === 'deleting') {
    logger.info('Provider is being offboarded: not onboarded again now');
    return errorResponse(
      409,
      'CONFLICT',
      `Provider ${result.provider.providerId} is being deleted (execution ${result.provider.executionArn}); send the request again once it is DELETED`,
    );
  }
  if (result.outcome === 'removing-leftovers') {
    logger.info('Provider is FAILED and its ended execution\'s leftovers are being removed: not restarted now', {
      leftoversPendingSince: result.provider.leftoversPendingSince,
    });
    return errorResponse(
      409,
      'CONFLICT',
      `Provider ${result.provider.providerId} is FAILED and what its execution (${result.provider.executionArn}) created is still being removed; send the request again in a few seconds`,
      [],
      { 'retry-after': String(LEFTOVER_REMOVAL_RETRY_AFTER_SECONDS) },
    );
  }
  logger.info('Provider request accepted', {
    outcome: result.outcome,
    status: result.provider.status,
    externalIdSource: result.provider.externalIdSource,
    ...(result.outcome === 'restarted' && result.endedExecution ? { endedExecution: result.endedExecution } : {}),
  });
  const statusUrl = providerUrlOf(event, request.workspace, request.name);
  const provider = toCreateAnswerView(result.provider, {
    externalId: request.externalId,
    createdTheProvider: result.outcome === 'started',
  });
  return json(202, { provider, statusUrl, executionArn: result.provider.executionArn }, { location: statusUrl });
}

export const createProviderRoute: ApiRoute = { method: 'POST', resource: PROVIDERS, handle: createProvider };
