// The custom resource behind "a deployment that changes the CAPA policy starts a rollout": Create,
// and Update with a changed PolicyVersion, start one (or answer the one running for that version);
// Delete and an Update that leaves the version alone do nothing. Every request is answered, so
// CloudFormation never waits out its hour. A rollout that cannot start (AWS failing past the SDK's
// retries) does not fail the deployment: failing it would make CloudFormation roll back, and the
// rollback's own Update (to the old version) would meet the same failure and leave the stack in
// UPDATE_ROLLBACK_FAILED. The answer says `not-started`, the log says why, and
// `POST /fleet/rollouts` starts it. Only a malformed request is FAILED.
import { answerCloudFormation, type CustomResourceAnswer, type CustomResourceRequest } from './cloudformation-response.js';
import { logger } from '../runtime/logger.js';
import { startRollout, type RolloutStarter } from './start-rollout.js';

/** One physical resource for the stack's life: a changed id would make CloudFormation delete the "old" one. */
export const ROLLOUT_TRIGGER_ID = 'capa-policy-rollout';

async function decide(starter: RolloutStarter, request: CustomResourceRequest): Promise<CustomResourceAnswer> {
  const PhysicalResourceId = request.PhysicalResourceId ?? ROLLOUT_TRIGGER_ID;
  if (request.RequestType === 'Delete') return { Status: 'SUCCESS', PhysicalResourceId };
  const policyVersion = request.ResourceProperties.PolicyVersion;
  if (typeof policyVersion !== 'string' || policyVersion === '') {
    return { Status: 'FAILED', PhysicalResourceId, Reason: 'PolicyVersion must be a non-empty string' };
  }
  if (request.RequestType === 'Update' && request.OldResourceProperties?.PolicyVersion === policyVersion) {
    return { Status: 'SUCCESS', PhysicalResourceId, Data: { Outcome: 'unchanged' } };
  }
  try {
    const started = await startRollout(starter, { policyVersion, trigger: 'deploy' });
    return { Status: 'SUCCESS', PhysicalResourceId, Data: { RolloutId: started.rollout.rolloutId, Outcome: started.outcome } };
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    logger.error('Policy rollout not started: start it with POST /fleet/rollouts', { policyVersion, error: why });
    return { Status: 'SUCCESS', PhysicalResourceId, Data: { Outcome: 'not-started', Error: why.slice(0, 500) } };
  }
}

export async function handleRolloutTrigger(
  starter: RolloutStarter,
  request: CustomResourceRequest,
  put: typeof fetch = fetch,
): Promise<CustomResourceAnswer> {
  let answer: CustomResourceAnswer;
  try {
    answer = await decide(starter, request);
  } catch (error) {
    answer = {
      Status: 'FAILED',
      PhysicalResourceId: request.PhysicalResourceId ?? ROLLOUT_TRIGGER_ID,
      Reason: `Could not start the policy rollout: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    };
  }
  await answerCloudFormation(request, answer, put);
  return answer;
}
