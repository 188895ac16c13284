// POST /workspaces/{workspace}/providers/{name}/verifications: starts a re-verification of a READY
// or DEGRADED provider (202 with its execution); the result lands on the provider (GET it:
// lastVerifiedAt, checks, and READY or DEGRADED with a reason). Any other status is 409.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { startVerification } from '../../shared/adapters/start-verification.js';
import { isVerifiable, VERIFIABLE_STATUSES } from '../../shared/domain/drift.js';
import { providerIdOf } from '../../shared/domain/provider.js';
import { errorResponse, json } from '../../shared/runtime/http.js';
import { logger } from '../../shared/runtime/logger.js';
import { registry, verifications } from '../dependencies.js';
import { VERIFICATIONS } from './paths.js';
import { pathLabels, providerUrlOf, type ApiRoute } from './route.js';

async function verifyProvider(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const path = pathLabels(event, ['workspace', 'name']);
  if (!path.ok) return path.response;
  const { workspace, name } = path.value;
  const providerId = providerIdOf(workspace, name);
  const record = await registry.get(providerId);
  if (!record) return errorResponse(404, 'NOT_FOUND', `Provider ${providerId} does not exist`);
  if (!isVerifiable(record.status)) {
    return errorResponse(409, 'CONFLICT', `Provider ${providerId} is ${record.status}: only a READY or DEGRADED provider can be verified`, [
      { field: 'status', issue: `is ${record.status}, must be one of ${VERIFIABLE_STATUSES.join(', ')}` },
    ]);
  }
  const started = await startVerification(verifications.sfn, verifications.stateMachineArn, record);
  logger.appendKeys({ providerId, verificationExecutionArn: started.executionArn });
  logger.info('Verification started', { status: record.status });
  const statusUrl = providerUrlOf(event, workspace, name);
  return json(202, { providerId, status: record.status, executionArn: started.executionArn, startedAt: started.startedAt, statusUrl }, { location: statusUrl });
}

export const verifyProviderRoute: ApiRoute = { method: 'POST', resource: VERIFICATIONS, handle: verifyProvider };
