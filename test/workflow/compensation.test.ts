// Compensation removes exactly what its own execution created: ownership is the execution's tag,
// checked on roles and on policies; what an earlier execution or someone else created survives.
import { describe, expect, it } from 'vitest';
import type { ProviderRequest } from '../../functions/shared/domain/provider-request.js';
import type { Onboarded } from '../support/workflow-cloud.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud();

function request(accountId: string, name: string): ProviderRequest {
  return { workspace: 'payments', name, accountId, externalId: `external-id-of-${name}` };
}

/**
 * Attempt 1 of the provider fails at verification (its role's trust lost the External ID
 * condition) and its compensation is denied, so its role and policy stay behind, tagged with
 * attempt 1's execution.
 */
async function failedAttemptLeavingItsResources(providerRequest: ProviderRequest, roleName: string): Promise<Onboarded> {
  suite.cloud.denyToFunction('compensate', ['*']);
  const attempt = await suite.cloud.onboard(providerRequest, {
    beforeTask: suite.cloud.dropExternalIdConditionBeforeVerification(providerRequest.accountId, roleName),
  });
  suite.cloud.liftGuardrails();
  return attempt;
}

describe('compensation deletes nothing this execution did not create', () => {
  it('keeps the role, policy and attachment an earlier execution of the same provider created (ownership is the execution tag)', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    const providerRequest = request(accountId, 'adopted');
    const attempt1 = await failedAttemptLeavingItsResources(providerRequest, 'capa-payments-adopted');
    // An administrator puts the role's trust policy back; attempt 2 adopts role and policy, then
    // the management grant is refused.
    suite.cloud.updateTrustPolicy(accountId, 'capa-payments-adopted', {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ManagementAccountAssumeRole',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::000000000000:root' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': 'external-id-of-adopted' } },
        },
        { Sid: 'Ec2AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
    suite.cloud.denyToFunction('grant-management', ['iam:GetRolePolicy', 'iam:PutRolePolicy']);
    const roleBefore = suite.cloud.role(accountId, 'capa-payments-adopted');
    const policiesBefore = suite.cloud.policies(accountId);

    // Act
    const attempt2 = await suite.cloud.onboard(providerRequest);

    // Assess
    expect(attempt1.provider).toMatchObject({ status: 'FAILED', reason: 'EXTERNAL_ID_NOT_ENFORCED' });
    expect(attempt2.start.name).toBe('payments_adopted_2');
    expect(attempt2.provider).toMatchObject({ status: 'FAILED', reason: 'MANAGEMENT_ROLE_DENIED', attempt: 2 });
    expect(roleBefore?.tags).toEqual([
      { Key: 'capa-onboarding:provider-id', Value: 'payments.adopted' },
      { Key: 'capa-onboarding:created-by-execution', Value: 'payments_adopted_1' },
    ]);
    expect(attempt2.run.results['Create Role In Target Account']).toEqual([
      expect.objectContaining({ roleName: 'capa-payments-adopted', createdByThisExecution: false }),
    ]);
    expect(attempt2.run.results['Remove Created Resources']).toEqual([{ removed: [] }]);
    expect(suite.cloud.role(accountId, 'capa-payments-adopted')).toEqual(roleBefore);
    expect(suite.cloud.role(accountId, 'capa-payments-adopted')?.attachedPolicyArns).toEqual([
      `arn:aws:iam::${accountId}:policy/capa-providers/capa-payments-adopted-capa-1`,
    ]);
    expect(suite.cloud.policies(accountId)).toEqual(policiesBefore);
    expect(suite.cloud.policies(accountId).map((policy) => policy.arn)).toEqual([
      `arn:aws:iam::${accountId}:policy/capa-providers/capa-payments-adopted-capa-1`,
    ]);
  });

  it('fails with POLICY_CONFLICT on a foreign policy with our policy name, removing its own role and leaving that policy alone', async () => {
    // Prepare: someone's policy (no tags at all) already has the name our policy would get.
    const accountId = await suite.cloud.createAccount();
    const foreignPolicy = suite.cloud.createPolicy(accountId, {
      policyName: 'capa-payments-clash-capa-1',
      path: '/capa-providers/',
      document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
    });
    const policiesBefore = suite.cloud.policies(accountId);

    // Act
    const { run, provider } = await suite.cloud.onboard(request(accountId, 'clash'));

    // Assess
    expect(run.status).toBe('FAILED');
    expect(provider.reason).toBe('POLICY_CONFLICT');
    expect(provider.message).toContain(foreignPolicy);
    expect(run.results['Remove Created Resources']).toEqual([
      { removed: [`arn:aws:iam::${accountId}:role/capa-providers/capa-payments-clash`] },
    ]);
    expect(suite.cloud.providerResources(accountId)).toEqual([foreignPolicy]);
    expect(suite.cloud.policies(accountId)).toEqual(policiesBefore);
  });

  it('fails with MANAGEMENT_ROLE_DENIED when a guardrail refuses the grant, and removes the role and policy it created', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    suite.cloud.denyToFunction('grant-management', ['iam:GetRolePolicy', 'iam:PutRolePolicy']);

    // Act
    const { run, provider } = await suite.cloud.onboard(request(accountId, 'guarded'));

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('MANAGEMENT_ROLE_DENIED');
    expect(provider.reason).toBe('MANAGEMENT_ROLE_DENIED');
    expect(provider.message).toContain('arn:aws:iam::000000000000:role/capa-management');
    expect(run.results['Create Role In Target Account']).toEqual([
      expect.objectContaining({ roleName: 'capa-payments-guarded', createdByThisExecution: true }),
    ]);
    expect(suite.cloud.providerResources(accountId)).toEqual([]);
  });
});
