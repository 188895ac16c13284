// Who may call AssumeRole, as AWS decides it: the local administrator is an IAM user (the root user
// cannot assume roles at all), and within one account a trust policy that names the calling role
// (or its session) lets it in on its own, while a trust policy naming only the account delegates
// to the caller's identity policies.
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type LocalServer } from '../../../local/core/server.js';
import type { CallerIdentity, PolicyDocument } from '../../../local/core/types.js';
import { LocalIam } from '../../../local/iam/index.js';
import { startHarness, type Credentials, type Harness } from '../iam/harness.js';

const MGMT = '000000000000';
const TARGET = '111122223333';

let local: LocalIam;
let harness: Harness;

beforeEach(async () => {
  local = new LocalIam({ now: () => Date.parse('2026-03-01T12:00:00Z') });
  harness = await startHarness(local);
});

afterEach(async () => {
  await harness.close();
});

const trusting = (...principals: string[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: principals }, Action: 'sts:AssumeRole' }],
});

/** A role with no identity policy at all, and a session of it (as a function would hold). */
function sessionOfBareRole(roleName: string): Credentials {
  const { arn } = local.createRole(MGMT, {
    roleName,
    assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
  });
  return local.sessionForService(arn, 'lambda.amazonaws.com', { sessionName: roleName });
}

const assume = (credentials: Credentials, roleArn: string, sessionName = 'assumed') =>
  harness.clients(credentials).sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName }));

describe('the local administrator', () => {
  it('is the IAM user local-admin of the management account, with the documented keys', async () => {
    // Act
    const identity = await harness.clients(local.adminCredentials()).sts.send(new GetCallerIdentityCommand({}));
    // Assess
    expect(local.adminCredentials()).toEqual({ accessKeyId: 'LOCALADMINACCESSKEY0', secretAccessKey: 'local-admin-secret' });
    expect(identity).toMatchObject({ Account: MGMT, Arn: `arn:aws:iam::${MGMT}:user/local-admin`, UserId: 'AIDALOCALADMIN0000000' });
  });

  it('assumes a role whose trust policy names its account, through its AdministratorAccess policy', async () => {
    // Prepare
    const { arn } = local.createRole(TARGET, { roleName: 'bootstrap', assumeRolePolicyDocument: trusting(`arn:aws:iam::${MGMT}:root`) });
    // Act
    const assumed = await assume(local.adminCredentials(), arn, 'admin');
    // Assess
    expect(assumed.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${TARGET}:assumed-role/bootstrap/admin`);
  });
});

describe('the root user', () => {
  let server: LocalServer;
  const root: CallerIdentity = { accessKeyId: 'ROOTACCESSKEY', accountId: MGMT, arn: `arn:aws:iam::${MGMT}:root`, principalType: 'account-root' };

  beforeEach(async () => {
    server = await startServer({
      port: 0,
      credentials: (accessKeyId) => (accessKeyId === root.accessKeyId ? { secretAccessKey: 'root-secret', identity: root } : undefined),
      handlers: { sts: (request) => local.handleSts(request) },
    });
  });

  afterEach(async () => {
    await server.close();
  });

  it('cannot assume a role, even one trusting its own account', async () => {
    // Prepare
    const { arn } = local.createRole(MGMT, { roleName: 'anyone-here', assumeRolePolicyDocument: trusting(`arn:aws:iam::${MGMT}:root`) });
    const sts = new STSClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: root.accessKeyId, secretAccessKey: 'root-secret' }, maxAttempts: 1 });
    // Act
    const attempt = sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'root' }));
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'AccessDenied', message: 'Roles may not be assumed by root accounts.', $metadata: { httpStatusCode: 403 } });
  });
});

describe('a trust policy naming the caller, within one account', () => {
  it('lets a role named directly assume it without any identity policy', async () => {
    // Prepare
    const caller = sessionOfBareRole('caller');
    const { arn } = local.createRole(MGMT, { roleName: 'target', assumeRolePolicyDocument: trusting(`arn:aws:iam::${MGMT}:role/caller`) });
    // Act
    const assumed = await assume(caller, arn);
    // Assess
    expect(assumed.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${MGMT}:assumed-role/target/assumed`);
  });

  it('still needs an identity-policy allow when the trust policy names only the account', async () => {
    // Prepare
    const caller = sessionOfBareRole('caller');
    const { arn } = local.createRole(MGMT, { roleName: 'target', assumeRolePolicyDocument: trusting(`arn:aws:iam::${MGMT}:root`) });
    // Act
    const attempt = assume(caller, arn);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:sts::${MGMT}:assumed-role/caller/caller is not authorized to perform: sts:AssumeRole on resource: ${arn} because no identity-based policy allows the sts:AssumeRole action`,
    });
  });

  it('still needs an identity-policy allow across accounts, even when the role is named', async () => {
    // Prepare
    const caller = sessionOfBareRole('caller');
    const { arn } = local.createRole(TARGET, { roleName: 'target', assumeRolePolicyDocument: trusting(`arn:aws:iam::${MGMT}:role/caller`) });
    // Act
    const attempt = assume(caller, arn);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:sts::${MGMT}:assumed-role/caller/caller is not authorized to perform: sts:AssumeRole on resource: ${arn} because no identity-based policy allows the sts:AssumeRole action`,
    });
  });

  it('lets an explicit deny in the identity policy win over a trust naming the role', async () => {
    // Prepare
    const caller = sessionOfBareRole('caller');
    local.putRolePolicy(MGMT, 'caller', 'no-assume', { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' }] });
    const { arn } = local.createRole(MGMT, { roleName: 'target', assumeRolePolicyDocument: trusting(`arn:aws:iam::${MGMT}:role/caller`) });
    // Act
    const attempt = assume(caller, arn);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:sts::${MGMT}:assumed-role/caller/caller is not authorized to perform: sts:AssumeRole on resource: ${arn} with an explicit deny in an identity-based policy`,
    });
  });

  it('limits a role named directly by its session policy, but not a session named directly', async () => {
    // Prepare: a session of `caller` whose session policy allows nothing but reading roles
    local.createRole(MGMT, { roleName: 'caller', assumeRolePolicyDocument: trusting(`arn:aws:iam::${MGMT}:root`) });
    const narrowed = await harness.clients(local.adminCredentials()).sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${MGMT}:role/caller`,
        RoleSessionName: 'narrow',
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }] }),
      }),
    );
    const session: Credentials = {
      accessKeyId: narrowed.Credentials!.AccessKeyId!,
      secretAccessKey: narrowed.Credentials!.SecretAccessKey!,
      sessionToken: narrowed.Credentials!.SessionToken!,
    };
    const byRole = local.createRole(MGMT, { roleName: 'by-role', assumeRolePolicyDocument: trusting(`arn:aws:iam::${MGMT}:role/caller`) });
    const bySession = local.createRole(MGMT, { roleName: 'by-session', assumeRolePolicyDocument: trusting(`arn:aws:sts::${MGMT}:assumed-role/caller/narrow`) });
    // Act
    // Both calls run together; the refusal is caught at once so it is never an unhandled rejection.
    const [refused, allowed] = await Promise.all([
      assume(session, byRole.arn).then(() => 'not refused', (error: unknown) => error),
      assume(session, bySession.arn),
    ]);
    // Assess
    expect(refused).toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:sts::${MGMT}:assumed-role/caller/narrow is not authorized to perform: sts:AssumeRole on resource: ${byRole.arn} because no session policy allows the sts:AssumeRole action`,
    });
    expect(allowed.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${MGMT}:assumed-role/by-session/assumed`);
  });
});
