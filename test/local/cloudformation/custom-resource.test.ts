// Custom resources on the local cloud: the deployer sends the ServiceToken function CloudFormation's
// request (Create on the first deployment, Update with OldResourceProperties when a redeployment
// changes a property, nothing when none changed), waits for the answer PUT to the ResponseURL the
// endpoint serves, and fails the deployment on FAILED or on a function that never answers.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CustomResourceResponses, RESPONSE_PATH_PREFIX } from '../../../local/cloudformation/index.js';
import { startServer, type LocalServer } from '../../../local/core/server.js';
import { deployStack, type CfnTemplate, type DeployTargets, type StackAssembly } from '../../../local/deploy/index.js';

const TOKEN = 'arn:aws:lambda:us-east-1:000000000000:function:start-rollout';
let server: LocalServer;
let responses: CustomResourceResponses;
let requests: Array<Record<string, unknown>>;
/** What the fake function does with each request: PUT this answer (undefined: fail without answering). */
let answer: (request: Record<string, unknown>) => Record<string, unknown> | undefined;

beforeAll(async () => {
  responses = new CustomResourceResponses(() => server.url);
  server = await startServer({
    port: 0,
    handlers: {},
    credentials: () => undefined,
    presignedPut: { prefix: RESPONSE_PATH_PREFIX, put: (path, body) => responses.receive(path, body) },
  });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  requests = [];
  answer = (request) => ({
    Status: 'SUCCESS',
    PhysicalResourceId: 'capa-policy-rollout',
    StackId: request.StackId,
    RequestId: request.RequestId,
    LogicalResourceId: request.LogicalResourceId,
    Data: { RolloutId: `rollout-for-${String((request.ResourceProperties as { PolicyVersion: string }).PolicyVersion)}` },
  });
});

/** The ServiceToken function: records the request and PUTs its answer, over HTTP, without a content type (as S3 URLs need). */
const targets = {
  customResources: {
    responses: { expect: (id: string) => responses.expect(id) },
    async invoke(_arn: string, event: unknown) {
      const request = event as Record<string, unknown>;
      requests.push(request);
      const body = answer(request);
      if (body === undefined) return { functionError: 'Unhandled', payload: { errorType: 'Error', errorMessage: 'boom' } };
      const response = await fetch(String(request.ResponseURL), { method: 'PUT', headers: { 'content-type': '' }, body: JSON.stringify(body) });
      return { payload: { status: response.status } };
    },
  },
} as unknown as DeployTargets;

function assembly(policyVersion: string): StackAssembly {
  const template: CfnTemplate = {
    Resources: { Trigger: { Type: 'Custom::PolicyRollout', Properties: { ServiceToken: TOKEN, PolicyVersion: policyVersion } } },
    Outputs: { Id: { Value: { Ref: 'Trigger' } }, RolloutId: { Value: { 'Fn::GetAtt': ['Trigger', 'RolloutId'] } } },
  };
  return { cdkOut: '.', stackName: 'Test', artifactId: 'Test', templateFile: 'Test.template.json', template, assets: new Map() };
}

const deploy = (policyVersion: string, previous?: Awaited<ReturnType<typeof deployStack>>) =>
  deployStack(assembly(policyVersion), { targets, accountId: '000000000000', region: 'us-east-1', ...(previous !== undefined && { previous }) });

describe('custom resources on the local cloud', () => {
  it('sends Create with the resolved properties and a ResponseURL, and exposes the answer as Ref and attributes', async () => {
    // Act
    const stack = await deploy('sha256:v1');

    // Assess
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      RequestType: 'Create',
      ServiceToken: TOKEN,
      ResourceType: 'Custom::PolicyRollout',
      LogicalResourceId: 'Trigger',
      StackId: stack.stackId,
      ResourceProperties: { ServiceToken: TOKEN, PolicyVersion: 'sha256:v1' },
    });
    expect(String(requests[0]!.ResponseURL).startsWith(`${server.url}${RESPONSE_PATH_PREFIX}`)).toBe(true);
    expect(requests[0]).not.toHaveProperty('OldResourceProperties');
    expect(stack.outputs).toEqual({ Id: 'capa-policy-rollout', RolloutId: 'rollout-for-sha256:v1' });
  });

  it('sends Update with the old properties and the physical id when a redeployment changes a property, and nothing when none changed', async () => {
    // Prepare
    const first = await deploy('sha256:v1');

    // Act
    const same = await deploy('sha256:v1', first);
    const changed = await deploy('sha256:v2', same);

    // Assess
    expect(requests.map((request) => request.RequestType)).toEqual(['Create', 'Update']);
    expect(requests[1]).toMatchObject({
      PhysicalResourceId: 'capa-policy-rollout',
      ResourceProperties: { PolicyVersion: 'sha256:v2' },
      OldResourceProperties: { ServiceToken: TOKEN, PolicyVersion: 'sha256:v1' },
    });
    expect(same.resources.Trigger?.status).toBe('unchanged');
    expect(changed.outputs.RolloutId).toBe('rollout-for-sha256:v2');
  });

  it('fails the deployment with the reason when the function answers FAILED', async () => {
    // Prepare
    answer = (request) => ({ Status: 'FAILED', Reason: 'Could not start the policy rollout', PhysicalResourceId: 'x', StackId: request.StackId, RequestId: request.RequestId, LogicalResourceId: 'Trigger' });

    // Act
    const deployment = deploy('sha256:v1');

    // Assess
    await expect(deployment).rejects.toThrow('Deploying Trigger (Custom::PolicyRollout) failed: Trigger answered FAILED: Could not start the policy rollout');
  });

  it('fails the deployment when the function fails without answering', async () => {
    // Prepare
    answer = () => undefined;

    // Act
    const deployment = deploy('sha256:v1');

    // Assess
    await expect(deployment).rejects.toThrow(`Trigger: ${TOKEN} failed ({"errorType":"Error","errorMessage":"boom"}) without answering the ResponseURL`);
  });

  it('refuses a second PUT to a used ResponseURL, and a body without the fields CloudFormation reads', async () => {
    // Prepare
    const first = responses.expect('request-1');
    const second = responses.expect('request-2');
    const put = (url: string, body: unknown) => fetch(url, { method: 'PUT', headers: { 'content-type': '' }, body: JSON.stringify(body) });
    const valid = { Status: 'SUCCESS', PhysicalResourceId: 'p', StackId: 's', RequestId: 'request-1', LogicalResourceId: 'L' };

    // Act
    const statuses = [(await put(first.url, valid)).status, (await put(first.url, valid)).status, (await put(second.url, { Status: 'SUCCESS' })).status];

    // Assess
    expect(statuses).toEqual([200, 403, 400]);
    await expect(first.answer).resolves.toEqual(valid);
    second.cancel();
  });
});
