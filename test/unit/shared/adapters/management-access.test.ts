import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  IAMClient,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ensureManagementGrant, revokeManagementGrant } from '../../../../functions/shared/adapters/management-access.js';

const iam = mockClient(IAMClient);
const managementRoleArn = 'arn:aws:iam::000000000000:role/capa-management';
const roleA = 'arn:aws:iam::111122223333:role/capa-providers/capa-a';
const roleB = 'arn:aws:iam::111122223333:role/capa-providers/capa-b';
const pathTarget = { managementRoleArn, partition: 'aws', rolePath: '/capa-providers/', mode: 'path' as const };
const perRoleTarget = { managementRoleArn, partition: 'aws', rolePath: '/capa-providers/', mode: 'per-role' as const };
const noPolicy = () => new NoSuchEntityException({ message: 'none', $metadata: {} });
/** GetRolePolicy returns the document URL-encoded. */
const stored = (document: string) => ({ RoleName: 'capa-management', PolicyName: 'capa-provider-onboarding-assume', PolicyDocument: encodeURIComponent(document) });

const PATH_GRANT =
  '{"Version":"2012-10-17","Statement":[{"Sid":"AssumeOnboardedCapaRoles","Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/capa-providers/*"}]}';
const GRANT_OF_A =
  '{"Version":"2012-10-17","Statement":[{"Sid":"AssumeOnboardedCapaRoles","Effect":"Allow","Action":"sts:AssumeRole","Resource":["arn:aws:iam::111122223333:role/capa-providers/capa-a"]}]}';
const GRANT_OF_B =
  '{"Version":"2012-10-17","Statement":[{"Sid":"AssumeOnboardedCapaRoles","Effect":"Allow","Action":"sts:AssumeRole","Resource":["arn:aws:iam::111122223333:role/capa-providers/capa-b"]}]}';
const GRANT_OF_A_AND_B =
  '{"Version":"2012-10-17","Statement":[{"Sid":"AssumeOnboardedCapaRoles","Effect":"Allow","Action":"sts:AssumeRole","Resource":["arn:aws:iam::111122223333:role/capa-providers/capa-a","arn:aws:iam::111122223333:role/capa-providers/capa-b"]}]}';

beforeEach(() => iam.reset());

describe('management grant on the management role, path mode', () => {
  it('writes the path grant when the management role has none', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).rejects(noPolicy());

    // Act
    const result = await ensureManagementGrant(new IAMClient({}), pathTarget, roleA);

    // Assess
    expect(result).toEqual({ mode: 'path', changed: true });
    expect(iam).toHaveReceivedCommandTimes(PutRolePolicyCommand, 1);
    expect(iam.commandCalls(PutRolePolicyCommand)[0]?.args[0].input).toEqual({
      RoleName: 'capa-management',
      PolicyName: 'capa-provider-onboarding-assume',
      PolicyDocument: PATH_GRANT,
    });
  });

  it('leaves an identical path grant alone', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).resolves(stored(PATH_GRANT));

    // Act
    const result = await ensureManagementGrant(new IAMClient({}), pathTarget, roleA);

    // Assess
    expect(result).toEqual({ mode: 'path', changed: false });
    expect(iam).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('rewrites a grant that differs from the path grant', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).resolves(stored(GRANT_OF_A));

    // Act
    const result = await ensureManagementGrant(new IAMClient({}), pathTarget, roleA);

    // Assess
    expect(result).toEqual({ mode: 'path', changed: true });
    expect(iam).toHaveReceivedCommandWith(PutRolePolicyCommand, { PolicyDocument: PATH_GRANT });
  });

  it('never revokes the shared path grant', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).resolves(stored(PATH_GRANT));

    // Act
    const revoked = await revokeManagementGrant(new IAMClient({}), pathTarget, roleA);

    // Assess
    expect(revoked).toBe(false);
    expect(iam).not.toHaveReceivedAnyCommand();
  });
});

describe('management grant on the management role, per-role mode', () => {
  it('adds the role to the grant', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).resolves(stored(GRANT_OF_B));

    // Act
    const result = await ensureManagementGrant(new IAMClient({}), perRoleTarget, roleA);

    // Assess
    expect(result).toEqual({ mode: 'per-role', changed: true });
    expect(iam.commandCalls(PutRolePolicyCommand)[0]?.args[0].input).toEqual({
      RoleName: 'capa-management',
      PolicyName: 'capa-provider-onboarding-assume',
      PolicyDocument: GRANT_OF_A_AND_B,
    });
  });

  it('writes nothing for a role already granted', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).resolves(stored(GRANT_OF_A_AND_B));

    // Act
    const result = await ensureManagementGrant(new IAMClient({}), perRoleTarget, roleA);

    // Assess
    expect(result).toEqual({ mode: 'per-role', changed: false });
    expect(iam).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('revoking one role keeps the others', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).resolves(stored(GRANT_OF_A_AND_B));

    // Act
    const revoked = await revokeManagementGrant(new IAMClient({}), perRoleTarget, roleA);

    // Assess
    expect(revoked).toBe(true);
    expect(iam).toHaveReceivedCommandWith(PutRolePolicyCommand, { PolicyDocument: GRANT_OF_B });
    expect(iam).not.toHaveReceivedCommand(DeleteRolePolicyCommand);
  });

  it('revoking the last role deletes the policy', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).resolves(stored(GRANT_OF_A));

    // Act
    const revoked = await revokeManagementGrant(new IAMClient({}), perRoleTarget, roleA);

    // Assess
    expect(revoked).toBe(true);
    expect(iam).toHaveReceivedCommandWith(DeleteRolePolicyCommand, { RoleName: 'capa-management', PolicyName: 'capa-provider-onboarding-assume' });
    expect(iam).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('revoking a role that is not granted changes nothing', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).resolves(stored(GRANT_OF_B));

    // Act
    const revoked = await revokeManagementGrant(new IAMClient({}), perRoleTarget, roleA);

    // Assess
    expect(revoked).toBe(false);
    expect(iam).not.toHaveReceivedCommand(PutRolePolicyCommand);
    expect(iam).not.toHaveReceivedCommand(DeleteRolePolicyCommand);
  });
});

describe('errors on the management role', () => {
  it('turns AccessDenied into ManagementRoleDenied', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));

    // Act
    const grant = ensureManagementGrant(new IAMClient({}), pathTarget, roleA);

    // Assess
    await expect(grant).rejects.toMatchObject({
      name: 'ManagementRoleDenied',
      message: 'GetRolePolicy on arn:aws:iam::000000000000:role/capa-management was denied: not authorized',
    });
  });

  it('turns throttling into TransientAwsError', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).resolves(stored(GRANT_OF_B));
    iam.on(PutRolePolicyCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));

    // Act
    const grant = ensureManagementGrant(new IAMClient({}), perRoleTarget, roleA);

    // Assess
    await expect(grant).rejects.toMatchObject({ name: 'TransientAwsError', message: 'PutRolePolicy: Rate exceeded' });
  });

  it('turns a denied DeleteRolePolicy into ManagementRoleDenied naming the call', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).resolves(stored(GRANT_OF_A));
    iam.on(DeleteRolePolicyCommand).rejects(Object.assign(new Error('not authorized to delete'), { name: 'AccessDenied' }));

    // Act
    const revoke = revokeManagementGrant(new IAMClient({}), perRoleTarget, roleA);

    // Assess
    await expect(revoke).rejects.toMatchObject({
      name: 'ManagementRoleDenied',
      message: 'DeleteRolePolicy on arn:aws:iam::000000000000:role/capa-management was denied: not authorized to delete',
    });
  });

  it('turns throttling of GetRolePolicy into TransientAwsError naming the call', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));

    // Act
    const revoke = revokeManagementGrant(new IAMClient({}), perRoleTarget, roleA);

    // Assess
    await expect(revoke).rejects.toMatchObject({ name: 'TransientAwsError', message: 'GetRolePolicy: Rate exceeded' });
  });

  it('passes on any other GetRolePolicy error unchanged', async () => {
    // Prepare
    const invalid = Object.assign(new Error('bad role name'), { name: 'InvalidInput', $metadata: { httpStatusCode: 400 } });
    iam.on(GetRolePolicyCommand).rejects(invalid);

    // Act
    const grant = ensureManagementGrant(new IAMClient({}), perRoleTarget, roleA);

    // Assess
    await expect(grant).rejects.toBe(invalid);
  });

  it('takes a grant policy without a document as no grant at all', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).resolves({ RoleName: 'capa-management', PolicyName: 'capa-provider-onboarding-assume', PolicyDocument: undefined });
    iam.on(PutRolePolicyCommand).resolves({});

    // Act
    const grant = await ensureManagementGrant(new IAMClient({}), perRoleTarget, roleA);

    // Assess
    expect(grant).toEqual({ mode: 'per-role', changed: true });
    expect(JSON.parse(iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input.PolicyDocument!)).toEqual(JSON.parse(GRANT_OF_A));
  });
});
