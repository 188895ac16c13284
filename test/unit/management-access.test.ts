import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  IAMClient,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ensureManagementGrant, revokeManagementGrant } from '../../functions/shared/adapters/management-access.js';
import { buildPathGrant } from '../../functions/shared/domain/management-grant.js';

const iam = mockClient(IAMClient);
const managementRoleArn = 'arn:aws:iam::000000000000:role/capa-management';
const roleArn = 'arn:aws:iam::111122223333:role/capa-providers/capa-a';
const noPolicy = () => new NoSuchEntityException({ message: 'none', $metadata: {} });
const stored = (document: unknown) => ({ PolicyDocument: encodeURIComponent(JSON.stringify(document)) });

beforeEach(() => iam.reset());

describe('management grant on the management role', () => {
  it('path mode: writes the path grant once, then leaves it alone', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).rejectsOnce(noPolicy()).resolves(stored(buildPathGrant('aws', '/capa-providers/')));
    const target = { managementRoleArn, partition: 'aws', rolePath: '/capa-providers/', mode: 'path' as const };

    // Act
    const first = await ensureManagementGrant(new IAMClient({}), target, roleArn);
    const second = await ensureManagementGrant(new IAMClient({}), target, roleArn);

    // Assess
    expect(first).toEqual({ mode: 'path', changed: true });
    expect(second).toEqual({ mode: 'path', changed: false });
    expect(iam).toHaveReceivedCommandTimes(PutRolePolicyCommand, 1);
    expect(iam).toHaveReceivedCommandWith(PutRolePolicyCommand, { RoleName: 'capa-management', PolicyName: 'capa-provider-onboarding-assume' });
    expect(await revokeManagementGrant(new IAMClient({}), target, roleArn)).toBe(false);
  });

  it('per-role mode: adds the role, and revoking the last one deletes the policy', async () => {
    // Prepare
    const target = { managementRoleArn, partition: 'aws', rolePath: '/capa-providers/', mode: 'per-role' as const };
    iam.on(GetRolePolicyCommand).rejects(noPolicy());
    const added = await ensureManagementGrant(new IAMClient({}), target, roleArn);
    const written = JSON.parse(iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input.PolicyDocument!);
    iam.on(GetRolePolicyCommand).resolves(stored(written));

    // Act
    const revoked = await revokeManagementGrant(new IAMClient({}), target, roleArn);

    // Assess
    expect(added).toEqual({ mode: 'per-role', changed: true });
    expect(written.Statement[0].Resource).toEqual([roleArn]);
    expect(revoked).toBe(true);
    expect(iam).toHaveReceivedCommandTimes(DeleteRolePolicyCommand, 1);
  });

  it('turns AccessDenied on the management role into ManagementRoleDenied', async () => {
    iam.on(GetRolePolicyCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    await expect(
      ensureManagementGrant(new IAMClient({}), { managementRoleArn, partition: 'aws', rolePath: '/capa-providers/', mode: 'path' }, roleArn),
    ).rejects.toMatchObject({ name: 'ManagementRoleDenied' });
  });
});
