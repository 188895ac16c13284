// The custom resource behind "a deployment that changes the CAPA policy starts a rollout": Create,
// and Update with a changed PolicyVersion, start one (or answer the one running for that version);
// Delete and an Update that leaves the version alone do nothing. Every request is answered, a
// failure as FAILED with its reason, so CloudFormation never waits out its hour.
import { answerCloudFormation, type CustomResourceAnswer, type CustomResourceRequest } from './cloudformation-response.js';
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
  const started = await startRollout(starter, { policyVersion, trigger: 'deploy' });
  return { Status: 'SUCCESS', PhysicalResourceId, Data: { RolloutId: started.rollout.rolloutId, Outcome: started.outcome } };
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
