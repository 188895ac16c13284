// CloudFormation's own resource type AWS::CloudFormation::CustomResource (and every Custom::<Name>):
// the deployer sends the ServiceToken function a Create (first deployment) or an Update (a later
// deployment whose properties changed, with OldResourceProperties and the physical id), waits for
// the answer PUT to the ResponseURL, and fails the deployment on FAILED, as CloudFormation does.
import type { ResourceHandler } from '../deploy/handler.js';
import { requireString } from '../deploy/properties.js';
import type { CustomResourceResponse, CustomResourceResponses } from './model.js';

export const CUSTOM_RESOURCE_TYPE = 'AWS::CloudFormation::CustomResource';

/** What the deployer needs to run custom resources (structural, so tests can pass fakes). */
export interface CustomResourceDeployTarget {
  responses: Pick<CustomResourceResponses, 'expect'>;
  /** Invokes the ServiceToken function and returns once it has returned (or failed). */
  invoke(functionArn: string, event: unknown): Promise<{ functionError?: string; payload: unknown }>;
  /** How long to wait for the PUT once the function has returned (CloudFormation waits up to ServiceTimeout, an hour by default). */
  answerTimeoutMs?: number;
}

const DEFAULT_ANSWER_TIMEOUT_MS = 10_000;

async function answerOf(answer: Promise<CustomResourceResponse>, timeoutMs: number): Promise<CustomResourceResponse | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const customResource: ResourceHandler = {
  type: CUSTOM_RESOURCE_TYPE,
  // Kept across restarts: an unchanged one is not sent its Create again, a changed one gets an Update.
  persistent: true,
  keepsProperties: true,
  async deploy(props, ctx) {
    const target = ctx.targets.customResources;
    if (target === undefined) throw new Error('this deployment cannot run custom resources');
    const serviceToken = requireString(props.ServiceToken, `${ctx.logicalId}.ServiceToken`);
    if (!serviceToken.includes(':lambda:')) throw new Error(`${ctx.logicalId}: only Lambda-backed custom resources run locally (ServiceToken ${serviceToken})`);
    const requestId = crypto.randomUUID();
    const previous = ctx.previous;
    const response = target.responses.expect(requestId);
    const event = {
      RequestType: previous !== undefined ? 'Update' : 'Create',
      ServiceToken: serviceToken,
      ResponseURL: response.url,
      StackId: ctx.stackId,
      RequestId: requestId,
      ResourceType: ctx.type,
      LogicalResourceId: ctx.logicalId,
      ResourceProperties: props,
      ...(previous !== undefined && { PhysicalResourceId: previous.physicalId, OldResourceProperties: previous.properties ?? {} }),
    };
    const invoked = await target.invoke(serviceToken, event);
    const answer = await answerOf(response.answer, invoked.functionError !== undefined ? 0 : (target.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS));
    response.cancel();
    if (answer === undefined) {
      const why = invoked.functionError !== undefined ? `failed (${JSON.stringify(invoked.payload)})` : 'returned';
      throw new Error(`${ctx.logicalId}: ${serviceToken} ${why} without answering the ResponseURL (CloudFormation would wait until ServiceTimeout)`);
    }
    if (answer.Status === 'FAILED') throw new Error(`${ctx.logicalId} answered FAILED: ${answer.Reason ?? 'no reason given'}`);
    return { physicalId: answer.PhysicalResourceId, ref: answer.PhysicalResourceId, attributes: answer.Data ?? {} };
  },
};

export const cloudFormationResourceHandlers: ResourceHandler[] = [customResource];
