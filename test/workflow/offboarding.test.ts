// The offboarding workflow (statemachine/offboard-provider.asl.json) run as deployed against the
// in-process local cloud: it removes only what carries this product's tag for the provider, leaves
// everything else in place and names it, records a DELETED tombstone and announces it.
import { describe, expect, it } from 'vitest';
import type { ProviderRequest } from '../../functions/shared/domain/provider-request.js';
import { buildTrustPolicy } from '../../functions/shared/domain/trust-policy.js';
import type { PolicyDocument } from '../support/workflow-cloud.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud();

function request(accountId: string, name: string): ProviderRequest {
  return { workspace: 'payments', name, accountId, externalId: `external-id-of-${name}` };
}

const HAPPY_PATH = ['Revoke Management Grant', 'Remove Role And CAPA Policies', 'Record Provider Deleted', 'Offboarded'];

describe('offboarding a provider', () => {
  it('removes the role and its CAPA policy, records a DELETED tombstone and emits Provider Deleted, in 4 transitions and 3 invocations', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    await suite.cloud.onboard(request(accountId, 'gone'));

    // Act
    const { answer, run, provider } = await suite.cloud.offboard('payments', 'gone');

    // Assess
    const roleArn = `arn:aws:iam::${accountId}:role/capa-providers/capa-payments-gone`;
    const policyArn = `arn:aws:iam::${accountId}:policy/capa-providers/capa-payments-gone-capa-1`;
    expect(answer).toMatchObject({ outcome: 'started', provider: { status: 'DELETING', attempt: 2, executionName: 'payments_gone_2' } });
    expect(run?.status).toBe('SUCCEEDED');
    expect(run?.statesEntered).toEqual(HAPPY_PATH);
    expect(run?.invocations).toEqual({ 'Revoke Management Grant': 1, 'Remove Role And CAPA Policies': 1, 'Record Provider Deleted': 1 });
    expect(suite.cloud.providerResources(accountId)).toEqual([]);
    expect(provider).toMatchObject({
      status: 'DELETED',
      attempt: 2,
      deletedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      offboarding: { force: false, removed: [policyArn, roleArn], leftInPlace: [] },
    });
    const events = suite.cloud.events('payments.gone');
    expect(events.map((event) => event['detail-type'])).toEqual(['Provider Ready', 'Provider Deleted']);
    expect(events[1]?.detail).toEqual({
      providerId: 'payments.gone',
      workspace: 'payments',
      name: 'gone',
      accountId,
      roleArn,
      status: 'DELETED',
      reason: null,
      message: null,
      policyVersion: expect.stringMatching(/^sha256:/),
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:OffboardProvider:payments_gone_2',
      deletedAt: provider?.deletedAt,
      removed: [policyArn, roleArn],
      leftInPlace: [],
    });
    expect(JSON.stringify(events)).not.toContain('external-id-of-gone');
    expect(suite.output.text()).not.toContain('external-id-of-gone');
  });

  it('leaves the shared path grant in place: it serves every provider', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    await suite.cloud.onboard(request(accountId, 'shared'));
    const grantBefore = suite.cloud.managementGrant();

    // Act
    const { run } = await suite.cloud.offboard('payments', 'shared');

    // Assess
    expect(run?.results['Revoke Management Grant']).toEqual([{ mode: 'path', removed: [], leftInPlace: [] }]);
    expect(grantBefore).toBeDefined();
    expect(suite.cloud.managementGrant()).toEqual(grantBefore);
  });

  it('is idempotent: a DELETE of a DELETED provider starts nothing and answers the tombstone', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    await suite.cloud.onboard(request(accountId, 'twice'));
    const first = await suite.cloud.offboard('payments', 'twice');

    // Act
    const second = await suite.cloud.offboard('payments', 'twice');

    // Assess
    expect(second.answer).toEqual({ outcome: 'deleted', provider: first.provider });
    expect(second.run).toBeUndefined();
    expect(suite.cloud.events('payments.twice').map((event) => event['detail-type'])).toEqual(['Provider Ready', 'Provider Deleted']);
  });

  it('answers not-found for a provider that never existed', async () => {
    // Act
    const { answer, run } = await suite.cloud.offboard('payments', 'never-was');

    // Assess
    expect(answer).toEqual({ outcome: 'not-found' });
    expect(run).toBeUndefined();
  });
});

describe('what is not this product’s stays', () => {
  it('adopted role without the product tag: its CAPA policy goes, the role stays and is named', async () => {
    // Prepare: an administrator made the role by hand at the product path with the trust the
    // product would write; onboarding adopted it.
    const accountId = await suite.cloud.createAccount();
    const roleArn = suite.cloud.createRole(accountId, {
      roleName: 'capa-payments-handmade',
      path: '/capa-providers/',
      trust: buildTrustPolicy({
        managementPrincipalArn: 'arn:aws:iam::000000000000:root',
        externalId: 'external-id-of-handmade',
        trustEc2: true,
      }) as PolicyDocument,
    });
    const onboarded = await suite.cloud.onboard(request(accountId, 'handmade'));

    // Act
    const { run, provider } = await suite.cloud.offboard('payments', 'handmade');

    // Assess
    const policyArn = `arn:aws:iam::${accountId}:policy/capa-providers/capa-payments-handmade-capa-1`;
    expect(onboarded.provider.status).toBe('READY');
    expect(run?.status).toBe('SUCCEEDED');
    expect(provider?.offboarding).toEqual({
      force: false,
      removed: [policyArn],
      leftInPlace: [{ resource: roleArn, why: 'not created by this product for provider payments.handmade' }],
    });
    expect(suite.cloud.role(accountId, 'capa-payments-handmade')?.attachedPolicyArns).toEqual([]);
    expect(suite.cloud.providerResources(accountId)).toEqual([roleArn]);
  });

  it("someone else's policy attached to the provider role is kept and named; the product's role and policy go", async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    await suite.cloud.onboard(request(accountId, 'extra'));
    const foreignArn = suite.cloud.createPolicy(accountId, {
      policyName: 'team-extra-permissions',
      path: '/capa-providers/',
      document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
    });
    suite.cloud.attachRolePolicy(accountId, 'capa-payments-extra', foreignArn);

    // Act
    const { provider } = await suite.cloud.offboard('payments', 'extra');

    // Assess
    expect(provider?.status).toBe('DELETED');
    expect(provider?.offboarding?.removed).toEqual([
      `arn:aws:iam::${accountId}:policy/capa-providers/capa-payments-extra-capa-1`,
      `arn:aws:iam::${accountId}:role/capa-providers/capa-payments-extra`,
    ]);
    expect(provider?.offboarding?.leftInPlace).toEqual([{ resource: foreignArn, why: 'not created by this product for provider payments.extra' }]);
    expect(suite.cloud.providerResources(accountId)).toEqual([foreignArn]);
  });
});

describe('an account that cannot be reached', () => {
  it('fails with BOOTSTRAP_ROLE_DENIED and leaves the provider retryable, then ?force=true removes it from the registry naming what stayed', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    await suite.cloud.onboard(request(accountId, 'cutoff'));
    suite.cloud.refuseBootstrap(accountId);

    // Act
    const refused = await suite.cloud.offboard('payments', 'cutoff');
    const forced = await suite.cloud.offboard('payments', 'cutoff', { force: true });
    suite.cloud.restoreBootstrap(accountId);

    // Assess
    const roleArn = `arn:aws:iam::${accountId}:role/capa-providers/capa-payments-cutoff`;
    const policyArn = `arn:aws:iam::${accountId}:policy/capa-providers/capa-payments-cutoff-capa-1`;
    expect(refused.run?.statesEntered).toEqual(['Revoke Management Grant', 'Remove Role And CAPA Policies', 'Record Offboarding Failed', 'Offboarding Failed']);
    expect(refused.run?.error).toBe('BOOTSTRAP_ROLE_DENIED');
    expect(refused.provider).toMatchObject({ status: 'FAILED', reason: 'BOOTSTRAP_ROLE_DENIED', attempt: 2 });
    expect(refused.provider?.message).toMatch(/^Offboarding failed: Cannot assume arn:aws:iam::\d{12}:role\/OrganizationAccountAccessRole/);
    expect(forced.answer).toMatchObject({ outcome: 'started', provider: { status: 'DELETING', attempt: 3, offboarding: { force: true } } });
    expect(forced.run?.statesEntered).toEqual(HAPPY_PATH);
    expect(forced.provider).toMatchObject({ status: 'DELETED', attempt: 3 });
    expect(forced.provider?.offboarding?.removed).toEqual([]);
    expect(forced.provider?.offboarding?.leftInPlace?.map((left) => left.resource)).toEqual([roleArn, policyArn]);
    expect(forced.provider?.offboarding?.leftInPlace?.[0]?.why).toMatch(/^not checked: Cannot assume /);
    expect(suite.cloud.providerResources(accountId)).toEqual([roleArn, policyArn]);
    expect(suite.cloud.events('payments.cutoff').map((event) => event['detail-type'])).toEqual(['Provider Ready', 'Provider Failed', 'Provider Deleted']);
  });
});

describe('offboarding and onboarding of the same provider', () => {
  it('a DELETE while the onboarding runs is refused (busy) and starts nothing; the onboarding ends READY', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    let duringOnboarding: Awaited<ReturnType<typeof suite.cloud.offboard>> | undefined;

    // Act
    const onboarded = await suite.cloud.onboard(request(accountId, 'racing'), {
      beforeTask: async (stateName, invocation) => {
        if (stateName === 'Verify Role Is Assumable' && invocation === 1) duringOnboarding = await suite.cloud.offboard('payments', 'racing');
      },
    });

    // Assess
    expect(duringOnboarding?.answer).toMatchObject({ outcome: 'busy', provider: { status: 'CREATING', attempt: 1 } });
    expect(duringOnboarding?.run).toBeUndefined();
    expect(onboarded.provider).toMatchObject({ status: 'READY', attempt: 1 });
  });

  it('a POST after DELETE onboards afresh at the next attempt, with a new role', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    await suite.cloud.onboard(request(accountId, 'again'));
    await suite.cloud.offboard('payments', 'again');

    // Act
    const again = await suite.cloud.onboard(request(accountId, 'again'));

    // Assess
    expect(again.start.name).toBe('payments_again_3');
    expect(again.provider).toMatchObject({ status: 'READY', attempt: 3 });
    expect(again.provider.deletedAt).toBeUndefined();
    expect(again.provider.offboarding).toBeUndefined();
    expect(suite.cloud.role(accountId, 'capa-payments-again')?.tags).toEqual([
      { Key: 'capa-onboarding:provider-id', Value: 'payments.again' },
      { Key: 'capa-onboarding:created-by-execution', Value: 'payments_again_3' },
    ]);
  });

  it('a throttled IAM delete is retried by the state machine and the offboarding completes', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    await suite.cloud.onboard(request(accountId, 'throttled'));
    suite.cloud.injectFault({ service: 'iam', action: 'DeleteRole', kind: 'throttle', operations: 1 });

    // Act
    const { run, provider } = await suite.cloud.offboard('payments', 'throttled');

    // Assess
    expect(run?.invocations['Remove Role And CAPA Policies']).toBe(2);
    expect(provider?.status).toBe('DELETED');
    expect(suite.cloud.providerResources(accountId)).toEqual([]);
  });
});
