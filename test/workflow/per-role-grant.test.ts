// Per-role grant mode (grantMode "per-role"): the management role's inline policy lists every
// onboarded role; a failed run takes out only the grant it added, and the list has a size limit.
import { describe, expect, it } from 'vitest';
import type { ProviderRequest } from '../../functions/shared/domain/provider-request.js';
import type { PolicyDocument } from '../support/workflow-cloud.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud({ grantMode: 'per-role' });

function request(accountId: string, name: string): ProviderRequest {
  return { workspace: 'payments', name, accountId, externalId: `external-id-of-${name}` };
}

function grantOf(roleArns: string[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArns }],
  };
}

const OTHER_ROLES = [
  'arn:aws:iam::111111111111:role/capa-providers/capa-billing-prod',
  'arn:aws:iam::222222222222:role/capa-providers/capa-search-dev',
];

describe('per-role management grant', () => {
  it('compensation revokes exactly the grant this run added and keeps the grants of other roles', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    suite.cloud.putManagementGrant(grantOf(OTHER_ROLES));

    // Act
    const { run, provider } = await suite.cloud.onboard(request(accountId, 'revoked'), {
      beforeTask: suite.cloud.dropExternalIdConditionBeforeVerification(accountId, 'capa-payments-revoked'),
    });

    // Assess
    const roleArn = `arn:aws:iam::${accountId}:role/capa-providers/capa-payments-revoked`;
    expect(provider.reason).toBe('EXTERNAL_ID_NOT_ENFORCED');
    expect(run.results['Grant Management Role Access']).toEqual([{ mode: 'per-role', changed: true }]);
    expect(run.results['Remove Created Resources']).toEqual([
      {
        removed: [
          `arn:aws:iam::${accountId}:policy/capa-providers/capa-payments-revoked-capa-1`,
          roleArn,
          `arn:aws:iam::000000000000:role/capa-management grant for ${roleArn}`,
        ],
      },
    ]);
    expect(suite.cloud.managementGrant()).toEqual(grantOf(OTHER_ROLES));
  });

  it('a failed run keeps the grant an earlier execution gave the role it adopted', async () => {
    // Prepare: attempt 1 creates and grants the role, fails at verification, and its
    // compensation is denied, so role, policy and grant stay behind.
    const accountId = await suite.cloud.createAccount();
    const providerRequest = request(accountId, 'kept');
    const roleArn = `arn:aws:iam::${accountId}:role/capa-providers/capa-payments-kept`;
    suite.cloud.putManagementGrant(grantOf(OTHER_ROLES));
    suite.cloud.denyToFunction('compensate', ['*']);
    const attempt1 = await suite.cloud.onboard(providerRequest, {
      beforeTask: suite.cloud.dropExternalIdConditionBeforeVerification(accountId, 'capa-payments-kept'),
    });
    suite.cloud.liftGuardrails();
    // An administrator puts the trust policy back; attempt 2 adopts the role and fails the same way.
    suite.cloud.updateTrustPolicy(accountId, 'capa-payments-kept', {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ManagementAccountAssumeRole',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::000000000000:root' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': 'external-id-of-kept' } },
        },
        { Sid: 'Ec2AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });

    // Act
    const attempt2 = await suite.cloud.onboard(providerRequest, {
      beforeTask: suite.cloud.dropExternalIdConditionBeforeVerification(accountId, 'capa-payments-kept'),
    });

    // Assess
    expect(attempt1.run.results['Grant Management Role Access']).toEqual([{ mode: 'per-role', changed: true }]);
    expect(attempt2.provider).toMatchObject({ status: 'FAILED', reason: 'EXTERNAL_ID_NOT_ENFORCED', attempt: 2 });
    expect(attempt2.run.results['Create Role In Target Account']).toEqual([
      expect.objectContaining({ roleArn, createdByThisExecution: false }),
    ]);
    expect(attempt2.run.results['Grant Management Role Access']).toEqual([{ mode: 'per-role', changed: false }]);
    expect(attempt2.run.results['Remove Created Resources']).toEqual([{ removed: [] }]);
    expect(suite.cloud.managementGrant()).toEqual(grantOf([...OTHER_ROLES, roleArn].sort()));
    expect(suite.cloud.role(accountId, 'capa-payments-kept')?.arn).toBe(roleArn);
  });

  it('fails with GRANT_LIMIT_EXCEEDED when the grant would outgrow the inline policy quota, leaving the grant as it was', async () => {
    // Prepare: a grant a few characters short of IAM's 10,240-character inline policy quota.
    const accountId = await suite.cloud.createAccount();
    const fleet: string[] = [];
    const next = () => `arn:aws:iam::111111111111:role/capa-providers/capa-fleet-${String(fleet.length).padStart(4, '0')}`;
    while (JSON.stringify(grantOf([...fleet, next()])).length <= 10_240 && fleet.length < 1_000) fleet.push(next());
    suite.cloud.putManagementGrant(grantOf(fleet));

    // Act
    const { run, provider } = await suite.cloud.onboard(request(accountId, 'crowded'));

    // Assess
    expect(fleet.length).toBeGreaterThan(100);
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('GRANT_LIMIT_EXCEEDED');
    expect(provider.reason).toBe('GRANT_LIMIT_EXCEEDED');
    expect(provider.message).toContain('switch grantMode to "path"');
    expect(suite.cloud.managementGrant()).toEqual(grantOf(fleet));
    expect(suite.cloud.providerResources(accountId)).toEqual([]);
  });
});
