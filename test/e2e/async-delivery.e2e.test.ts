// End to end: a new-account event the trigger cannot handle is not lost. Lambda runs the
// asynchronous invocation EventBridge made three times in all (retried twice), then sends the
// invocation record to the stack's dead-letter queue through the function's role; once the cause
// is fixed, an operator redrives it as the README says and the account is onboarded.
import { EventBridgeClient, ListTargetsByRuleCommand, PutTargetsCommand, type Target } from '@aws-sdk/client-eventbridge';
import { DeleteRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, clientConfig, deployedFunctions, ensureSynthesized, eventually, FunctionLog, startTestCloud, waitForProvider, type LocalCloud } from './support.js';

beforeAll(() => {
  ensureSynthesized();
}, 180_000);

/** The Lambda destination's invocation record (the body of each dead-lettered message). */
interface InvocationRecord {
  requestContext: { requestId: string; functionArn: string; condition: string; approximateInvokeCount: number };
  requestPayload: { source: string; 'detail-type': string; detail: { serviceEventDetails: { createAccountStatus: { accountId: string } } } };
  responsePayload: { errorType: string; errorMessage: string };
}

function deployed(cloud: LocalCloud, type: string, logicalIdPrefix: string): string {
  const resource = Object.values(cloud.stack.resources).find((r) => r.type === type && r.logicalId.startsWith(logicalIdPrefix));
  if (resource === undefined) throw new Error(`The stack has no ${type} ${logicalIdPrefix}*`);
  return resource.physicalId;
}

describe('a new-account event whose trigger fails', () => {
  let cloud: LocalCloud;
  const functionLog = new FunctionLog();

  beforeAll(async () => {
    // Lambda's one- and two-minute waits before its retries become 0.6 s and 1.2 s.
    cloud = await startTestCloud({ propagationDelayMs: [0, 0], retryIntervalScale: 0.01, functionLog: functionLog.sink });
  }, 120_000);

  afterAll(async () => {
    await cloud?.close();
  });

  it('is invoked three times in all, lands in the dead-letter queue, and onboards the account once fixed and redriven', async () => {
    // Prepare: a guardrail denies the trigger's role every DynamoDB call.
    const iam = new IAMClient(clientConfig(cloud));
    const sqs = new SQSClient(clientConfig(cloud));
    const lambda = new LambdaClient(clientConfig(cloud));
    const triggerRole = deployed(cloud, 'AWS::IAM::Role', 'NewAccountTriggersAccountTriggerRole');
    const trigger = deployedFunctions(cloud).NewAccountTriggersAccountTrigger!;
    const queueUrl = deployed(cloud, 'AWS::SQS::Queue', 'NewAccountTriggersDeadLetterQueue');
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: triggerRole,
        PolicyName: 'deny-dynamodb',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'dynamodb:*', Resource: '*' }] }),
      }),
    );
    const mark = functionLog.mark();

    // Act: Organizations announces a new account; the trigger fails on every attempt.
    const organizations = new OrganizationsClient(clientConfig(cloud));
    const created = await organizations.send(new CreateAccountCommand({ AccountName: 'team-dlq', Email: 'team-dlq@example.com' }));
    const accountId = created.CreateAccountStatus!.AccountId!;
    const message: Message = await eventually('the event in the dead-letter queue', async () => {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, VisibilityTimeout: 300 }));
      return Messages[0];
    });

    // Assess: three invocations, then the record; no provider.
    const record = JSON.parse(message.Body!) as InvocationRecord;
    expect(queueUrl).toBe(`${cloud.endpoint}/000000000000/${queueUrl.split('/').pop()}`);
    expect(record.requestContext).toMatchObject({
      functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${trigger}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    });
    expect(record.requestPayload).toMatchObject({ source: 'aws.organizations', detail: { serviceEventDetails: { createAccountStatus: { accountId } } } });
    expect(record.responsePayload.errorType).toBe('AccessDeniedException');
    // The start path's first call: the conditional PutItem that records a new provider.
    expect(record.responsePayload.errorMessage).toContain('dynamodb:PutItem');
    const failedInvocations = functionLog.since(mark).filter(({ functionName, line }) => functionName === trigger && line.includes('"message":"Invocation failed"'));
    expect(failedInvocations).toHaveLength(3);
    expect((await api(cloud).get(`default.aws-${accountId}`)).status).toBe(404);

    // Act: the cause is fixed; the operator replays the dead-lettered event and deletes the message.
    await iam.send(new DeleteRolePolicyCommand({ RoleName: triggerRole, PolicyName: 'deny-dynamodb' }));
    const replay = await lambda.send(new InvokeCommand({ FunctionName: trigger, Payload: JSON.stringify(record.requestPayload) }));
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    const provider = await waitForProvider(cloud, `default.aws-${accountId}`);

    // Assess: onboarded, and the queue is empty.
    expect(replay.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(replay.Payload!).toString('utf8'))).toEqual({ providerId: `default.aws-${accountId}`, outcome: 'started' });
    expect(provider).toMatchObject({ status: 'READY', roleArn: `arn:aws:iam::${accountId}:role/capa-providers/capa-default-aws-${accountId}` });
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(Attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  }, 90_000);

  it('an event EventBridge cannot deliver goes to the same queue, as the rule target and the queue policy allow', async () => {
    // Prepare: the rule's target is retried as the template says (8 times within 2 hours, then the
    // queue); for this test it points at a function that does not exist and is not retried.
    const events = new EventBridgeClient(clientConfig(cloud));
    const sqs = new SQSClient(clientConfig(cloud));
    const rule = deployed(cloud, 'AWS::Events::Rule', 'NewAccountTriggersOrganizationsAccountCreated');
    const queueUrl = deployed(cloud, 'AWS::SQS::Queue', 'NewAccountTriggersDeadLetterQueue');
    const queueArn = `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split('/').pop()}`;
    const missingFunction = 'arn:aws:lambda:us-east-1:000000000000:function:no-such-trigger';
    const { Targets: deployedTargets = [] } = await events.send(new ListTargetsByRuleCommand({ Rule: rule }));
    const original = deployedTargets[0] as Target;
    await events.send(new PutTargetsCommand({ Rule: rule, Targets: [{ ...original, Arn: missingFunction, RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 7200 } }] }));

    try {
      // Act
      const organizations = new OrganizationsClient(clientConfig(cloud));
      const created = await organizations.send(new CreateAccountCommand({ AccountName: 'team-undelivered', Email: 'team-undelivered@example.com' }));
      const accountId = created.CreateAccountStatus!.AccountId!;
      const message: Message = await eventually('the undelivered event in the dead-letter queue', async () => {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }));
        return Messages[0];
      });

      // Assess: the deployed target as the template has it, and the event itself with EventBridge's attributes.
      expect(original).toMatchObject({ DeadLetterConfig: { Arn: queueArn }, RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 } });
      expect(JSON.parse(message.Body!)).toMatchObject({ source: 'aws.organizations', detail: { serviceEventDetails: { createAccountStatus: { accountId } } } });
      expect(message.MessageAttributes).toMatchObject({
        RULE_ARN: { StringValue: `arn:aws:events:us-east-1:000000000000:rule/${rule}` },
        TARGET_ARN: { StringValue: missingFunction },
        ERROR_CODE: { StringValue: 'RESOURCE_NOT_FOUND' },
        EXHAUSTED_RETRY_CONDITION: { StringValue: 'MaximumRetryAttemptsExhausted' },
      });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    } finally {
      await events.send(new PutTargetsCommand({ Rule: rule, Targets: [original] }));
    }
  }, 60_000);
});
