// The real onboarding ASL, executed by aws-local-stepfunctions with the real handlers, against the
// local cloud's IAM, STS, Organizations, EventBridge and DynamoDB (see test/support/workflow-suite.cloud.ts).
import { describe, expect, it, vi } from 'vitest';
import { CAPA_MINIMAL_POLICY } from '../../functions/shared/domain/capa-policy.js';
import type { ProviderRequest } from '../../functions/shared/domain/provider-request.js';
import { MANAGEMENT_ACCOUNT } from '../support/workflow-cloud.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud();

function request(accountId: string, name: string, overrides: Partial<ProviderRequest> = {}): ProviderRequest {
  return { workspace: 'payments', name, accountId, ...overrides };
}

function totalInvocations(invocations: Record<string, number>): number {
  return Object.values(invocations).reduce((sum, count) => sum + count, 0);
}

describe('onboarding workflow', () => {
  it('creates the role with CAPA policy and two-statement trust, grants, verifies, records READY and emits Provider Ready', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    const providerRequest = request(accountId, 'happy-path', { externalId: 'portal-supplied-external-id-0001' });

    // Act
    const { run, provider } = await suite.cloud.onboard(providerRequest);

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(provider.status).toBe('READY');
    const role = suite.cloud.role(accountId, 'capa-payments-happy-path');
    expect(role?.arn).toBe(`arn:aws:iam::${accountId}:role/capa-providers/capa-payments-happy-path`);
    expect(role?.path).toBe('/capa-providers/');
    expect(role?.assumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ManagementAccountAssumeRole',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${MANAGEMENT_ACCOUNT}:root` },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': 'portal-supplied-external-id-0001' } },
        },
        { Sid: 'Ec2AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
    const policyArn = `arn:aws:iam::${accountId}:policy/capa-providers/capa-payments-happy-path-capa-1`;
    expect(role?.attachedPolicyArns).toEqual([policyArn]);
    expect(suite.cloud.policies(accountId).map((policy) => [policy.arn, policy.document])).toEqual([[policyArn, CAPA_MINIMAL_POLICY]]);
    expect(provider.roleArn).toBe(role?.arn);
    expect(provider.policyArns).toEqual([policyArn]);
    const grant = suite.cloud.managementGrant();
    expect(grant?.Statement).toEqual([
      { Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/capa-providers/*' },
    ]);
    const events = suite.cloud.events('payments.happy-path');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ 'detail-type': 'Provider Ready', source: 'capa-provider-onboarding' });
    expect(events[0]?.detail).toMatchObject({
      providerId: provider.providerId,
      status: 'READY',
      roleArn: role?.arn,
      executionArn: provider.executionArn,
    });
  });

  it('enters exactly the six happy-path states and invokes five functions, one per task state', async () => {
    // Prepare
    const providerRequest = request(await suite.cloud.createAccount(), 'transitions');

    // Act
    const { run } = await suite.cloud.onboard(providerRequest);

    // Assess
    expect(run.statesEntered).toEqual([
      'Create Role In Target Account',
      'Attach CAPA Policies',
      'Grant Management Role Access',
      'Verify Role Is Assumable',
      'Record Provider Ready',
      'Onboarded',
    ]);
    expect(totalInvocations(run.invocations)).toBe(5);
  });

  it('never logs the External ID and tags every workflow log line with providerId and executionArn', async () => {
    // Prepare: the role propagates only before the second verification, so warnings are logged too.
    const providerRequest = request(await suite.cloud.createAccount(), 'quiet', { externalId: 'never-log-me-0123456789-abcdef' });
    suite.cloud.setPropagationDelay(60_000);
    const propagateBeforeSecondVerification = (stateName: string, invocation: number) => {
      if (stateName === 'Verify Role Is Assumable' && invocation === 2) suite.cloud.advanceIamClock(60_000);
    };

    // Act
    const { provider } = await suite.cloud.onboard(providerRequest, { beforeTask: propagateBeforeSecondVerification });

    // Assess
    const lines = suite.output.jsonLines();
    expect(lines.length).toBeGreaterThan(4);
    expect(lines.map((line) => line.level)).toContain('WARN');
    expect(suite.output.text()).not.toContain('never-log-me-0123456789-abcdef');
    for (const line of lines) {
      expect(line).toMatchObject({ providerId: provider.providerId, executionArn: provider.executionArn });
    }
  });

  it('retries verification while IAM propagates (AccessDenied several times) and then succeeds', async () => {
    // Prepare: the new role propagates only once three verifications have been denied.
    suite.cloud.setPropagationDelay(60_000);
    const propagateBeforeFourthVerification = (stateName: string, invocation: number) => {
      if (stateName === 'Verify Role Is Assumable' && invocation === 4) suite.cloud.advanceIamClock(60_000);
    };

    // Act
    const { run, provider } = await suite.cloud.onboard(request(await suite.cloud.createAccount(), 'propagating'), {
      beforeTask: propagateBeforeFourthVerification,
    });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(provider.status).toBe('READY');
    expect(run.invocations['Verify Role Is Assumable']).toBe(4);
  });

  it('verifies a role that propagates while verification polls within that one invocation: five invocations, six states', async () => {
    // Prepare: the role propagates as the second AssumeRole with the External ID arrives, and the
    // verification has ample time to poll (10 s, so about 7.5 s of polling).
    suite.cloud.setPropagationDelay(60_000);
    let polls = 0;
    suite.cloud.onRequest('sts', 'AssumeRole', (params) => {
      if (params.ExternalId !== undefined && (polls += 1) === 2) suite.cloud.advanceIamClock(60_000);
    });

    // Act
    const { run, provider } = await suite.cloud.onboard(request(await suite.cloud.createAccount(), 'polled'), {
      functionTimeoutMs: { 'verify-role': 10_000 },
    });

    // Assess
    expect(provider.status).toBe('READY');
    expect(run.invocations['Verify Role Is Assumable']).toBe(1);
    expect(totalInvocations(run.invocations)).toBe(5);
    expect(run.statesEntered).toHaveLength(6);
    expect(polls).toBe(2);
  });

  it('fails with EXTERNAL_ID_NOT_ENFORCED when the role can be assumed without the External ID, and compensates', async () => {
    // Prepare: the role's trust policy loses its External ID condition after creation.
    const accountId = await suite.cloud.createAccount();
    const providerRequest = request(accountId, 'unenforced');

    // Act
    const { run, provider } = await suite.cloud.onboard(providerRequest, {
      beforeTask: suite.cloud.dropExternalIdConditionBeforeVerification(accountId, 'capa-payments-unenforced'),
    });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(provider.reason).toBe('EXTERNAL_ID_NOT_ENFORCED');
    expect(suite.cloud.providerResources(accountId)).toEqual([]);
    expect(run.statesEntered).toContain('Remove Created Resources');
  });

  it('fails with ROLE_CONFLICT on an existing role with another External ID, and leaves that role and its policy alone', async () => {
    // Prepare: another provider's role already has our role's name, with its policy under our policy's name.
    const accountId = await suite.cloud.createAccount();
    const providerRequest = request(accountId, 'taken', { externalId: 'ours-0000000000000000' });
    const theirs = { 'capa-onboarding:provider-id': 'billing.taken', 'capa-onboarding:created-by-execution': 'billing_taken_1' };
    suite.cloud.createRole(accountId, {
      roleName: 'capa-payments-taken',
      path: '/capa-providers/',
      trust: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${MANAGEMENT_ACCOUNT}:root` },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': 'theirs-000000000000' } },
          },
        ],
      },
      tags: theirs,
    });
    const policyArn = suite.cloud.createPolicy(accountId, {
      policyName: 'capa-payments-taken-capa-1',
      path: '/capa-providers/',
      document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' }] },
      tags: theirs,
    });
    suite.cloud.attachRolePolicy(accountId, 'capa-payments-taken', policyArn);
    const roleBefore = suite.cloud.role(accountId, 'capa-payments-taken');
    const policiesBefore = suite.cloud.policies(accountId);

    // Act
    const { run, provider } = await suite.cloud.onboard(providerRequest);

    // Assess
    expect(run.status).toBe('FAILED');
    expect(provider.reason).toBe('ROLE_CONFLICT');
    expect(suite.cloud.role(accountId, 'capa-payments-taken')).toEqual(roleBefore);
    expect(suite.cloud.role(accountId, 'capa-payments-taken')?.attachedPolicyArns).toEqual([policyArn]);
    expect(suite.cloud.operations('iam', 'DeleteRole')).toBe(0);
    expect(suite.cloud.policies(accountId)).toEqual(policiesBefore);
    expect(suite.cloud.policies(accountId).map((policy) => policy.arn)).toEqual([policyArn]);
  });

  it('fails with BOOTSTRAP_ROLE_DENIED when the account does not trust the service, creating nothing', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    suite.cloud.refuseBootstrap(accountId);

    // Act
    const { run, provider } = await suite.cloud.onboard(request(accountId, 'untrusted'));

    // Assess
    expect(run.status).toBe('FAILED');
    expect(provider.reason).toBe('BOOTSTRAP_ROLE_DENIED');
    expect(provider.message).toContain('OrganizationAccountAccessRole');
    expect(suite.cloud.providerResources(accountId)).toEqual([]);
  });

  it('survives IAM and STS throttling by retrying the step', async () => {
    // Prepare: throttling that outlasts the SDK's own retries (every attempt of an operation is
    // throttled) reaches the step. The SDK backs off by random × base × 2^attempt: pinning
    // random to 0 keeps its five attempts but not its waiting.
    vi.spyOn(Math, 'random').mockReturnValue(0);
    suite.cloud.injectFault({ service: 'iam', action: 'CreateRole', kind: 'throttle', operations: 2 });
    suite.cloud.injectFault({ service: 'iam', action: 'AttachRolePolicy', kind: 'throttle', operations: 1 });
    suite.cloud.injectFault({ service: 'sts', action: 'AssumeRole', kind: 'throttle', operations: 1 });

    // Act
    const { run, provider } = await suite.cloud.onboard(request(await suite.cloud.createAccount(), 'throttled'));

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(provider.status).toBe('READY');
    expect(run.invocations['Create Role In Target Account']).toBe(4);
    expect(run.invocations['Attach CAPA Policies']).toBe(2);
    expect(suite.cloud.operations('iam', 'CreateRole')).toBe(3);
  });

  it('is idempotent when the same execution is delivered twice: one role, one policy, READY', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    const { run: first, provider, start } = await suite.cloud.onboard(request(accountId, 'twice'));
    const resourcesBefore = suite.cloud.providerResources(accountId);

    // Act
    const second = await suite.cloud.run(start);

    // Assess
    expect(first.status).toBe('SUCCEEDED');
    expect(second.status).toBe('SUCCEEDED');
    expect(resourcesBefore).toEqual([
      `arn:aws:iam::${accountId}:role/capa-providers/capa-payments-twice`,
      `arn:aws:iam::${accountId}:policy/capa-providers/capa-payments-twice-capa-1`,
    ]);
    expect(suite.cloud.providerResources(accountId)).toEqual(resourcesBefore);
    expect((await suite.cloud.registry.get(provider.providerId))?.status).toBe('READY');
  });

  it('a failed provider retried with the same request runs attempt 2 under a new execution name', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    const providerRequest = request(accountId, 'retried');
    suite.cloud.refuseBootstrap(accountId);
    const first = await suite.cloud.onboard(providerRequest);
    suite.cloud.restoreBootstrap(accountId);

    // Act
    const second = await suite.cloud.onboard(providerRequest);

    // Assess
    expect(first.provider.status).toBe('FAILED');
    expect(second.start.name).toBe('payments_retried_2');
    expect(second.provider).toMatchObject({ status: 'READY', attempt: 2 });
    expect(second.provider.reason).toBeUndefined();
  });
});

describe('a stale execution (its provider moved on to a newer attempt)', () => {
  it('records nothing and announces nothing when it succeeds', async () => {
    // Prepare: a newer request takes the provider over just before this run records its outcome.
    const providerRequest = request(await suite.cloud.createAccount(), 'overtaken');
    const newerAttemptBeforeRecording = async (stateName: string) => {
      if (stateName === 'Record Provider Ready') await suite.cloud.moveProviderToAttempt('payments.overtaken', 2);
    };

    // Act
    const { run, provider } = await suite.cloud.onboard(providerRequest, { beforeTask: newerAttemptBeforeRecording });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.results['Record Provider Ready']).toEqual([{ status: 'READY', reason: null, message: null }]);
    expect(provider).toMatchObject({ attempt: 2, status: 'PENDING' });
    expect(provider.readyAt).toBeUndefined();
    expect(suite.cloud.events('payments.overtaken')).toEqual([]);
  });

  it('records nothing and announces nothing when it fails', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    suite.cloud.refuseBootstrap(accountId);
    const newerAttemptBeforeRecording = async (stateName: string) => {
      if (stateName === 'Record Provider Failed') await suite.cloud.moveProviderToAttempt('payments.overtaken-failing', 2);
    };

    // Act
    const { run, provider } = await suite.cloud.onboard(request(accountId, 'overtaken-failing'), { beforeTask: newerAttemptBeforeRecording });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('BOOTSTRAP_ROLE_DENIED');
    expect(provider).toMatchObject({ attempt: 2, status: 'PENDING' });
    expect(provider.reason).toBeUndefined();
    expect(suite.cloud.events('payments.overtaken-failing')).toEqual([]);
  });
});
