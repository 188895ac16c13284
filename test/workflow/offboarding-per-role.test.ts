// Offboarding in per-role grant mode: the management role's grant loses exactly the offboarded
// provider's role; the grants of other providers stay.
import { describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../support/workflow-cloud.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud({ grantMode: 'per-role' });

function grantOf(roleArns: string[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArns }],
  };
}

const OTHER_ROLE = 'arn:aws:iam::111111111111:role/capa-providers/capa-billing-prod';

describe('offboarding with per-role grants', () => {
  it("revokes the provider role's grant and keeps the other providers' grants", async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    suite.cloud.putManagementGrant(grantOf([OTHER_ROLE]));
    await suite.cloud.onboard({ workspace: 'payments', name: 'leaving', accountId });
    const roleArn = `arn:aws:iam::${accountId}:role/capa-providers/capa-payments-leaving`;
    const grantBefore = suite.cloud.managementGrant();

    // Act
    const { run, provider } = await suite.cloud.offboard('payments', 'leaving');

    // Assess
    expect(grantBefore).toEqual(grantOf([OTHER_ROLE, roleArn].sort()));
    expect(run?.results['Revoke Management Grant']).toEqual([
      { mode: 'per-role', removed: [`arn:aws:iam::000000000000:role/capa-management grant for ${roleArn}`], leftInPlace: [] },
    ]);
    expect(suite.cloud.managementGrant()).toEqual(grantOf([OTHER_ROLE]));
    expect(provider?.offboarding?.removed).toEqual([
      `arn:aws:iam::000000000000:role/capa-management grant for ${roleArn}`,
      `arn:aws:iam::${accountId}:policy/capa-providers/capa-payments-leaving-capa-1`,
      roleArn,
    ]);
  });

  it('a denied grant revocation fails the offboarding with MANAGEMENT_ROLE_DENIED; forced, it goes on and names the grant', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    await suite.cloud.onboard({ workspace: 'payments', name: 'stuck', accountId });
    const roleArn = `arn:aws:iam::${accountId}:role/capa-providers/capa-payments-stuck`;
    suite.cloud.denyToFunction('revoke-grant', ['iam:PutRolePolicy', 'iam:DeleteRolePolicy']);

    // Act
    const refused = await suite.cloud.offboard('payments', 'stuck');
    const roleAfterRefusal = suite.cloud.role(accountId, 'capa-payments-stuck')?.arn;
    const forced = await suite.cloud.offboard('payments', 'stuck', { force: true });

    // Assess
    expect(refused.provider).toMatchObject({ status: 'FAILED', reason: 'MANAGEMENT_ROLE_DENIED' });
    expect(refused.run?.statesEntered).toEqual(['Revoke Management Grant', 'Record Offboarding Failed', 'Offboarding Failed']);
    expect(roleAfterRefusal).toBe(roleArn);
    expect(forced.provider).toMatchObject({ status: 'DELETED' });
    expect(forced.provider?.offboarding?.leftInPlace).toEqual([
      { resource: `arn:aws:iam::000000000000:role/capa-management grant for ${roleArn}`, why: expect.stringMatching(/^not revoked: PutRolePolicy on arn:aws:iam::000000000000:role\/capa-management was denied/) },
    ]);
    expect(suite.cloud.providerResources(accountId)).toEqual([]);
  });
});
