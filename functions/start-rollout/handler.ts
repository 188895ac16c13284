// Custom resource Custom::PolicyRollout: a deployment that changes the CAPA policy starts a rollout.
import { rolloutRegistry } from '../shared/adapters/rollout-registry.js';
import type { CustomResourceRequest } from '../shared/adapters/cloudformation-response.js';
import { handleRolloutTrigger } from '../shared/adapters/rollout-trigger.js';
import { sfnClient } from '../shared/runtime/clients.js';
import { nonEmpty, readEnv } from '../shared/runtime/env.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';

const env = readEnv({ TABLE_NAME: nonEmpty, ROLLOUT_STATE_MACHINE_ARN: nonEmpty });
const starter = { rollouts: rolloutRegistry(env.TABLE_NAME), sfn: sfnClient(), stateMachineArn: env.ROLLOUT_STATE_MACHINE_ARN };

async function startRolloutResource(event: CustomResourceRequest) {
  logger.appendKeys({ requestType: event.RequestType, stackId: event.StackId, requestId: event.RequestId });
  const answer = await handleRolloutTrigger(starter, event);
  logger.info('Answered CloudFormation', { status: answer.Status, reason: answer.Reason, data: answer.Data });
  return answer;
}

export const handler = withMiddleware(startRolloutResource);
