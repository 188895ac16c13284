// End to end: an operator stops an onboarding while one of its steps is creating something in the
// target account. AWS lets the running Lambda finish, so the step may create the role or the CAPA
// policy after execution-ended has recorded FAILED and removed what the execution had created so
// far. Nothing may be left behind: a FAILED provider owns nothing in the account.
import { GetExecutionHistoryCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  clientConfig,
  deployedFunctions,
  ensureSynthesized,
  eventually,
  FunctionLog,
  memberIam,
  PRODUCT_BUS,
  providerResourcesIn,
  startTestCloud,
  type LocalCloud,
  type ProviderBody,
} from './support.js';

beforeAll(() => {
  ensureSynthesized();
}, 180_000);

/** How long the slowed IAM write takes: long enough for the stop and execution-ended to finish first. */
const SLOW_WRITE = 'latency:4000';

describe('an onboarding stopped while a step writes in the target account', () => {
  let cloud: LocalCloud;
  const functionLog = new FunctionLog();

  beforeAll(async () => {
    cloud = await startTestCloud({ propagationDelayMs: [0, 0], retryIntervalScale: 0.05, functionLog: functionLog.sink });
  }, 120_000);

  afterAll(async () => {
    await cloud?.close();
  });

  /** Resolves once a log line of `step` (its function's logical id) about the provider contains one of `texts`. */
  function logged(step: string, providerId: string, texts: string[], mark: number): Promise<true> {
    const stepFunction = deployedFunctions(cloud)[step];
    return eventually(`${step}: ${texts.join(' or ')} for ${providerId}`, async () =>
      functionLog
        .since(mark)
        .some(({ functionName, line }) => functionName === stepFunction && line.includes(`"providerId":"${providerId}"`) && texts.some((text) => line.includes(text)))
        ? true
        : undefined,
    );
  }

  /** Resolves once execution-ended has announced the provider failed (after its removal). */
  function providerFailedAnnounced(providerId: string): Promise<true> {
    return eventually(`Provider Failed about ${providerId}`, async () =>
      cloud.events
        .recordedEvents(PRODUCT_BUS)
        .some((event) => event['detail-type'] === 'Provider Failed' && (event.detail as { providerId?: string }).providerId === providerId)
        ? true
        : undefined,
    );
  }

  /** Stops the provider's execution once its history shows `stateName` entered (its Lambda then runs). */
  async function stopOnceEntered(providerId: string, stateName: string): Promise<void> {
    const sfn = new SFNClient(clientConfig(cloud));
    const { executionArn } = await eventually(`${providerId} started`, async () => {
      const provider = (await api(cloud).get(providerId)).body as ProviderBody;
      return provider.executionArn ? provider : undefined;
    });
    await eventually(`${stateName} entered`, async () => {
      const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
      return events.some((event) => event.type === 'TaskStateEntered' && event.stateEnteredEventDetails?.name === stateName) ? true : undefined;
    });
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stopped mid-step' }));
    await providerFailedAnnounced(providerId);
  }

  it('create-role still running when the stop lands: the role it creates afterwards is removed, the provider FAILED EXECUTION_ABORTED', async () => {
    // Prepare
    cloud.faults.replaceRules(`iam:CreateRole=${SLOW_WRITE}`);
    const { accountId } = cloud.iam.inviteAccount('team-late-role', 'late-role@example.com');
    const mark = functionLog.mark();
    await api(cloud).post({ workspace: 'late', name: 'role', accountId });

    // Act
    await stopOnceEntered('late.role', 'Create Role In Target Account');
    // The stopped execution's create-role invocation runs to its end.
    await logged('OnboardingWorkflowCreateRole', 'late.role', ['Provider role in place', 'Invocation failed'], mark);
    const provider = (await api(cloud).get('late.role')).body as ProviderBody;

    // Assess
    expect(provider).toMatchObject({ status: 'FAILED', reason: 'EXECUTION_ABORTED', attempt: 1 });
    expect(await providerResourcesIn(await memberIam(cloud, accountId))).toEqual([]);
  }, 60_000);

  it('attach-policies still running when the stop lands: the policy it creates afterwards is removed, the provider FAILED EXECUTION_ABORTED', async () => {
    // Prepare
    cloud.faults.replaceRules(`iam:CreatePolicy=${SLOW_WRITE}`);
    const { accountId } = cloud.iam.inviteAccount('team-late-policy', 'late-policy@example.com');
    const mark = functionLog.mark();
    await api(cloud).post({ workspace: 'late', name: 'policy', accountId });

    // Act
    await stopOnceEntered('late.policy', 'Attach CAPA Policies');
    // The stopped execution's attach-policies invocation runs to its end.
    await logged('OnboardingWorkflowAttachPolicies', 'late.policy', ['CAPA policies attached', 'Invocation failed'], mark);
    const provider = (await api(cloud).get('late.policy')).body as ProviderBody;

    // Assess
    expect(provider).toMatchObject({ status: 'FAILED', reason: 'EXECUTION_ABORTED', attempt: 1 });
    expect(await providerResourcesIn(await memberIam(cloud, accountId))).toEqual([]);
  }, 60_000);
});
