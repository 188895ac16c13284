// The registry converges with the executions whatever ends them: a rule on the default bus sends
// the onboarding state machine's ABORTED, TIMED_OUT and FAILED executions to execution-ended, whose
// role holds exactly what it calls.
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../local/events/pattern.js';
import { getAtt, grantsOf, logicalIdOf, partitionArn, ref, statementsOfRole, synth } from './synth.js';

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:OnboardingWorkflowStateMachine';

/** Step Functions' event for an execution of `stateMachineArn` that changed to `status` (AWS's sample shape). */
function statusChange(status: string, stateMachineArn = STATE_MACHINE_ARN) {
  return {
    version: '0',
    id: '315c1398-40ff-a850-213b-158f73e60175',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '000000000000',
    time: '2026-11-28T07:00:00Z',
    region: 'us-east-1',
    resources: [`${stateMachineArn.replace(':stateMachine:', ':execution:')}:payments_dev_1`],
    detail: {
      executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:payments_dev_1`,
      stateMachineArn,
      name: 'payments_dev_1',
      status,
      startDate: 1_764_313_200_000,
      stopDate: status === 'RUNNING' ? null : 1_764_313_230_000,
      input: '{}',
      inputDetails: { included: true },
      output: null,
      outputDetails: null,
      error: null,
      cause: null,
    },
  };
}

describe('execution-ended rule', () => {
  const s = synth();
  const { executionEnded, workflow } = s.stack;
  const rule = s.resources[logicalIdOf(executionEnded.rule)]!;

  it("matches the onboarding state machine's status changes to ABORTED, TIMED_OUT or FAILED on the default bus", () => {
    // Act
    const pattern = rule.Properties?.EventPattern;

    // Assess
    expect(pattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [ref(workflow.stateMachine)], status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
    });
    // No EventBusName: Step Functions publishes status changes on the default bus.
    expect(rule.Properties?.EventBusName).toBeUndefined();
    expect(rule.Properties?.State).toBe('ENABLED');
  });

  it('selects the ended executions of this state machine only, as EventBridge evaluates the pattern', () => {
    // Prepare: the deployed pattern with the state machine's ARN in place of its Ref.
    const pattern = JSON.parse(JSON.stringify(rule.Properties?.EventPattern).replace(JSON.stringify(ref(workflow.stateMachine)), JSON.stringify(STATE_MACHINE_ARN)));

    // Act
    const matched = Object.fromEntries(
      ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'].map((status) => [status, matchesPattern(pattern, statusChange(status))]),
    );
    const otherMachine = matchesPattern(pattern, statusChange('ABORTED', 'arn:aws:states:us-east-1:000000000000:stateMachine:SomethingElse'));

    // Assess
    expect(matched).toEqual({ RUNNING: false, SUCCEEDED: false, FAILED: true, TIMED_OUT: true, ABORTED: true });
    expect(otherMachine).toBe(false);
  });

  it('targets execution-ended with retries and an SSL-only dead-letter queue, which also receives its failed invocations', () => {
    // Act
    const targets = rule.Properties?.Targets;

    // Assess
    expect(targets).toEqual([
      {
        Id: expect.any(String),
        Arn: getAtt(executionEnded.handler.function),
        DeadLetterConfig: { Arn: getAtt(executionEnded.deadLetterQueue) },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
      },
    ]);
    s.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: getAtt(executionEnded.handler.function),
      SourceArn: getAtt(executionEnded.rule),
    });
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(executionEnded.handler.function),
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: getAtt(executionEnded.deadLetterQueue) } },
    });
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(executionEnded.deadLetterQueue)],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });
});

describe('execution-ended function', () => {
  const s = synth();
  const { executionEnded, registry, events } = s.stack;
  const fn = executionEnded.handler;
  const managementRole = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/capa-management']] };

  it('may read and update the registry, assume bootstrap roles, maintain the management grant, announce on the bus, and nothing else', () => {
    // Prepare
    const grant = (actions: string[], resource: unknown) => actions.map((action) => `${action} -> ${JSON.stringify(resource)}`);
    const expected = [
      ...grant(['logs:CreateLogStream', 'logs:PutLogEvents'], getAtt(fn.logGroup)),
      ...grant(['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], '*'),
      ...grant(['dynamodb:GetItem', 'dynamodb:UpdateItem'], getAtt(registry.table)),
      ...grant(['sts:AssumeRole'], partitionArn(':iam::*:role/OrganizationAccountAccessRole')),
      ...grant(['sts:AssumeRole'], partitionArn(':iam::*:role/AWSControlTowerExecution')),
      ...grant(['iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'], managementRole),
      ...grant(['events:PutEvents'], getAtt(events.bus)),
      ...grant(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], getAtt(executionEnded.deadLetterQueue)),
    ].sort();

    // Act
    const grants = grantsOf(statementsOfRole(s, fn.role));

    // Assess
    expect(grants).toEqual(expected);
  });

  it('receives the environment its handler reads, and 60 s to remove what an execution left', () => {
    // Act
    const properties = s.resources[logicalIdOf(fn.function)]?.Properties;

    // Assess
    expect(properties?.Timeout).toBe(60);
    expect(properties?.Environment).toEqual({
      Variables: {
        POWERTOOLS_SERVICE_NAME: 'capa-provider-onboarding',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        PARTITION: { Ref: 'AWS::Partition' },
        TABLE_NAME: ref(registry.table),
        EVENT_BUS_NAME: ref(events.bus),
        EVENT_SOURCE: 'capa-provider-onboarding',
        BOOTSTRAP_ROLE_NAME: 'OrganizationAccountAccessRole',
        ROLE_PATH: '/capa-providers/',
        MANAGEMENT_ROLE_ARN: managementRole,
        GRANT_MODE: 'path',
      },
    });
  });

  it('follows the context: bootstrap role, path, management role and grant mode', () => {
    // Prepare
    const custom = synth({ managementAccountId: '111122223333', managementRoleName: 'kommander', bootstrapRoleName: 'AWSControlTowerExecution', rolePath: '/platform/capa/', grantMode: 'per-role' });
    const customFn = custom.stack.executionEnded.handler;

    // Act
    const variables = (custom.resources[logicalIdOf(customFn.function)]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    const grants = grantsOf(statementsOfRole(custom, customFn.role));

    // Assess
    expect(variables).toMatchObject({
      BOOTSTRAP_ROLE_NAME: 'AWSControlTowerExecution',
      ROLE_PATH: '/platform/capa/',
      MANAGEMENT_ROLE_ARN: partitionArn(':iam::111122223333:role/kommander'),
      GRANT_MODE: 'per-role',
    });
    expect(grants).toContain(`sts:AssumeRole -> ${JSON.stringify(partitionArn(':iam::*:role/AWSControlTowerExecution'))}`);
    expect(grants).toContain(`iam:DeleteRolePolicy -> ${JSON.stringify(partitionArn(':iam::111122223333:role/kommander'))}`);
  });
});

describe('stack outputs', () => {
  it('name the execution-ended dead-letter queue, where an operator finds what to replay', () => {
    // Prepare
    const s = synth();

    // Act
    const outputs = s.template.findOutputs('ExecutionEndedDeadLetterQueueUrl');

    // Assess
    expect(Object.values(outputs).map((output) => output.Value)).toEqual([ref(s.stack.executionEnded.deadLetterQueue)]);
  });
});
