// What an ended execution left is found without its state: in the target account by the
// execution's owner tag, and on the management role the per-role grant only of a role that
// execution created. IAM and STS are mocked with the answers AWS gives.
import {
  DeletePolicyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { removeExecutionLeftovers, type LeftoverCleanup } from '../../../../functions/shared/adapters/execution-leftovers.js';
import { providerRecord } from '../../../support/provider-records.js';

const iam = mockClient(IAMClient);
const sts = mockClient(STSClient);

const ROLE_ARN = 'arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev';
const POLICY_ARN = 'arn:aws:iam::123456789012:policy/capa-providers/capa-payments-dev-capa-1';
const OTHER_ROLE_ARN = 'arn:aws:iam::999999999999:role/capa-providers/capa-other';
const MANAGEMENT_ROLE_ARN = 'arn:aws:iam::000000000000:role/capa-management';
const record = providerRecord({ status: 'FAILED', attempt: 2, executionName: 'payments_dev_2' });

function cleanup(mode: 'path' | 'per-role'): LeftoverCleanup {
  return {
    sts: new STSClient({}),
    managementIam: new IAMClient({}),
    bootstrapRoleName: 'OrganizationAccountAccessRole',
    grant: { managementRoleArn: MANAGEMENT_ROLE_ARN, partition: 'aws', rolePath: '/capa-providers/', mode },
  };
}

const ownerTags = (execution: string) => [
  { Key: 'capa-onboarding:provider-id', Value: 'payments.dev' },
  { Key: 'capa-onboarding:created-by-execution', Value: execution },
];

/** The provider's role and policy in the target account, both created by `execution`. */
function leftInAccount(execution: string): void {
  iam.on(GetRoleCommand).resolves({
    Role: { RoleName: 'capa-payments-dev', Path: '/capa-providers/', Arn: ROLE_ARN, RoleId: 'AROAEXAMPLE', CreateDate: new Date('2026-11-28T00:00:00Z'), Tags: ownerTags(execution) },
  });
  iam.on(GetPolicyCommand).resolves({ Policy: { PolicyName: 'capa-payments-dev-capa-1', Arn: POLICY_ARN, Tags: ownerTags(execution) } });
  iam.on(ListPolicyVersionsCommand).resolves({ Versions: [{ VersionId: 'v1', IsDefaultVersion: true }] });
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
}

/** The per-role grant on the management role, listing the provider's role and another one. */
function grantedRoles(...roleArns: string[]): void {
  const document = { Version: '2012-10-17', Statement: [{ Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArns }] };
  iam.on(GetRolePolicyCommand).resolves({ RoleName: 'capa-management', PolicyName: 'capa-provider-onboarding-assume', PolicyDocument: encodeURIComponent(JSON.stringify(document)) });
}

beforeEach(() => {
  iam.reset();
  sts.reset();
  sts.on(AssumeRoleCommand).resolves({
    Credentials: { AccessKeyId: 'ASIATARGET', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date('2026-11-28T07:00:00Z') },
  });
});

describe('removeExecutionLeftovers', () => {
  it("removes the execution's role and policy, and first its per-role grant, through the bootstrap role narrowed to the product path", async () => {
    // Prepare
    leftInAccount('payments_dev_2');
    grantedRoles(OTHER_ROLE_ARN, ROLE_ARN);

    // Act
    const removed = await removeExecutionLeftovers(cleanup('per-role'), record, 'payments_dev_2');

    // Assess
    expect(removed).toEqual([`${MANAGEMENT_ROLE_ARN} grant for ${ROLE_ARN}`, POLICY_ARN, ROLE_ARN]);
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: 'arn:aws:iam::123456789012:role/OrganizationAccountAccessRole',
      RoleSessionName: 'capa-onboarding-execution-ended-2',
    });
    expect(JSON.parse(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input.Policy!).Statement.map((s: { Resource: string }) => s.Resource)).toEqual([
      'arn:aws:iam::123456789012:role/capa-providers/*',
      'arn:aws:iam::123456789012:policy/capa-providers/*',
    ]);
    expect(JSON.parse(iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input.PolicyDocument!).Statement[0].Resource).toEqual([OTHER_ROLE_ARN]);
    expect(iam).toHaveReceivedCommandWith(DetachRolePolicyCommand, { RoleName: 'capa-payments-dev', PolicyArn: POLICY_ARN });
    expect(iam).toHaveReceivedCommandWith(DeletePolicyCommand, { PolicyArn: POLICY_ARN });
    expect(iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: 'capa-payments-dev' });
    const order = iam.calls().map((call) => call.args[0].constructor.name);
    expect(order.indexOf('PutRolePolicyCommand')).toBeLessThan(order.indexOf('DeleteRoleCommand'));
  });

  it('keeps a role and policy another execution created, and its grant', async () => {
    // Prepare
    leftInAccount('payments_dev_1');
    grantedRoles(ROLE_ARN);

    // Act
    const removed = await removeExecutionLeftovers(cleanup('per-role'), record, 'payments_dev_2');

    // Assess
    expect(removed).toEqual([]);
    expect(iam).toHaveReceivedCommandTimes(GetRolePolicyCommand, 0);
    expect(iam).toHaveReceivedCommandTimes(PutRolePolicyCommand, 0);
    expect(iam).toHaveReceivedCommandTimes(DeleteRolePolicyCommand, 0);
    expect(iam).toHaveReceivedCommandTimes(DeleteRoleCommand, 0);
    expect(iam).toHaveReceivedCommandTimes(DeletePolicyCommand, 0);
  });

  it('in path mode never touches the shared grant', async () => {
    // Prepare
    leftInAccount('payments_dev_2');

    // Act
    const removed = await removeExecutionLeftovers(cleanup('path'), record, 'payments_dev_2');

    // Assess
    expect(removed).toEqual([POLICY_ARN, ROLE_ARN]);
    expect(iam).toHaveReceivedCommandTimes(GetRolePolicyCommand, 0);
    expect(iam).toHaveReceivedCommandTimes(PutRolePolicyCommand, 0);
  });

  it('removes nothing from an account whose bootstrap role refuses the service (nothing can have been created there)', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));

    // Act
    const removed = await removeExecutionLeftovers(cleanup('per-role'), record, 'payments_dev_2');

    // Assess
    expect(removed).toEqual([]);
    expect(iam).not.toHaveReceivedAnyCommand();
  });

  it('fails with TransientAwsError when the bootstrap AssumeRole is throttled, instead of reporting nothing to remove', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));

    // Act
    const removing = removeExecutionLeftovers(cleanup('per-role'), record, 'payments_dev_2');

    // Assess
    await expect(removing).rejects.toMatchObject({
      name: 'TransientAwsError',
      message: 'AssumeRole arn:aws:iam::123456789012:role/OrganizationAccountAccessRole: Rate exceeded',
    });
    expect(iam).not.toHaveReceivedAnyCommand();
  });

  it('assumes the bootstrap role in a session named after the step and the attempt', async () => {
    // Prepare
    iam.on(GetRoleCommand).rejects(Object.assign(new Error('not found'), { name: 'NoSuchEntity', $metadata: { httpStatusCode: 404 } }));
    iam.on(GetPolicyCommand).rejects(Object.assign(new Error('not found'), { name: 'NoSuchEntity', $metadata: { httpStatusCode: 404 } }));

    // Act
    const removed = await removeExecutionLeftovers(cleanup('per-role'), record, 'payments_dev_2');

    // Assess
    expect(removed).toEqual([]);
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleSessionName: 'capa-onboarding-execution-ended-2' });
  });
});
