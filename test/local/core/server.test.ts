import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { OrganizationsClient, DescribeOrganizationCommand } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultInjector } from '../../../local/core/faults.js';
import { jsonResponse, queryResponse, xmlElement } from '../../../local/core/protocol.js';
import type { AwsRequest, CallerIdentity } from '../../../local/core/types.js';
import { AwsServiceError } from '../../../local/core/types.js';
import { routeRequest, startServer, type LocalServer } from '../../../local/core/server.js';

const ADMIN: CallerIdentity = {
  accessKeyId: 'LOCALADMINACCESSKEY0',
  accountId: '000000000000',
  arn: 'arn:aws:iam::000000000000:root',
  principalType: 'account-root',
};
const credentials = { accessKeyId: 'LOCALADMINACCESSKEY0', secretAccessKey: 'local-admin-secret' };

describe('routeRequest', () => {
  const base = { method: 'POST', path: '/', query: new URLSearchParams(), headers: {}, body: '' };

  it('routes by X-Amz-Target prefix', () => {
    // Prepare / Act
    const events = routeRequest({ ...base, headers: { 'x-amz-target': 'AWSEvents.PutEvents' }, body: '{"Entries":[]}' });
    const states = routeRequest({ ...base, headers: { 'x-amz-target': 'AWSStepFunctions.StartExecution' } });
    const unknown = routeRequest({ ...base, headers: { 'x-amz-target': 'Kinesis_20131202.PutRecord' } });
    // Assess
    expect(events).toEqual({ service: 'events', action: 'PutEvents', params: { Entries: [] } });
    expect(states?.service).toBe('states');
    expect(unknown).toBeUndefined();
  });

  it('routes Lambda invocations with the decoded function name', () => {
    // Prepare / Act
    const routed = routeRequest({ ...base, path: '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/invocations', headers: { 'x-amz-invocation-type': 'Event' }, body: '{}' });
    // Assess
    expect(routed).toEqual({
      service: 'lambda',
      action: 'Invoke',
      params: { FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:f', Payload: '{}', InvocationType: 'Event', LogType: 'None' },
    });
  });

  it('takes the query-protocol service from the signing scope', () => {
    // Prepare
    const form = { ...base, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetRole&RoleName=r' };
    // Act
    const iam = routeRequest({ ...form, signingService: 'iam' });
    const sts = routeRequest({ ...form, body: 'Action=AssumeRole&RoleArn=x', signingService: 'sts' });
    // Assess
    expect(iam).toEqual({ service: 'iam', action: 'GetRole', params: { Action: 'GetRole', RoleName: 'r' } });
    expect(sts?.service).toBe('sts');
  });
});

describe('local server with fake services and real SDK clients', () => {
  let server: LocalServer;
  const seen: AwsRequest[] = [];
  const faults = new FaultInjector({ spec: 'iam:CreateRole=throttle:1;lambda:Invoke=error5xx:1', seed: 1 });

  beforeAll(async () => {
    // Prepare: fake services that record what reached them
    const record = (answer: (r: AwsRequest) => ReturnType<typeof jsonResponse>) => async (r: AwsRequest) => {
      seen.push(r);
      return answer(r);
    };
    server = await startServer({
      port: 0,
      faults,
      credentials: (akid) => (akid === credentials.accessKeyId ? { secretAccessKey: credentials.secretAccessKey, identity: ADMIN } : undefined),
      handlers: {
        sts: record(() => queryResponse('sts', 'GetCallerIdentity', xmlElement('Arn', ADMIN.arn) + xmlElement('UserId', '000000000000') + xmlElement('Account', '000000000000'))),
        iam: record(() => queryResponse('iam', 'CreateRole', '')),
        events: record(() => jsonResponse({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] })),
        states: record(() => jsonResponse({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:sm:x', startDate: 1 })),
        dynamodb: record(() => jsonResponse({ Item: { pk: { S: 'v' } } })),
        lambda: record(() => jsonResponse({ ok: true })),
        organizations: record(() => {
          throw new AwsServiceError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
        }),
      },
    });
  });

  afterAll(async () => {
    await server.close();
  });

  const config = () => ({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });

  it('serves STS over the query protocol and resolves the caller', async () => {
    // Act
    const identity = await new STSClient(config()).send(new GetCallerIdentityCommand({}));
    // Assess
    expect(identity.Arn).toBe(ADMIN.arn);
    expect(seen.at(-1)).toMatchObject({ service: 'sts', action: 'GetCallerIdentity', caller: ADMIN });
  });

  it('serves the JSON protocols (EventBridge, Step Functions, DynamoDB)', async () => {
    // Act
    const put = await new EventBridgeClient(config()).send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }));
    const start = await new SFNClient(config()).send(new StartExecutionCommand({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:sm' }));
    const item = await new DynamoDBClient(config()).send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'v' } } }));
    // Assess
    expect(put.Entries?.[0]?.EventId).toBe('e1');
    expect(start.executionArn).toContain(':execution:sm:');
    expect(item.Item).toEqual({ pk: { S: 'v' } });
    expect(seen.slice(-3).map((r) => `${r.service}.${r.action}`)).toEqual(['events.PutEvents', 'states.StartExecution', 'dynamodb.GetItem']);
  });

  it('encodes service errors so the SDK surfaces their code', async () => {
    // Act
    const attempt = new OrganizationsClient(config()).send(new DescribeOrganizationCommand({}));
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'AWSOrganizationsNotInUseException' });
  });

  it('rejects a wrong secret with 403 SignatureDoesNotMatch before the service sees it', async () => {
    // Prepare
    const before = seen.length;
    const client = new STSClient({ ...config(), credentials: { ...credentials, secretAccessKey: 'wrong' } });
    // Act
    const attempt = client.send(new GetCallerIdentityCommand({}));
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    expect(seen.length).toBe(before);
  });

  it('injects protocol-correct faults', async () => {
    // Act
    const throttled = new IAMClient(config()).send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: '{}' }));
    const failed = new LambdaClient(config()).send(new InvokeCommand({ FunctionName: 'f', Payload: new TextEncoder().encode('{}') }));
    // Assess
    await expect(throttled).rejects.toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    await expect(failed).rejects.toMatchObject({ name: 'ServiceException', $metadata: { httpStatusCode: 500 } });
    expect(faults.stats()).toMatchObject({ 'iam:CreateRole:throttle': 1, 'lambda:Invoke:error5xx': 1 });
  });

  it('answers an unknown route with a clear 400 JSON error', async () => {
    // Act
    const response = await fetch(`${server.url}/nothing-here`, { method: 'POST', body: 'x' });
    const body = (await response.json()) as { __type: string; message: string };
    // Assess
    expect(response.status).toBe(400);
    expect(body.__type).toBe('UnknownOperationException');
    expect(body.message).toContain('POST /nothing-here');
  });
});
