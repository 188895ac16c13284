// The EventBridge operations called through handle() as the shared endpoint calls them: the
// operations the SDK-level tests do not reach, and the IAM action and resource each one checks.
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsServiceError, type Authorize, type CallerIdentity } from '../../../local/core/types.js';
import { LocalEventBridge, type EventEnvelope } from '../../../local/events/index.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const ADMIN: CallerIdentity = { accessKeyId: 'LOCALADMINACCESSKEY0', accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, principalType: 'account-root' };
const FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f`;

let bridge: LocalEventBridge;
let decisions: string[];
let delivered: string[];

const authorize: Authorize = (_caller, action, resource) => {
  decisions.push(`${action} ${resource}`);
};

async function call(action: string, params: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await bridge.handle({ service: 'events', action, params, caller: ADMIN, region: REGION, rawBody: JSON.stringify(params), path: '/', headers: {} });
  return { status: response.status, body: JSON.parse(response.body) as Record<string, unknown> };
}

beforeEach(() => {
  decisions = [];
  delivered = [];
  bridge = new LocalEventBridge({
    accountId: ACCOUNT,
    region: REGION,
    authorize,
    deliver: async (target, event: EventEnvelope) => {
      delivered.push(`${target.arn} ${event['detail-type']}`);
    },
    now: () => Date.parse('2026-11-20T09:14:05.678Z'),
  });
});

describe('operation table', () => {
  it('answers an operation it does not implement, even one named like an object property, with UnknownOperationException', async () => {
    // Act
    const unknown = await call('PutPermission', {});
    const inherited = await call('toString', {});
    // Assess
    expect(unknown).toEqual({ status: 400, body: { __type: 'UnknownOperationException', message: 'Operation PutPermission is not supported by the local EventBridge.' } });
    expect(inherited).toEqual({ status: 400, body: { __type: 'UnknownOperationException', message: 'Operation toString is not supported by the local EventBridge.' } });
  });

  it('checks the IAM action on the resource each operation names', async () => {
    // Prepare
    const pattern = JSON.stringify({ source: ['s'] });
    // Act
    await call('CreateEventBus', { Name: 'b' });
    await call('DescribeEventBus', { Name: 'b' });
    await call('ListEventBuses', {});
    await call('PutRule', { Name: 'r', EventBusName: 'b', EventPattern: pattern });
    await call('DescribeRule', { Name: 'r', EventBusName: 'b' });
    await call('ListRules', { EventBusName: 'b' });
    await call('PutTargets', { Rule: 'r', EventBusName: 'b', Targets: [{ Id: 't', Arn: FN }] });
    await call('ListTargetsByRule', { Rule: 'r', EventBusName: 'b' });
    await call('DisableRule', { Name: 'r', EventBusName: 'b' });
    await call('EnableRule', { Name: 'r', EventBusName: 'b' });
    await call('RemoveTargets', { Rule: 'r', EventBusName: 'b', Ids: ['t'] });
    await call('DeleteRule', { Name: 'r', EventBusName: 'b' });
    await call('DeleteEventBus', { Name: 'b' });
    await call('TestEventPattern', { EventPattern: pattern, Event: '{}' });
    await call('PutEvents', { Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] });
    // Assess
    expect(decisions).toEqual([
      'events:CreateEventBus arn:aws:events:us-east-1:000000000000:event-bus/b',
      'events:DescribeEventBus arn:aws:events:us-east-1:000000000000:event-bus/b',
      'events:ListEventBuses *',
      'events:PutRule arn:aws:events:us-east-1:000000000000:rule/b/r',
      'events:DescribeRule arn:aws:events:us-east-1:000000000000:rule/b/r',
      'events:ListRules *',
      'events:PutTargets arn:aws:events:us-east-1:000000000000:rule/b/r',
      'events:ListTargetsByRule arn:aws:events:us-east-1:000000000000:rule/b/r',
      'events:DisableRule arn:aws:events:us-east-1:000000000000:rule/b/r',
      'events:EnableRule arn:aws:events:us-east-1:000000000000:rule/b/r',
      'events:RemoveTargets arn:aws:events:us-east-1:000000000000:rule/b/r',
      'events:DeleteRule arn:aws:events:us-east-1:000000000000:rule/b/r',
      'events:DeleteEventBus arn:aws:events:us-east-1:000000000000:event-bus/b',
      'events:TestEventPattern *',
      'events:PutEvents arn:aws:events:us-east-1:000000000000:event-bus/default',
    ]);
  });

  it('answers a denied operation with the authorizer error and changes nothing', async () => {
    // Prepare
    const deny: Authorize = (_caller, action, resource) => {
      throw new AwsServiceError('AccessDeniedException', `not authorized to perform: ${action} on resource: ${resource}`);
    };
    bridge = new LocalEventBridge({ accountId: ACCOUNT, region: REGION, authorize: deny, deliver: async () => undefined });
    // Act
    const denied = await call('CreateEventBus', { Name: 'b' });
    const buses = bridge.snapshot().buses.map((bus) => bus.name);
    // Assess
    expect(denied).toEqual({
      status: 400,
      body: { __type: 'AccessDeniedException', message: 'not authorized to perform: events:CreateEventBus on resource: arn:aws:events:us-east-1:000000000000:event-bus/b' },
    });
    expect(buses).toEqual(['default']);
  });
});

describe('rules', () => {
  it('PutRule on an existing rule updates pattern and state in place, keeping its targets and description', async () => {
    // Prepare
    await call('PutRule', { Name: 'r', EventPattern: '{"source":["a"]}', Description: 'first' });
    await call('PutTargets', { Rule: 'r', Targets: [{ Id: 't', Arn: FN, Input: '{"k":1}' }] });
    // Act
    const updated = await call('PutRule', { Name: 'r', EventPattern: '{"source":["b"]}', State: 'DISABLED' });
    const described = await call('DescribeRule', { Name: 'r' });
    const targets = await call('ListTargetsByRule', { Rule: 'r' });
    // Assess
    expect(updated.body).toEqual({ RuleArn: 'arn:aws:events:us-east-1:000000000000:rule/r' });
    expect(described.body).toEqual({
      Name: 'r',
      Arn: 'arn:aws:events:us-east-1:000000000000:rule/r',
      EventPattern: '{"source":["b"]}',
      State: 'DISABLED',
      EventBusName: 'default',
      Description: 'first',
    });
    expect(targets.body).toEqual({ Targets: [{ Id: 't', Arn: FN, Input: '{"k":1}' }] });
  });

  it('a disabled rule delivers nothing until it is enabled again', async () => {
    // Prepare
    await call('PutRule', { Name: 'r', EventPattern: '{"source":["s"]}' });
    await call('PutTargets', { Rule: 'r', Targets: [{ Id: 't', Arn: FN }] });
    await call('DisableRule', { Name: 'r' });
    // Act
    await call('PutEvents', { Entries: [{ Source: 's', DetailType: 'while-disabled', Detail: '{}' }] });
    await bridge.settled();
    await call('EnableRule', { Name: 'r' });
    await call('PutEvents', { Entries: [{ Source: 's', DetailType: 'after-enable', Detail: '{}' }] });
    await bridge.settled();
    // Assess
    expect(delivered).toEqual([`${FN} after-enable`]);
  });

  it('refuses an invalid ScheduleExpression, a missing pattern and an unknown state', async () => {
    // Act
    const scheduled = await call('PutRule', { Name: 'r', ScheduleExpression: 'rate(1 minutes)' });
    const noPattern = await call('PutRule', { Name: 'r' });
    const badState = await call('PutRule', { Name: 'r', EventPattern: '{"source":["s"]}', State: 'PAUSED' });
    // Assess
    expect(scheduled.body).toEqual({ __type: 'ValidationException', message: 'Parameter ScheduleExpression is not valid: rate(1 minutes)' });
    expect(noPattern.body).toEqual({ __type: 'ValidationException', message: 'Parameter(s) EventPattern or ScheduleExpression must be specified.' });
    expect(badState.body).toEqual({ __type: 'ValidationException', message: 'State PAUSED is not valid.' });
  });

  it('ListRules pages with Limit and NextToken, in name order', async () => {
    // Prepare
    for (const name of ['c', 'a', 'b']) await call('PutRule', { Name: name, EventPattern: '{"source":["s"]}' });
    // Act
    const first = await call('ListRules', { Limit: 2 });
    const second = await call('ListRules', { Limit: 2, NextToken: first.body['NextToken'] });
    // Assess
    expect((first.body['Rules'] as { Name: string }[]).map((r) => r.Name)).toEqual(['a', 'b']);
    expect(first.body['NextToken']).toBe('2');
    expect(second.body).toEqual({
      Rules: [{ Name: 'c', Arn: 'arn:aws:events:us-east-1:000000000000:rule/c', EventPattern: '{"source":["s"]}', State: 'ENABLED', EventBusName: 'default' }],
    });
  });
});

describe('targets', () => {
  it('PutTargets reports an invalid target as a failed entry and adds the valid ones', async () => {
    // Prepare
    await call('PutRule', { Name: 'r', EventPattern: '{"source":["s"]}' });
    // Act
    const put = await call('PutTargets', { Rule: 'r', Targets: [{ Id: 'ok', Arn: FN }, { Id: 'bad', Arn: 'not-an-arn' }] });
    const listed = await call('ListTargetsByRule', { Rule: 'r' });
    // Assess
    expect(put.body).toEqual({ FailedEntryCount: 1, FailedEntries: [{ TargetId: 'bad', ErrorCode: 'ValidationException', ErrorMessage: 'A target needs a valid Id and Arn.' }] });
    expect(listed.body).toEqual({ Targets: [{ Id: 'ok', Arn: FN }] });
  });

  it('refuses more than five targets on a rule and input shaping it does not emulate, changing nothing', async () => {
    // Prepare
    await call('PutRule', { Name: 'r', EventPattern: '{"source":["s"]}' });
    await call('PutTargets', { Rule: 'r', Targets: [{ Id: 't0', Arn: FN }] });
    const five = ['t1', 't2', 't3', 't4', 't5'].map((Id) => ({ Id, Arn: FN }));
    // Act
    const tooMany = await call('PutTargets', { Rule: 'r', Targets: five });
    const transformer = await call('PutTargets', { Rule: 'r', Targets: [{ Id: 'x', Arn: FN, InputTransformer: { InputTemplate: '"x"' } }] });
    const badInput = await call('PutTargets', { Rule: 'r', Targets: [{ Id: 'y', Arn: FN, Input: '{not json' }] });
    const listed = await call('ListTargetsByRule', { Rule: 'r' });
    // Assess
    expect(tooMany.body).toEqual({ __type: 'LimitExceededException', message: 'The requested resource exceeds the maximum number allowed.' });
    expect(transformer.body).toEqual({ __type: 'ValidationException', message: 'Target x: InputTransformer is not supported by the local cloud.' });
    expect(badInput.body).toEqual({ __type: 'ValidationException', message: 'Target y: Input is not valid JSON text.' });
    expect(listed.body).toEqual({ Targets: [{ Id: 't0', Arn: FN }] });
  });
});

describe('buses', () => {
  it('DeleteEventBus removes the bus with its rules; the default bus cannot be deleted', async () => {
    // Prepare
    await call('CreateEventBus', { Name: 'b', Description: 'project bus' });
    await call('PutRule', { Name: 'r', EventBusName: 'b', EventPattern: '{"source":["s"]}' });
    const described = await call('DescribeEventBus', { Name: 'b' });
    // Act
    const deleted = await call('DeleteEventBus', { Name: 'b' });
    const defaultBus = await call('DeleteEventBus', { Name: 'default' });
    const rulesAfter = bridge.snapshot().rules;
    const describedAfter = await call('DescribeEventBus', { Name: 'b' });
    // Assess
    expect(described.body).toEqual({ Name: 'b', Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/b', Description: 'project bus', CreationTime: 1795166045.678 });
    expect(deleted).toEqual({ status: 200, body: {} });
    expect(defaultBus.body).toEqual({ __type: 'ValidationException', message: 'Cannot delete event bus default.' });
    expect(rulesAfter).toEqual([]);
    expect(describedAfter.body).toEqual({ __type: 'ResourceNotFoundException', message: 'Event bus b does not exist.' });
  });

  it('names a bus of another account by its ARN in errors', async () => {
    // Act
    const foreign = await call('PutRule', { Name: 'r', EventBusName: 'arn:aws:events:us-east-1:111122223333:event-bus/theirs', EventPattern: '{"source":["s"]}' });
    // Assess
    expect(foreign.body).toEqual({
      __type: 'ResourceNotFoundException',
      message: 'Event bus arn:aws:events:us-east-1:111122223333:event-bus/theirs does not exist.',
    });
  });
});
