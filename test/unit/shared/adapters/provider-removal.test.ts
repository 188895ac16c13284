// Offboarding's removal in the target account: ownership is the provider tag; what IAM refuses to
// delete, or what is not the product's, is left in place and named with the reason.
import {
  DeletePolicyCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { removeProviderResources } from '../../../../functions/shared/adapters/provider-removal.js';
import { TransientAwsError } from '../../../../functions/shared/domain/errors.js';

const iam = mockClient(IAMClient);
const target = { partition: 'aws', accountId: '111122223333', rolePath: '/capa-providers/', roleName: 'capa-payments-dev', providerId: 'payments.dev' };
const ROLE_ARN = 'arn:aws:iam::111122223333:role/capa-providers/capa-payments-dev';
const POLICY_ARN = 'arn:aws:iam::111122223333:policy/capa-providers/capa-payments-dev-capa-1';
const OURS = [
  { Key: 'capa-onboarding:provider-id', Value: 'payments.dev' },
  { Key: 'capa-onboarding:created-by-execution', Value: 'payments_dev_1' },
];

const sdkError = (name: string, httpStatusCode: number, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });

beforeEach(() => {
  iam.reset();
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: POLICY_ARN, PolicyName: 'capa-payments-dev-capa-1' }] });
  iam.on(GetPolicyCommand).resolves({ Policy: { Arn: POLICY_ARN, Tags: OURS } });
  iam.on(ListPolicyVersionsCommand).resolves({ Versions: [{ VersionId: 'v1', IsDefaultVersion: true }] });
});

describe('removeProviderResources', () => {
  it('names the role when IAM refuses to delete it (DeleteConflict), after removing its policy', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves({ Role: { RoleName: target.roleName, Path: '/capa-providers/', Arn: ROLE_ARN, RoleId: 'AROA1', CreateDate: new Date(), Tags: OURS } });
    iam.on(DeleteRoleCommand).rejects(sdkError('DeleteConflict', 409, 'Cannot delete entity, must delete policies first.'));

    // Act
    const result = await removeProviderResources(new IAMClient({}), target);

    // Assess
    expect(result).toEqual({
      removed: [POLICY_ARN],
      leftInPlace: [
        { resource: ROLE_ARN, why: 'IAM refused to delete it: it still has inline policies or an instance profile (Cannot delete entity, must delete policies first.)' },
      ],
    });
    expect(iam.commandCalls(DetachRolePolicyCommand)[0]?.args[0].input).toEqual({ RoleName: 'capa-payments-dev', PolicyArn: POLICY_ARN });
    expect(iam.commandCalls(DeletePolicyCommand)).toHaveLength(1);
  });

  it('finds no role when its read is denied (absent, or outside the product path): names nothing, touches no policy it cannot see', async () => {
    // Prepare
    iam.on(GetRoleCommand).rejects(sdkError('AccessDenied', 403, 'not authorized to perform: iam:GetRole'));
    iam.on(GetPolicyCommand).rejects(sdkError('NoSuchEntity', 404, 'not found'));

    // Act
    const result = await removeProviderResources(new IAMClient({}), target);

    // Assess
    expect(result).toEqual({ removed: [], leftInPlace: [] });
    expect(iam.commandCalls(DeleteRoleCommand)).toHaveLength(0);
    expect(iam.commandCalls(DeletePolicyCommand)).toHaveLength(0);
  });

  it('a role deleted meanwhile by a concurrent cleanup (its calls then denied, its name no longer readable) counts as removed', async () => {
    // Prepare: found on the product path, then gone: IAM authorizes the unresolvable name against the path-less ARN.
    const denied = (action: string) => sdkError('AccessDenied', 403, `not authorized to perform: iam:${action} on resource: role capa-payments-dev`);
    iam.on(GetRoleCommand)
      .resolvesOnce({ Role: { RoleName: target.roleName, Path: '/capa-providers/', Arn: ROLE_ARN, RoleId: 'AROA1', CreateDate: new Date(), Tags: OURS } })
      .rejects(denied('GetRole'));
    iam.on(ListAttachedRolePoliciesCommand).rejects(denied('ListAttachedRolePolicies'));
    iam.on(GetPolicyCommand).rejects(sdkError('NoSuchEntity', 404, 'not found'));
    iam.on(DeleteRoleCommand).rejects(denied('DeleteRole'));

    // Act
    const result = await removeProviderResources(new IAMClient({}), target);

    // Assess
    expect(result).toEqual({ removed: [ROLE_ARN], leftInPlace: [] });
  });

  it('a denial on a role that is still there stands: the step fails with it', async () => {
    // Prepare
    const denied = sdkError('AccessDenied', 403, 'with an explicit deny in a service control policy');
    iam.on(GetRoleCommand).resolves({ Role: { RoleName: target.roleName, Path: '/capa-providers/', Arn: ROLE_ARN, RoleId: 'AROA1', CreateDate: new Date(), Tags: OURS } });
    iam.on(DeleteRoleCommand).rejects(denied);

    // Act
    const removing = removeProviderResources(new IAMClient({}), target);

    // Assess
    await expect(removing).rejects.toBe(denied);
  });

  it('a policy deleted meanwhile (NoSuchEntity while listing its versions) counts as removed', async () => {
    // Prepare
    iam.on(GetRoleCommand).rejects(sdkError('NoSuchEntity', 404, 'not found'));
    iam.on(ListPolicyVersionsCommand).rejects(sdkError('NoSuchEntity', 404, 'not found'));
    iam.on(DeletePolicyCommand).rejects(sdkError('NoSuchEntity', 404, 'not found'));

    // Act
    const result = await removeProviderResources(new IAMClient({}), target);

    // Assess
    expect(result).toEqual({ removed: [POLICY_ARN], leftInPlace: [] });
  });

  it('a policy tagged for another provider is named and kept', async () => {
    // Prepare
    iam.on(GetRoleCommand).rejects(sdkError('NoSuchEntity', 404, 'not found'));
    iam.on(GetPolicyCommand).resolves({ Policy: { Arn: POLICY_ARN, Tags: [{ Key: 'capa-onboarding:provider-id', Value: 'payments.prod' }] } });

    // Act
    const result = await removeProviderResources(new IAMClient({}), target);

    // Assess
    expect(result).toEqual({ removed: [], leftInPlace: [{ resource: POLICY_ARN, why: 'not created by this product for provider payments.dev' }] });
    expect(iam.commandCalls(DeletePolicyCommand)).toHaveLength(0);
  });

  it('throttling that outlives the SDK retries becomes TransientAwsError, for the state machine to retry', async () => {
    // Prepare
    iam.on(GetRoleCommand).rejects(sdkError('Throttling', 400, 'Rate exceeded'));

    // Act
    const removal = removeProviderResources(new IAMClient({}), target);

    // Assess
    await expect(removal).rejects.toBeInstanceOf(TransientAwsError);
    await expect(removal).rejects.toThrow('GetRole capa-payments-dev: Rate exceeded');
  });
});
