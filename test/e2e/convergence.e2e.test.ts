// End to end: the registry converges with the onboarding execution whatever ends it. An operator's
// StopExecution and the state machine's timeout reach the execution-ended function through
// Step Functions' status-change events on the default bus; a provider whose event was lost, or
// whose execution was lost altogether, is converged by the next POST.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DisableRuleCommand, EnableRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  clientConfig,
  ensureSynthesized,
  eventually,
  executionsNamed,
  memberIam,
  onboardingStateMachineArn,
  PRODUCT_BUS,
  providerResourcesIn,
  registryTableName,
  startTestCloud,
  waitForProvider,
  type LocalCloud,
  type ProviderBody,
} from './support.js';

beforeAll(() => {
  ensureSynthesized();
}, 180_000);

/** Longer than any test: a role created under it never becomes assumable, so verification waits. */
const NEVER_PROPAGATES_MS = 600_000;

async function providerIn(cloud: LocalCloud, providerId: string, statuses: string[]): Promise<ProviderBody> {
  return eventually(`${providerId} in ${statuses.join(' or ')}`, async () => {
    const provider = (await api(cloud).get(providerId)).body as ProviderBody;
    return statuses.includes(provider.status) ? provider : undefined;
  });
}

/** "Provider Failed" events about the provider on the product bus, once `count` are there. */
async function providerFailedEvents(cloud: LocalCloud, providerId: string, count: number) {
  return eventually(`${count} Provider Failed event(s) about ${providerId}`, async () => {
    const failed = cloud.events
      .recordedEvents(PRODUCT_BUS)
      .filter((event) => event['detail-type'] === 'Provider Failed' && (event.detail as { providerId?: string }).providerId === providerId);
    return failed.length >= count ? failed : undefined;
  });
}

/** The statuses Step Functions announced on the default bus for one execution, in order. */
function announcedStatuses(cloud: LocalCloud, executionArn: string): unknown[] {
  return cloud.events
    .recordedEvents('default')
    .filter((event) => event['detail-type'] === 'Step Functions Execution Status Change' && (event.detail as { executionArn?: string }).executionArn === executionArn)
    .map((event) => (event.detail as { status?: string }).status);
}

function executionEndedRuleName(cloud: LocalCloud): string {
  const rule = Object.values(cloud.stack.resources).find((resource) => resource.type === 'AWS::Events::Rule' && resource.logicalId.startsWith('ExecutionEndedOnboardingExecutionEnded'));
  if (!rule) throw new Error('The stack has no execution-ended rule');
  return rule.physicalId;
}

describe('an onboarding stopped by an operator, or whose end went unheard', () => {
  let cloud: LocalCloud;

  beforeAll(async () => {
    // Real retry intervals: verification waits seconds between attempts, so a stop finds it running.
    cloud = await startTestCloud({ propagationDelayMs: [NEVER_PROPAGATES_MS, NEVER_PROPAGATES_MS], retryIntervalScale: 1 });
  }, 120_000);

  afterEach(async () => {
    cloud.iam.setPropagationDelay(() => NEVER_PROPAGATES_MS);
    cloud.faults.replaceRules('');
    await new EventBridgeClient(clientConfig(cloud)).send(new EnableRuleCommand({ Name: executionEndedRuleName(cloud) }));
  });

  afterAll(async () => {
    await cloud?.close();
  });

  it('StopExecution on a running onboarding: FAILED EXECUTION_ABORTED, its role and policy removed, Provider Failed; a later POST starts attempt 2, which reaches READY', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-stop-dev', 'stop-dev@example.com');
    await api(cloud).post({ workspace: 'stop', name: 'dev', accountId });
    const verifying = await providerIn(cloud, 'stop.dev', ['VERIFYING']);
    const iam = await memberIam(cloud, accountId);
    const createdBeforeStop = await providerResourcesIn(iam);
    const sfn = new SFNClient(clientConfig(cloud));

    // Act
    await sfn.send(new StopExecutionCommand({ executionArn: verifying.executionArn, error: 'Operator', cause: 'stopped in a test' }));
    const [failedEvent] = await providerFailedEvents(cloud, 'stop.dev', 1);
    const failed = (await api(cloud).get('stop.dev')).body as ProviderBody;
    const leftAfterStop = await providerResourcesIn(iam);
    cloud.iam.setPropagationDelay(() => 0);
    const retried = await api(cloud).post({ workspace: 'stop', name: 'dev', accountId });
    const ready = await waitForProvider(cloud, 'stop.dev');

    // Assess
    expect(createdBeforeStop).toHaveLength(2);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: verifying.executionArn }))).status).toBe('ABORTED');
    expect(announcedStatuses(cloud, verifying.executionArn)).toEqual(['RUNNING', 'ABORTED']);
    expect(failed).toMatchObject({
      status: 'FAILED',
      attempt: 1,
      reason: 'EXECUTION_ABORTED',
      message: 'Execution stop_dev_1 was stopped before it recorded an outcome (Operator: stopped in a test).',
    });
    expect(failedEvent?.detail).toMatchObject({ providerId: 'stop.dev', status: 'FAILED', reason: 'EXECUTION_ABORTED', executionArn: verifying.executionArn });
    expect(leftAfterStop).toEqual([]);
    expect(retried.status).toBe(202);
    expect((retried.body as { provider: ProviderBody }).provider).toMatchObject({ status: 'PENDING', attempt: 2 });
    expect(ready).toMatchObject({ status: 'READY', attempt: 2, reason: null, executionArn: expect.stringMatching(/:stop_dev_2$/) });
    expect((await providerResourcesIn(iam)).sort()).toEqual([
      `arn:aws:iam::${accountId}:policy/capa-providers/capa-stop-dev-capa-1`,
      `arn:aws:iam::${accountId}:role/capa-providers/capa-stop-dev`,
    ]);
    expect((await executionsNamed(cloud, 'stop_dev_')).map((execution) => [execution.name, execution.status])).toEqual([
      ['stop_dev_2', 'SUCCEEDED'],
      ['stop_dev_1', 'ABORTED'],
    ]);
  });

  it('a POST sent as soon as the stop shows FAILED waits for the removal (409, Retry-After), then starts attempt 2, which reaches READY with its role and policy', async () => {
    // Prepare: each DeleteRole waits 3 s before IAM acts on it, so execution-ended is still
    // removing attempt 1's role when the POST arrives (FAILED is recorded before the removal).
    const { accountId } = cloud.iam.inviteAccount('team-hasty-dev', 'hasty-dev@example.com');
    await api(cloud).post({ workspace: 'hasty', name: 'dev', accountId });
    const verifying = await providerIn(cloud, 'hasty.dev', ['VERIFYING']);
    cloud.faults.replaceRules('iam:DeleteRole=latency:3000');
    await new SFNClient(clientConfig(cloud)).send(new StopExecutionCommand({ executionArn: verifying.executionArn, error: 'Operator', cause: 'retried at once' }));
    await providerIn(cloud, 'hasty.dev', ['FAILED']);
    cloud.iam.setPropagationDelay(() => 0);

    // Act
    const refused = await api(cloud).post({ workspace: 'hasty', name: 'dev', accountId });
    const accepted = await eventually('the POST accepted', async () => {
      const answer = await api(cloud).post({ workspace: 'hasty', name: 'dev', accountId });
      return answer.status === 202 ? answer : undefined;
    });
    const ready = await waitForProvider(cloud, 'hasty.dev');

    // Assess
    expect(refused.status).toBe(409);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.body).toEqual({
      error: {
        code: 'CONFLICT',
        message: `Provider hasty.dev is FAILED and what its execution (${verifying.executionArn}) created is still being removed; send the request again in a few seconds`,
        details: [],
      },
    });
    expect((accepted.body as { provider: ProviderBody }).provider).toMatchObject({ status: 'PENDING', attempt: 2 });
    expect(ready).toMatchObject({ status: 'READY', attempt: 2, reason: null });
    expect((await providerResourcesIn(await memberIam(cloud, accountId))).sort()).toEqual([
      `arn:aws:iam::${accountId}:policy/capa-providers/capa-hasty-dev-capa-1`,
      `arn:aws:iam::${accountId}:role/capa-providers/capa-hasty-dev`,
    ]);
  });

  it('a provider left CREATING by a stopped execution whose status-change event was lost is restarted by the next POST', async () => {
    // Prepare: CreateRole fails (5xx) so the run stays in its first step, retried; the rule that
    // hears executions end is disabled, as if the event were lost.
    cloud.faults.replaceRules('iam:CreateRole=error5xx:1');
    await new EventBridgeClient(clientConfig(cloud)).send(new DisableRuleCommand({ Name: executionEndedRuleName(cloud) }));
    const { accountId } = cloud.iam.inviteAccount('team-lost-dev', 'lost-dev@example.com');
    await api(cloud).post({ workspace: 'lost', name: 'dev', accountId });
    const creating = await providerIn(cloud, 'lost.dev', ['CREATING']);
    const sfn = new SFNClient(clientConfig(cloud));
    await sfn.send(new StopExecutionCommand({ executionArn: creating.executionArn }));
    await eventually('attempt 1 aborted', async () =>
      (await sfn.send(new DescribeExecutionCommand({ executionArn: creating.executionArn }))).status === 'ABORTED' ? true : undefined,
    );
    const stranded = (await api(cloud).get('lost.dev')).body as ProviderBody;
    cloud.faults.replaceRules('');
    cloud.iam.setPropagationDelay(() => 0);

    // Act
    const retried = await api(cloud).post({ workspace: 'lost', name: 'dev', accountId });
    const ready = await waitForProvider(cloud, 'lost.dev');

    // Assess
    expect(stranded).toMatchObject({ status: 'CREATING', attempt: 1 });
    expect(retried.status).toBe(202);
    expect((retried.body as { provider: ProviderBody }).provider).toMatchObject({ status: 'PENDING', attempt: 2, executionArn: expect.stringMatching(/:lost_dev_2$/) });
    expect(ready).toMatchObject({ status: 'READY', attempt: 2 });
    expect(await providerResourcesIn(await memberIam(cloud, accountId))).toHaveLength(2);
  });

  it('a provider left CREATING with no execution at all (its StartExecution lost in a crash) is started again by the next POST, same attempt', async () => {
    // Prepare: the registry holds what the API wrote and a step marked; Step Functions has nothing.
    cloud.iam.setPropagationDelay(() => 0);
    const { accountId } = cloud.iam.inviteAccount('team-crash-dev', 'crash-dev@example.com');
    const executionArn = `${onboardingStateMachineArn(cloud).replace(':stateMachine:', ':execution:')}:crash_dev_1`;
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(cloud)));
    await documents.send(
      new PutCommand({
        TableName: registryTableName(cloud),
        Item: {
          providerId: 'crash.dev',
          workspace: 'crash',
          name: 'dev',
          accountId,
          roleName: 'capa-crash-dev',
          rolePath: '/capa-providers/',
          roleArn: `arn:aws:iam::${accountId}:role/capa-providers/capa-crash-dev`,
          trustEc2: true,
          externalId: 'crash-external-id-0001',
          externalIdSource: 'supplied',
          status: 'CREATING',
          attempt: 1,
          executionName: 'crash_dev_1',
          executionArn,
          createdAt: '2026-11-28T00:00:00.000Z',
          updatedAt: '2026-11-28T00:00:01.000Z',
        },
      }),
    );

    // Act
    const retried = await api(cloud).post({ workspace: 'crash', name: 'dev', accountId, externalId: 'crash-external-id-0001' });
    const ready = await waitForProvider(cloud, 'crash.dev');

    // Assess
    expect(retried.status).toBe(202);
    expect(ready).toMatchObject({ status: 'READY', attempt: 1, executionArn });
    expect((await executionsNamed(cloud, 'crash_dev_')).map((execution) => execution.name)).toEqual(['crash_dev_1']);
  });
});

describe("an onboarding ended by the state machine's timeout", () => {
  let cloud: LocalCloud;

  beforeAll(async () => {
    // The definition's 1,800 s scaled to 9 s: the first steps are done well before, verification is not.
    cloud = await startTestCloud({
      propagationDelayMs: [NEVER_PROPAGATES_MS, NEVER_PROPAGATES_MS],
      retryIntervalScale: 1,
      executionTimeoutScale: 0.005,
    });
  }, 120_000);

  afterAll(async () => {
    await cloud?.close();
  });

  it('records FAILED TIMEOUT, removes the role and policy, and emits Provider Failed', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-slow-dev', 'slow-dev@example.com');

    // Act
    const accepted = await api(cloud).post({ workspace: 'slow', name: 'dev', accountId });
    const [failedEvent] = await providerFailedEvents(cloud, 'slow.dev', 1);
    const provider = (await api(cloud).get('slow.dev')).body as ProviderBody;

    // Assess
    expect(accepted.status).toBe(202);
    const { executionArn } = provider;
    const execution = await new SFNClient(clientConfig(cloud)).send(new DescribeExecutionCommand({ executionArn }));
    expect(execution).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(announcedStatuses(cloud, executionArn)).toEqual(['RUNNING', 'TIMED_OUT']);
    expect(provider).toMatchObject({ status: 'FAILED', reason: 'TIMEOUT', message: 'Execution slow_dev_1 timed out before it recorded an outcome.' });
    expect(failedEvent?.detail).toMatchObject({ providerId: 'slow.dev', status: 'FAILED', reason: 'TIMEOUT', executionArn });
    expect(await providerResourcesIn(await memberIam(cloud, accountId))).toEqual([]);
  }, 60_000);
});
