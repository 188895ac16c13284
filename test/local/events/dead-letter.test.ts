// A target EventBridge cannot deliver to: retried within the target's RetryPolicy, then the event
// goes to the target's dead-letter queue with the attributes EventBridge sets.
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsServiceError, type CallerIdentity } from '../../../local/core/types.js';
import { LocalEventBridge, type DeadLetter } from '../../../local/events/index.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const ADMIN: CallerIdentity = { accessKeyId: 'LOCALADMINACCESSKEY0', accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, principalType: 'account-root' };
const MISSING_FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:gone`;
const QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT}:dead-letters`;
const RULE = `arn:aws:events:${REGION}:${ACCOUNT}:rule/new-accounts`;

let bridge: LocalEventBridge;
let attempts: number;
let deadLetters: DeadLetter[];
let clockOffsetMs: number;
/** Runs on each delivery attempt, before it fails. */
let onAttempt: () => void;

beforeEach(() => {
  attempts = 0;
  deadLetters = [];
  clockOffsetMs = 0;
  onAttempt = () => undefined;
  bridge = new LocalEventBridge({
    accountId: ACCOUNT,
    region: REGION,
    authorize: () => undefined,
    retry: { baseDelayMs: 1 },
    now: () => Date.now() + clockOffsetMs,
    deliver: async (target) => {
      attempts += 1;
      onAttempt();
      throw new AwsServiceError('ResourceNotFoundException', `Function not found: ${target.arn}`, 404);
    },
    sendDeadLetter: async (deadLetter) => {
      deadLetters.push(deadLetter);
    },
  });
});

function ruleWith(target: Parameters<LocalEventBridge['putRule']>[0]['targets'][number]): void {
  bridge.putRule({ name: 'new-accounts', eventPattern: { source: ['aws.organizations'] }, targets: [target] });
}

describe('delivery failures', () => {
  it('are retried MaximumRetryAttempts times, then the event goes to the dead-letter queue', async () => {
    // Prepare
    ruleWith({ id: 'trigger', arn: MISSING_FUNCTION, retryPolicy: { maximumRetryAttempts: 2 }, deadLetterArn: QUEUE });

    // Act
    await bridge.publish({ source: 'aws.organizations', 'detail-type': 'AWS Service Event via CloudTrail', detail: { eventName: 'CreateAccountResult' } });
    await bridge.settled();

    // Assess
    expect(attempts).toBe(3);
    expect(deadLetters).toEqual([
      {
        queueArn: QUEUE,
        ruleArn: RULE,
        targetArn: MISSING_FUNCTION,
        event: expect.objectContaining({ source: 'aws.organizations', detail: { eventName: 'CreateAccountResult' } }),
        errorCode: 'RESOURCE_NOT_FOUND',
        errorMessage: `Function not found: ${MISSING_FUNCTION}`,
        condition: 'MaximumRetryAttemptsExhausted',
        retryAttempts: 2,
      },
    ]);
  });

  it('stop once the event is older than MaximumEventAgeInSeconds', async () => {
    // Prepare: the first attempt takes the event past its maximum age.
    ruleWith({ id: 'trigger', arn: MISSING_FUNCTION, retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 60 }, deadLetterArn: QUEUE });
    onAttempt = () => {
      clockOffsetMs += 61_000;
    };

    // Act
    await bridge.publish({ source: 'aws.organizations', 'detail-type': 'AWS Service Event via CloudTrail', detail: {} });
    await bridge.settled();

    // Assess
    expect(attempts).toBe(1);
    expect(deadLetters.map((d) => [d.condition, d.retryAttempts])).toEqual([['MaximumEventAgeExhausted', 0]]);
  });

  it('of a target without a dead-letter queue are logged and dropped', async () => {
    // Prepare
    ruleWith({ id: 'trigger', arn: MISSING_FUNCTION, retryPolicy: { maximumRetryAttempts: 0 } });

    // Act
    await bridge.publish({ source: 'aws.organizations', 'detail-type': 'AWS Service Event via CloudTrail', detail: {} });
    await bridge.settled();

    // Assess
    expect(attempts).toBe(1);
    expect(deadLetters).toEqual([]);
  });
});

describe('PutTargets and ListTargetsByRule', () => {
  async function call(action: string, params: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await bridge.handle({ service: 'events', action, params, caller: ADMIN, region: REGION, rawBody: JSON.stringify(params), path: '/', headers: {} });
    return { status: response.status, body: JSON.parse(response.body) as Record<string, unknown> };
  }

  it('keep a target RetryPolicy and DeadLetterConfig; a DeadLetterConfig that is no queue is refused', async () => {
    // Prepare
    await call('PutRule', { Name: 'r', EventPattern: JSON.stringify({ source: ['s'] }) });

    // Act
    await call('PutTargets', { Rule: 'r', Targets: [{ Id: 't', Arn: MISSING_FUNCTION, RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 }, DeadLetterConfig: { Arn: QUEUE } }] });
    const listed = await call('ListTargetsByRule', { Rule: 'r' });
    const notAQueue = await call('PutTargets', { Rule: 'r', Targets: [{ Id: 'u', Arn: MISSING_FUNCTION, DeadLetterConfig: { Arn: MISSING_FUNCTION } }] });
    const tooManyRetries = await call('PutTargets', { Rule: 'r', Targets: [{ Id: 'v', Arn: MISSING_FUNCTION, RetryPolicy: { MaximumRetryAttempts: 186 } }] });

    // Assess
    expect(listed.body).toEqual({
      Targets: [{ Id: 't', Arn: MISSING_FUNCTION, RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 }, DeadLetterConfig: { Arn: QUEUE } }],
    });
    expect(notAQueue).toEqual({ status: 400, body: { __type: 'ValidationException', message: 'Target u: DeadLetterConfig.Arn must be the ARN of an SQS queue.' } });
    expect(tooManyRetries).toEqual({ status: 400, body: { __type: 'ValidationException', message: 'Target v: RetryPolicy.MaximumRetryAttempts must be an integer from 0 to 185.' } });
  });
});
