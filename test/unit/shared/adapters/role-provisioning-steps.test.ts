// Each IAM call of role provisioning, answered by a mocked IAM: what it sends, which answers it
// accepts (a missing entity where one may be gone), which it turns into a retryable
// TransientAwsError naming the call, and which it passes on unchanged.
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
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
import {
  ensureCapaPolicies,
  ensureRole,
  removeCreatedResources,
  roleCreatedBy,
} from '../../../../functions/shared/adapters/role-provisioning.js';
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
const ROLE_ARN = 'arn:aws:iam::111122223333:role/capa-providers/capa-payments-dev';
const POLICY_ARN = 'arn:aws:iam::111122223333:policy/capa-providers/capa-payments-dev-capa-1';
const OTHER_POLICY_ARN = 'arn:aws:iam::111122223333:policy/team/audit';
const trust = buildTrustPolicy({ managementPrincipalArn: 'arn:aws:iam::000000000000:root', externalId: 'ext-0001', trustEc2: true });
const otherTrust = buildTrustPolicy({ managementPrincipalArn: 'arn:aws:iam::000000000000:root', externalId: 'ext-0002', trustEc2: true });
const now = () => new Date('2026-11-29T10:00:00Z');

const sdkError = (name: string, httpStatusCode: number, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
const throttling = () => sdkError('Throttling', 400, 'Rate exceeded');
const noSuchEntity = () => sdkError('NoSuchEntity', 404, 'not found');
const alreadyExists = () => sdkError('EntityAlreadyExists', 409, 'already exists');
const accessDenied = () => sdkError('AccessDenied', 403, 'not authorized');
const ownerTags = (execution: string) => [
  { Key: 'capa-onboarding:provider-id', Value: 'payments.dev' },
  { Key: 'capa-onboarding:created-by-execution', Value: execution },
];

/** A role of the provider's name at the product path; fields can be overridden or removed. */
function storedRole(overrides: Record<string, unknown> = {}) {
  return {
    Role: {
      RoleName: 'capa-payments-dev',
      Path: '/capa-providers/',
      Arn: ROLE_ARN,
      RoleId: 'AROAEXAMPLE',
      CreateDate: new Date('2026-11-01T00:00:00Z'),
      AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)),
      Tags: ownerTags('payments_dev_2'),
      ...overrides,
    },
  };
}

beforeEach(() => iam.reset());

describe('ensureRole', () => {
  it('adopts the role this execution created on an earlier try of the step, as created by it', async () => {
    // Prepare
    iam.on(CreateRoleCommand).rejects(alreadyExists());
    iam.on(GetRoleCommand).resolves(storedRole());

    // Act
    const ensured = await ensureRole(new IAMClient({}), target, trust, now);

    // Assess
    expect(ensured).toEqual({ roleArn: ROLE_ARN, roleName: 'capa-payments-dev', createdByThisExecution: true, ensuredAt: '2026-11-29T10:00:00.000Z' });
    expect(iam).toHaveReceivedCommandWith(GetRoleCommand, { RoleName: 'capa-payments-dev' });
  });

  it('adopts an untagged role with the same path and trust, as not created by this execution, with the ARN derived when IAM gives none', async () => {
    // Prepare
    iam.on(CreateRoleCommand).rejects(alreadyExists());
    iam.on(GetRoleCommand).resolves(storedRole({ Tags: undefined, Arn: undefined }));

    // Act
    const ensured = await ensureRole(new IAMClient({}), target, trust, now);

    // Assess
    expect(ensured).toEqual({ roleArn: ROLE_ARN, roleName: 'capa-payments-dev', createdByThisExecution: false, ensuredAt: '2026-11-29T10:00:00.000Z' });
  });

  it('refuses, as ROLE_CONFLICT, a role on the path, not tagged for this provider, that trusts someone else', async () => {
    // Prepare
    iam.on(CreateRoleCommand).rejects(alreadyExists());
    iam.on(GetRoleCommand).resolves(storedRole({ AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(otherTrust)), Tags: [] }));

    // Act
    const ensured = ensureRole(new IAMClient({}), target, trust, now);

    // Assess
    await expect(ensured).rejects.toMatchObject({
      name: 'RoleConflict',
      message: 'Role capa-payments-dev already exists in account 111122223333 with a different trust policy; it was left unchanged',
    });
  });

  it('refuses, as ROLE_CONFLICT, a role on the path, not tagged for this provider, whose trust policy IAM does not return', async () => {
    // Prepare
    iam.on(CreateRoleCommand).rejects(alreadyExists());
    iam.on(GetRoleCommand).resolves(storedRole({ AssumeRolePolicyDocument: undefined, Tags: undefined }));

    // Act
    const ensured = ensureRole(new IAMClient({}), target, trust, now);

    // Assess
    await expect(ensured).rejects.toMatchObject({
      name: 'RoleConflict',
      message: 'Role capa-payments-dev already exists in account 111122223333 with a different trust policy; it was left unchanged',
    });
  });

  it('refuses, as ROLE_CONFLICT, a name IAM reports as taken but returns no role for', async () => {
    // Prepare
    iam.on(CreateRoleCommand).rejects(alreadyExists());
    iam.on(GetRoleCommand).resolves({});

    // Act
    const ensured = ensureRole(new IAMClient({}), target, trust, now);

    // Assess
    await expect(ensured).rejects.toMatchObject({
      name: 'RoleConflict',
      message: 'Role capa-payments-dev already exists in account 111122223333 with a different path (undefined); it was left unchanged',
    });
  });

  it('passes on a CreateRole error that is neither "already exists" nor transient, without reading the role', async () => {
    // Prepare
    const denied = accessDenied();
    iam.on(CreateRoleCommand).rejects(denied);

    // Act
    const ensured = ensureRole(new IAMClient({}), target, trust, now);

    // Assess
    await expect(ensured).rejects.toBe(denied);
    expect(iam).toHaveReceivedCommandTimes(GetRoleCommand, 0);
  });

  it('turns throttling of the GetRole that follows "already exists" into TransientAwsError', async () => {
    // Prepare
    iam.on(CreateRoleCommand).rejects(alreadyExists());
    iam.on(GetRoleCommand).rejects(throttling());

    // Act
    const ensured = ensureRole(new IAMClient({}), target, trust, now);

    // Assess
    await expect(ensured).rejects.toMatchObject({ name: 'TransientAwsError', message: 'GetRole capa-payments-dev: Rate exceeded' });
  });

  it.each([
    ['NoSuchEntity', noSuchEntity],
    ['AccessDenied (the path-less name of a deleted role)', accessDenied],
  ])('creates the role again when the one CreateRole found is gone before its read (%s)', async (_, gone) => {
    // Prepare: an earlier attempt's role, removed by its execution's cleanup in between.
    iam.on(CreateRoleCommand).rejectsOnce(alreadyExists()).resolves({});
    iam.on(GetRoleCommand).rejects(gone());

    // Act
    const ensured = await ensureRole(new IAMClient({}), target, trust, now);

    // Assess
    expect(ensured).toEqual({ roleArn: ROLE_ARN, roleName: 'capa-payments-dev', createdByThisExecution: true, ensuredAt: '2026-11-29T10:00:00.000Z' });
    expect(iam).toHaveReceivedCommandTimes(CreateRoleCommand, 2);
  });

  it('a name that still exists and still may not be read after one more CreateRole is a role outside the product path: RoleConflict', async () => {
    // Prepare
    iam.on(CreateRoleCommand).rejects(alreadyExists());
    iam.on(GetRoleCommand).rejects(accessDenied());

    // Act
    const ensured = ensureRole(new IAMClient({}), target, trust, now);

    // Assess
    await expect(ensured).rejects.toMatchObject({ name: 'RoleConflict' });
    expect(iam).toHaveReceivedCommandTimes(CreateRoleCommand, 2);
    expect(iam).toHaveReceivedCommandTimes(GetRoleCommand, 2);
  });
});

describe('ensureCapaPolicies', () => {
  it('passes on a CreatePolicy error that is neither "already exists" nor transient, attaching nothing', async () => {
    // Prepare
    const denied = accessDenied();
    iam.on(CreatePolicyCommand).rejects(denied);

    // Act
    const ensuring = ensureCapaPolicies(new IAMClient({}), target);

    // Assess
    await expect(ensuring).rejects.toBe(denied);
    expect(iam).toHaveReceivedCommandTimes(GetPolicyCommand, 0);
    expect(iam).toHaveReceivedCommandTimes(AttachRolePolicyCommand, 0);
  });

  it('turns throttling of CreatePolicy into TransientAwsError naming the policy', async () => {
    // Prepare
    iam.on(CreatePolicyCommand).rejects(throttling());

    // Act
    const ensuring = ensureCapaPolicies(new IAMClient({}), target);

    // Assess
    await expect(ensuring).rejects.toMatchObject({ name: 'TransientAwsError', message: `CreatePolicy ${POLICY_ARN}: Rate exceeded` });
  });

  it('turns throttling of the GetPolicy that follows "already exists" into TransientAwsError', async () => {
    // Prepare
    iam.on(CreatePolicyCommand).rejects(alreadyExists());
    iam.on(GetPolicyCommand).rejects(throttling());

    // Act
    const ensuring = ensureCapaPolicies(new IAMClient({}), target);

    // Assess
    await expect(ensuring).rejects.toMatchObject({ name: 'TransientAwsError', message: `GetPolicy ${POLICY_ARN}: Rate exceeded` });
  });

  it('refuses, as POLICY_CONFLICT, a policy of that name without a version tag', async () => {
    // Prepare
    iam.on(CreatePolicyCommand).rejects(alreadyExists());
    iam.on(GetPolicyCommand).resolves({ Policy: { Arn: POLICY_ARN } });

    // Act
    const ensuring = ensureCapaPolicies(new IAMClient({}), target);

    // Assess
    await expect(ensuring).rejects.toMatchObject({
      name: 'PolicyConflict',
      message: `Policy ${POLICY_ARN} already exists with version unknown (expected sha256:94279e60de6f460d); it was left unchanged`,
    });
    expect(iam).toHaveReceivedCommandTimes(AttachRolePolicyCommand, 0);
  });
});

describe('ensureCapaPolicies, a policy IAM reports as existing but returns nothing for', () => {
  it('is refused as POLICY_CONFLICT at an unknown version', async () => {
    // Prepare
    iam.on(CreatePolicyCommand).rejects(alreadyExists());
    iam.on(GetPolicyCommand).resolves({});

    // Act
    const ensuring = ensureCapaPolicies(new IAMClient({}), target);

    // Assess
    await expect(ensuring).rejects.toMatchObject({ name: 'PolicyConflict' });
  });
});

describe('roleCreatedBy', () => {
  it.each<[string, () => void, boolean]>([
    ['the role carries this execution\'s tag', () => iam.on(GetRoleCommand).resolves(storedRole()), true],
    ['the role carries an earlier execution\'s tag', () => iam.on(GetRoleCommand).resolves(storedRole({ Tags: ownerTags('payments_dev_1') })), false],
    ['the role has no tags', () => iam.on(GetRoleCommand).resolves(storedRole({ Tags: undefined })), false],
    ['the role has tags but no owner tag', () => iam.on(GetRoleCommand).resolves(storedRole({ Tags: [{ Key: 'team', Value: 'payments' }] })), false],
    ['there is no such role', () => iam.on(GetRoleCommand).rejects(noSuchEntity()), false],
    ['the role may not be read (outside the product path)', () => iam.on(GetRoleCommand).rejects(accessDenied()), false],
  ])('when %s, created by this execution is %s', async (_what, answer, expected) => {
    // Prepare
    answer();

    // Act
    const created = await roleCreatedBy(new IAMClient({}), target);

    // Assess
    expect(created).toBe(expected);
  });

  it('turns throttling of GetRole into TransientAwsError', async () => {
    // Prepare
    iam.on(GetRoleCommand).rejects(throttling());

    // Act
    const checking = roleCreatedBy(new IAMClient({}), target);

    // Assess
    await expect(checking).rejects.toMatchObject({ name: 'TransientAwsError', message: 'GetRole capa-payments-dev: Rate exceeded' });
  });

  it('passes on any other GetRole error', async () => {
    // Prepare
    const invalid = sdkError('InvalidInput', 400, 'bad role name');
    iam.on(GetRoleCommand).rejects(invalid);

    // Act
    const checking = roleCreatedBy(new IAMClient({}), target);

    // Assess
    await expect(checking).rejects.toBe(invalid);
  });
});

describe('removeCreatedResources', () => {
  /** The role and policy exist, both created by this execution; the role also holds another policy. */
  function accountWithOwnRoleAndPolicy() {
    iam.on(GetRoleCommand).resolves(storedRole({ Arn: undefined }));
    iam.on(GetPolicyCommand).resolves({ Policy: { Arn: POLICY_ARN, Tags: ownerTags('payments_dev_2') } });
    iam.on(ListPolicyVersionsCommand).resolves({
      Versions: [{ VersionId: 'v3', IsDefaultVersion: true }, { IsDefaultVersion: false }, { VersionId: 'v2', IsDefaultVersion: false }],
    });
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: OTHER_POLICY_ARN }] });
  }

  it('deletes the policy (detached, non-default versions first) and the role (every policy detached), returning both ARNs', async () => {
    // Prepare
    accountWithOwnRoleAndPolicy();

    // Act
    const removed = await removeCreatedResources(new IAMClient({}), target);

    // Assess
    expect(removed).toEqual([POLICY_ARN, ROLE_ARN]);
    expect(iam.commandCalls(DetachRolePolicyCommand).map((call) => call.args[0].input)).toEqual([
      { RoleName: 'capa-payments-dev', PolicyArn: POLICY_ARN },
      { RoleName: 'capa-payments-dev', PolicyArn: OTHER_POLICY_ARN },
    ]);
    expect(iam.commandCalls(DeletePolicyVersionCommand).map((call) => call.args[0].input)).toEqual([{ PolicyArn: POLICY_ARN, VersionId: 'v2' }]);
    expect(iam).toHaveReceivedCommandWith(ListPolicyVersionsCommand, { PolicyArn: POLICY_ARN });
    expect(iam).toHaveReceivedCommandWith(DeletePolicyCommand, { PolicyArn: POLICY_ARN });
    expect(iam).toHaveReceivedCommandWith(ListAttachedRolePoliciesCommand, { RoleName: 'capa-payments-dev' });
    expect(iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: 'capa-payments-dev' });
  });

  it('deletes its policy without detaching it when the role is gone', async () => {
    // Prepare
    iam.on(GetRoleCommand).rejects(noSuchEntity());
    iam.on(GetPolicyCommand).resolves({ Policy: { Arn: POLICY_ARN, Tags: ownerTags('payments_dev_2') } });
    iam.on(ListPolicyVersionsCommand).resolves({});

    // Act
    const removed = await removeCreatedResources(new IAMClient({}), target);

    // Assess
    expect(removed).toEqual([POLICY_ARN]);
    expect(iam).toHaveReceivedCommandTimes(DetachRolePolicyCommand, 0);
    expect(iam).toHaveReceivedCommandTimes(DeletePolicyVersionCommand, 0);
    expect(iam).toHaveReceivedCommandTimes(DeletePolicyCommand, 1);
    expect(iam).toHaveReceivedCommandTimes(DeleteRoleCommand, 0);
  });

  it('deletes its role when its policy is gone, and a role holding no policies', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(storedRole());
    iam.on(GetPolicyCommand).rejects(noSuchEntity());
    iam.on(ListAttachedRolePoliciesCommand).resolves({});

    // Act
    const removed = await removeCreatedResources(new IAMClient({}), target);

    // Assess
    expect(removed).toEqual([ROLE_ARN]);
    expect(iam).toHaveReceivedCommandTimes(DetachRolePolicyCommand, 0);
    expect(iam).toHaveReceivedCommandTimes(DeleteRoleCommand, 1);
  });

  it('counts as removed what another try removed meanwhile (NoSuchEntity on detach and delete)', async () => {
    // Prepare
    accountWithOwnRoleAndPolicy();
    iam.on(DetachRolePolicyCommand).rejects(noSuchEntity());
    iam.on(DeletePolicyVersionCommand).rejects(noSuchEntity());
    iam.on(DeletePolicyCommand).rejects(noSuchEntity());
    iam.on(DeleteRoleCommand).rejects(noSuchEntity());

    // Act
    const removed = await removeCreatedResources(new IAMClient({}), target);

    // Assess
    expect(removed).toEqual([POLICY_ARN, ROLE_ARN]);
  });

  it('keeps an untagged policy of the provider\'s name', async () => {
    // Prepare
    iam.on(GetRoleCommand).rejects(noSuchEntity());
    iam.on(GetPolicyCommand).resolves({ Policy: { Arn: POLICY_ARN } });

    // Act
    const removed = await removeCreatedResources(new IAMClient({}), target);

    // Assess
    expect(removed).toEqual([]);
    expect(iam).toHaveReceivedCommandTimes(DeletePolicyCommand, 0);
  });

  it.each<[string, () => void, string]>([
    ['GetPolicy', () => iam.on(GetPolicyCommand).rejects(throttling()), `GetPolicy ${POLICY_ARN}`],
    ['the policy\'s DetachRolePolicy', () => iam.on(DetachRolePolicyCommand, { PolicyArn: POLICY_ARN }).rejects(throttling()), `DetachRolePolicy ${POLICY_ARN}`],
    ['ListPolicyVersions', () => iam.on(ListPolicyVersionsCommand).rejects(throttling()), `ListPolicyVersions ${POLICY_ARN}`],
    ['DeletePolicyVersion', () => iam.on(DeletePolicyVersionCommand).rejects(throttling()), `DeletePolicyVersion ${POLICY_ARN}`],
    ['DeletePolicy', () => iam.on(DeletePolicyCommand).rejects(throttling()), `DeletePolicy ${POLICY_ARN}`],
    ['ListAttachedRolePolicies', () => iam.on(ListAttachedRolePoliciesCommand).rejects(throttling()), 'ListAttachedRolePolicies capa-payments-dev'],
    ['the role\'s DetachRolePolicy', () => iam.on(DetachRolePolicyCommand, { PolicyArn: OTHER_POLICY_ARN }).rejects(throttling()), `DetachRolePolicy ${OTHER_POLICY_ARN}`],
    ['DeleteRole', () => iam.on(DeleteRoleCommand).rejects(throttling()), 'DeleteRole capa-payments-dev'],
  ])('turns throttling of %s into TransientAwsError naming the call', async (_call, throttle, what) => {
    // Prepare
    accountWithOwnRoleAndPolicy();
    throttle();

    // Act
    const removing = removeCreatedResources(new IAMClient({}), target);

    // Assess
    await expect(removing).rejects.toMatchObject({ name: 'TransientAwsError', message: `${what}: Rate exceeded` });
  });
});
