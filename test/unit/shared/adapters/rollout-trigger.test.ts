// The custom resource's answers to CloudFormation: Create and a changed PolicyVersion start a
// rollout, Delete and an unchanged version do nothing, a rollout that cannot start does not fail the
// deployment, and every request is answered by a PUT to its ResponseURL with the body CloudFormation reads.
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CustomResourceRequest } from '../../../../functions/shared/adapters/cloudformation-response.js';
import { RolloutRegistry } from '../../../../functions/shared/adapters/rollout-registry.js';
import { handleRolloutTrigger } from '../../../../functions/shared/adapters/rollout-trigger.js';
import type { RolloutStarter } from '../../../../functions/shared/adapters/start-rollout.js';
import { startRegistryTable, type TestTable } from '../../../support/dynamodb.js';

const sfn = mockClient(SFNClient);
let table: TestTable;
let puts: Array<{ url: string; method: string; contentType: string | null; body: Record<string, unknown> }>;

const put: typeof fetch = async (url, init) => {
  const headers = new Headers(init?.headers);
  puts.push({ url: String(url), method: init?.method ?? 'GET', contentType: headers.get('content-type'), body: JSON.parse(String(init?.body)) as Record<string, unknown> });
  return new Response(null, { status: 200 });
};

beforeEach(async () => {
  table = await startRegistryTable();
  puts = [];
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Rollout:any', startDate: new Date() });
});
afterEach(async () => {
  await table.close();
});

function starter(): RolloutStarter {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: table.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 }),
  );
  return {
    rollouts: new RolloutRegistry(client, table.tableName),
    sfn: new SFNClient({}),
    stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Rollout',
    now: () => new Date('2026-11-29T10:00:00.000Z'),
  };
}

function request(overrides: Partial<CustomResourceRequest>): CustomResourceRequest {
  return {
    RequestType: 'Create',
    ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:start-rollout',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/answer?signature=abc',
    StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/CapaProviderOnboarding/1',
    RequestId: 'request-1',
    ResourceType: 'Custom::PolicyRollout',
    LogicalResourceId: 'PolicyRolloutTrigger',
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:start-rollout', PolicyVersion: 'sha256:1111111122222222' },
    ...overrides,
  };
}

describe('policy rollout custom resource', () => {
  it('starts a rollout on Create and answers SUCCESS with its id through a PUT without a content type', async () => {
    // Act
    const answer = await handleRolloutTrigger(starter(), request({}), put);

    // Assess
    expect(answer.Status).toBe('SUCCESS');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    expect(puts).toEqual([
      {
        url: 'https://cloudformation-custom-resource-response.example/answer?signature=abc',
        method: 'PUT',
        contentType: '',
        body: {
          Status: 'SUCCESS',
          PhysicalResourceId: 'capa-policy-rollout',
          StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/CapaProviderOnboarding/1',
          RequestId: 'request-1',
          LogicalResourceId: 'PolicyRolloutTrigger',
          Data: { RolloutId: 'rollout-11111111-20261129T100000000Z', Outcome: 'started' },
        },
      },
    ]);
  });

  it('starts a rollout on an Update that changes PolicyVersion, keeping the physical id', async () => {
    // Act
    const answer = await handleRolloutTrigger(
      starter(),
      request({
        RequestType: 'Update',
        PhysicalResourceId: 'capa-policy-rollout',
        OldResourceProperties: { PolicyVersion: 'sha256:0000000000000000' },
      }),
      put,
    );

    // Assess
    expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'capa-policy-rollout', Data: { Outcome: 'started' } });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('starts nothing on an Update that leaves PolicyVersion alone, nor on Delete, and answers both', async () => {
    // Act
    const unchanged = await handleRolloutTrigger(
      starter(),
      request({ RequestType: 'Update', PhysicalResourceId: 'capa-policy-rollout', OldResourceProperties: { PolicyVersion: 'sha256:1111111122222222' } }),
      put,
    );
    const deleted = await handleRolloutTrigger(starter(), request({ RequestType: 'Delete', PhysicalResourceId: 'capa-policy-rollout' }), put);

    // Assess
    expect([unchanged.Status, deleted.Status]).toEqual(['SUCCESS', 'SUCCESS']);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(puts.map((sent) => sent.body.Status)).toEqual(['SUCCESS', 'SUCCESS']);
  });

  it('answers SUCCESS with Outcome not-started when the rollout cannot start, so the deployment (and a rollback) is not failed by it', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('State machine does not exist'), { name: 'StateMachineDoesNotExist', $metadata: { httpStatusCode: 400 } }));

    // Act
    const answer = await handleRolloutTrigger(starter(), request({}), put);

    // Assess
    expect(answer).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'capa-policy-rollout',
      Data: { Outcome: 'not-started', Error: 'StateMachineDoesNotExist: State machine does not exist' },
    });
    expect(puts).toHaveLength(1);
    expect(puts[0]!.body).toMatchObject({ Status: 'SUCCESS', Data: { Outcome: 'not-started' } });
  });

  it('answers FAILED when PolicyVersion is missing', async () => {
    // Act
    const answer = await handleRolloutTrigger(starter(), request({ ResourceProperties: { ServiceToken: 'x' } }), put);

    // Assess
    expect(answer).toEqual({ Status: 'FAILED', PhysicalResourceId: 'capa-policy-rollout', Reason: 'PolicyVersion must be a non-empty string' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
