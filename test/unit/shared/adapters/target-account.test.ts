// Reaching a target account through its bootstrap role: the AssumeRole it sends, the IAM client it
// builds from the session, and how each failure of AssumeRole is reported.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { iamClientForTargetAccount } from '../../../../functions/shared/adapters/target-account.js';

const sts = mockClient(STSClient);
const BOOTSTRAP_ROLE_ARN = 'arn:aws-cn:iam::123456789012:role/OrganizationAccountAccessRole';
const access = {
  accountId: '123456789012',
  partition: 'aws-cn',
  bootstrapRoleName: 'OrganizationAccountAccessRole',
  rolePath: '/capa-providers/',
  sessionName: 'capa-onboarding-create-role-1',
};
const sdkError = (name: string, httpStatusCode: number, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
const session = { Credentials: { AccessKeyId: 'ASIABOOTSTRAP', SecretAccessKey: 'bootstrap-secret', SessionToken: 'bootstrap-token', Expiration: new Date('2026-11-29T11:00:00Z') } };

beforeEach(() => sts.reset());

describe('iamClientForTargetAccount', () => {
  it('builds an IAM client in the given region with the session\'s credentials and five attempts', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(session);

    // Act
    const iam = await iamClientForTargetAccount(new STSClient({ region: 'cn-north-1' }), access, 'cn-north-1');

    // Assess
    expect(await iam.config.region()).toBe('cn-north-1');
    expect(await iam.config.credentials()).toMatchObject({ accessKeyId: 'ASIABOOTSTRAP', secretAccessKey: 'bootstrap-secret', sessionToken: 'bootstrap-token' });
    expect(await iam.config.maxAttempts()).toBe(5);
  });

  it('gives every target account\'s client its own credentials over one shared HTTP handler, so connections are reused', async () => {
    // Prepare
    const other = { Credentials: { ...session.Credentials, AccessKeyId: 'ASIAOTHER', SecretAccessKey: 'other-secret' } };
    sts.on(AssumeRoleCommand).resolvesOnce(session).resolvesOnce(other);
    const client = new STSClient({ region: 'cn-north-1' });

    // Act
    const first = await iamClientForTargetAccount(client, access, 'cn-north-1');
    const second = await iamClientForTargetAccount(client, { ...access, accountId: '210987654321' }, 'cn-north-1');

    // Assess
    expect(second.config.requestHandler).toBe(first.config.requestHandler);
    expect(await first.config.credentials()).toMatchObject({ accessKeyId: 'ASIABOOTSTRAP' });
    expect(await second.config.credentials()).toMatchObject({ accessKeyId: 'ASIAOTHER', secretAccessKey: 'other-secret' });
  });

  it('assumes the bootstrap role of the account\'s partition, with a session name cut to IAM\'s 64 characters', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(session);

    // Act
    await iamClientForTargetAccount(new STSClient({ region: 'cn-north-1' }), { ...access, sessionName: `capa-onboarding-${'x'.repeat(60)}` }, 'cn-north-1');

    // Assess
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    const input = sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input;
    expect(input.RoleArn).toBe(BOOTSTRAP_ROLE_ARN);
    expect(input.RoleSessionName).toBe(`capa-onboarding-${'x'.repeat(48)}`);
    expect(input.DurationSeconds).toBe(900);
    expect(JSON.parse(input.Policy!).Statement.map((statement: { Resource: string }) => statement.Resource)).toEqual([
      'arn:aws-cn:iam::123456789012:role/capa-providers/*',
      'arn:aws-cn:iam::123456789012:policy/capa-providers/*',
    ]);
  });

  it.each([
    ['no credentials', {}],
    ['credentials without a secret key', { Credentials: { AccessKeyId: 'ASIABOOTSTRAP', SessionToken: 't', Expiration: new Date() } }],
    ['credentials without an access key', { Credentials: { SecretAccessKey: 's', SessionToken: 't', Expiration: new Date() } }],
  ])('fails when AssumeRole answers with %s', async (_what, answer) => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(answer as never);

    // Act
    const reaching = iamClientForTargetAccount(new STSClient({ region: 'cn-north-1' }), access, 'cn-north-1');

    // Assess
    await expect(reaching).rejects.toThrow(`AssumeRole on ${BOOTSTRAP_ROLE_ARN} returned no credentials`);
  });

  it('reports a denied AssumeRole as BootstrapRoleDenied, naming the role the account must set up', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(sdkError('AccessDenied', 403, 'not authorized to perform: sts:AssumeRole'));

    // Act
    const reaching = iamClientForTargetAccount(new STSClient({ region: 'cn-north-1' }), access, 'cn-north-1');

    // Assess
    await expect(reaching).rejects.toMatchObject({
      name: 'BootstrapRoleDenied',
      message:
        `Cannot assume ${BOOTSTRAP_ROLE_ARN}: the account must trust this service's account through its ` +
        '"OrganizationAccountAccessRole" role (not authorized to perform: sts:AssumeRole)',
    });
  });

  it('passes on an AssumeRole error that is neither denied nor transient', async () => {
    // Prepare
    const invalid = sdkError('MalformedPolicyDocument', 400, 'bad policy');
    sts.on(AssumeRoleCommand).rejects(invalid);

    // Act
    const reaching = iamClientForTargetAccount(new STSClient({ region: 'cn-north-1' }), access, 'cn-north-1');

    // Assess
    await expect(reaching).rejects.toBe(invalid);
  });
});
