// Ownership invariants of role provisioning: a role of the provider's name that this product may
// not read is someone else's, and compensation removes only what carries this execution's tag.
import {
  CreateRoleCommand,
  DeletePolicyCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListPolicyVersionsCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ensureRole, removeCreatedResources } from '../../../../functions/shared/adapters/role-provisioning.js';
import { RoleConflict } from '../../../../functions/shared/domain/errors.js';
import { buildTrustPolicy } from '../../../../functions/shared/domain/trust-policy.js';

const iam = mockClient(IAMClient);
const target = {
  accountId: '111122223333',
  partition: 'aws',
  roleName: 'capa-payments-dev',
  rolePath: '/capa-providers/',
  providerId: 'payments.dev',
  executionName: 'payments_dev_2',
};
const trust = buildTrustPolicy({ managementPrincipalArn: 'arn:aws:iam::000000000000:root', externalId: 'ext-0001', trustEc2: true });
const now = () => new Date('2026-11-28T10:00:00Z');

const sdkError = (name: string, httpStatusCode: number, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
const alreadyExists = () => sdkError('EntityAlreadyExists', 409, 'Role with name capa-payments-dev already exists.');
const noSuchEntity = () => sdkError('NoSuchEntity', 404, 'not found');
const getRoleDenied = () =>
  sdkError('AccessDenied', 403, 'not authorized to perform: iam:GetRole on resource: role capa-payments-dev because no session policy allows the iam:GetRole action');

/** A role of the provider's name at the product's path, tagged as created by `execution`. */
function storedRole(execution: string) {
  return {
    Role: {
      RoleName: 'capa-payments-dev',
      Path: '/capa-providers/',
      Arn: 'arn:aws:iam::111122223333:role/capa-providers/capa-payments-dev',
      RoleId: 'AROAEXAMPLE',
      CreateDate: new Date('2026-11-01T00:00:00Z'),
      AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)),
      Tags: [
        { Key: 'capa-onboarding:provider-id', Value: 'payments.dev' },
        { Key: 'capa-onboarding:created-by-execution', Value: execution },
      ],
    },
  };
}

beforeEach(() => iam.reset());

describe('ensureRole', () => {
  it('reports ROLE_CONFLICT when the name is taken by a role outside the product path (its read is denied)', async () => {
    // Prepare
    iam.on(CreateRoleCommand).rejects(alreadyExists());
    iam.on(GetRoleCommand).rejects(getRoleDenied());

    // Act
    const ensured = ensureRole(new IAMClient({}), target, trust, now);

    // Assess
    await expect(ensured).rejects.toBeInstanceOf(RoleConflict);
    await expect(ensured).rejects.toThrow(
      'Role capa-payments-dev already exists in account 111122223333 outside /capa-providers/ (not authorized to perform: iam:GetRole on resource: role capa-payments-dev because no session policy allows the iam:GetRole action); it was left unchanged',
    );
  });

  it('adopts a role an earlier execution created without counting it as created by this one', async () => {
    // Prepare
    iam.on(CreateRoleCommand).rejects(alreadyExists());
    iam.on(GetRoleCommand).resolves(storedRole('payments_dev_1'));

    // Act
    const ensured = await ensureRole(new IAMClient({}), target, trust, now);

    // Assess
    expect(ensured).toEqual({
      roleArn: 'arn:aws:iam::111122223333:role/capa-providers/capa-payments-dev',
      roleName: 'capa-payments-dev',
      createdByThisExecution: false,
      ensuredAt: '2026-11-28T10:00:00.000Z',
    });
  });
});

describe('removeCreatedResources', () => {
  it('removes nothing when the role of that name may not be read (it lies outside the product path)', async () => {
    // Prepare
    iam.on(GetRoleCommand).rejects(getRoleDenied());
    iam.on(GetPolicyCommand).rejects(noSuchEntity());

    // Act
    const removed = await removeCreatedResources(new IAMClient({}), target);

    // Assess
    expect(removed).toEqual([]);
    expect(iam).toHaveReceivedCommandTimes(DeleteRoleCommand, 0);
    expect(iam).toHaveReceivedCommandTimes(DetachRolePolicyCommand, 0);
  });

  it('keeps a role and a policy of the same provider that an earlier execution created', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(storedRole('payments_dev_1'));
    iam.on(GetPolicyCommand).resolves({
      Policy: {
        PolicyName: 'capa-payments-dev-capa-1',
        Arn: 'arn:aws:iam::111122223333:policy/capa-providers/capa-payments-dev-capa-1',
        Tags: [
          { Key: 'capa-onboarding:provider-id', Value: 'payments.dev' },
          { Key: 'capa-onboarding:created-by-execution', Value: 'payments_dev_1' },
        ],
      },
    });

    // Act
    const removed = await removeCreatedResources(new IAMClient({}), target);

    // Assess
    expect(removed).toEqual([]);
    expect(iam).toHaveReceivedCommandTimes(DeleteRoleCommand, 0);
    expect(iam).toHaveReceivedCommandTimes(DetachRolePolicyCommand, 0);
    expect(iam).toHaveReceivedCommandTimes(ListPolicyVersionsCommand, 0);
    expect(iam).toHaveReceivedCommandTimes(DeletePolicyCommand, 0);
  });
});
