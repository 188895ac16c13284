// Account departures: a rule on the default bus sends Organizations' successful
// RemoveAccountFromOrganization, LeaveOrganization and CloseAccount calls (CloudTrail) to the
// account-departure function, with EventBridge retries, Lambda's async retries and a dead-letter
// queue; the function's role holds exactly what it calls; the registry has the byAccount index.
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../local/events/pattern.js';
import { getAtt, grantsOf, logicalIdOf, partitionArn, ref, statementsOfRole, synth } from './synth.js';

/** CloudTrail's "AWS API Call via CloudTrail" event of an Organizations call (AWS's documented shape). */
function apiCall(eventName: string, extra: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: '6f1e2a7c-1111-2222-3333-444455556666',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.organizations',
    account: '000000000000',
    time: '2026-11-29T08:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      eventVersion: '1.08',
      userIdentity: { type: 'IAMUser', accountId: '000000000000', arn: 'arn:aws:iam::000000000000:user/admin' },
      eventTime: '2026-11-29T08:00:00Z',
      eventSource: 'organizations.amazonaws.com',
      eventName,
      awsRegion: 'us-east-1',
      requestParameters: { accountId: '111122223333' },
      responseElements: null,
      eventID: '0b7e5f7e-aaaa-bbbb-cccc-ddddeeeeffff',
      eventType: 'AwsApiCall',
      recipientAccountId: '000000000000',
      ...extra,
    },
  };
}

describe('account-departure rule', () => {
  const s = synth();
  const { departures } = s.stack;
  const rule = s.resources[logicalIdOf(departures.rule)]!;

  it('matches the three departure calls of Organizations on the default bus', () => {
    // Act
    const pattern = rule.Properties?.EventPattern;

    // Assess
    expect(pattern).toEqual({
      source: ['aws.organizations'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['organizations.amazonaws.com'],
        eventName: ['RemoveAccountFromOrganization', 'LeaveOrganization', 'CloseAccount'],
        errorCode: [{ exists: false }],
      },
    });
    expect(rule.Properties?.EventBusName).toBeUndefined();
  });

  it('selects successful departure calls only, as EventBridge evaluates the pattern', () => {
    // Prepare
    const pattern = rule.Properties?.EventPattern as Record<string, unknown>;

    // Act
    const matched = {
      CloseAccount: matchesPattern(pattern, apiCall('CloseAccount')),
      RemoveAccountFromOrganization: matchesPattern(pattern, apiCall('RemoveAccountFromOrganization')),
      LeaveOrganization: matchesPattern(pattern, apiCall('LeaveOrganization', { requestParameters: null })),
      failedClose: matchesPattern(pattern, apiCall('CloseAccount', { errorCode: 'AccountNotFoundException', errorMessage: 'not found' })),
      CreateAccount: matchesPattern(pattern, apiCall('CreateAccount')),
    };

    // Assess
    expect(matched).toEqual({ CloseAccount: true, RemoveAccountFromOrganization: true, LeaveOrganization: true, failedClose: false, CreateAccount: false });
  });

  it('targets account-departure with retries and an SSL-only dead-letter queue, which also receives its failed invocations', () => {
    // Act
    const targets = rule.Properties?.Targets;

    // Assess
    expect(targets).toEqual([
      {
        Id: expect.any(String),
        Arn: getAtt(departures.handler.function),
        DeadLetterConfig: { Arn: getAtt(departures.deadLetterQueue) },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
      },
    ]);
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(departures.handler.function),
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 7200,
      DestinationConfig: { OnFailure: { Destination: getAtt(departures.deadLetterQueue) } },
    });
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(departures.deadLetterQueue)],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });
});

describe('account-departure function', () => {
  const s = synth();
  const { departures, registry, events, workflow, offboarding } = s.stack;
  const fn = departures.handler;
  const managementRole = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/capa-management']] };
  const executionsOf = (machine: typeof workflow.stateMachine) => ({
    'Fn::Join': [
      '',
      ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':execution:', { 'Fn::GetAtt': [logicalIdOf(machine), 'Name'] }, ':*'],
    ],
  });

  it('may query the byAccount index, update the registry, stop provider executions, revoke the management grant, announce, and nothing else', () => {
    // Prepare
    const grant = (actions: string[], resource: unknown) => actions.map((action) => `${action} -> ${JSON.stringify(resource)}`);
    const expected = [
      ...grant(['logs:CreateLogStream', 'logs:PutLogEvents'], getAtt(fn.logGroup)),
      ...grant(['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], '*'),
      ...grant(['dynamodb:Query'], { 'Fn::Join': ['', [getAtt(registry.table), '/index/byAccount']] }),
      ...grant(['dynamodb:GetItem', 'dynamodb:UpdateItem'], getAtt(registry.table)),
      ...grant(['states:StopExecution'], executionsOf(workflow.stateMachine)),
      ...grant(['states:StopExecution'], executionsOf(offboarding.stateMachine)),
      ...grant(['iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'], managementRole),
      ...grant(['events:PutEvents'], getAtt(events.bus)),
      ...grant(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], getAtt(departures.deadLetterQueue)),
    ].sort();

    // Act
    const grants = grantsOf(statementsOfRole(s, fn.role));

    // Assess
    expect(grants).toEqual(expected);
    expect(grants.some((g) => g.includes(JSON.stringify(partitionArn(':iam::*:role/OrganizationAccountAccessRole'))))).toBe(false);
  });

  it('receives the environment its handler reads', () => {
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
        ROLE_PATH: '/capa-providers/',
        MANAGEMENT_ROLE_ARN: managementRole,
        GRANT_MODE: 'path',
      },
    });
  });

  it('the registry has the keys-only byAccount index (accountId, providerId)', () => {
    // Act
    const indexes = s.resources[logicalIdOf(registry.table)]?.Properties?.GlobalSecondaryIndexes as Array<{ IndexName: string }>;

    // Assess
    expect(indexes.find((index) => index.IndexName === 'byAccount')).toEqual({
      IndexName: 'byAccount',
      KeySchema: [
        { AttributeName: 'accountId', KeyType: 'HASH' },
        { AttributeName: 'providerId', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
  });
});
