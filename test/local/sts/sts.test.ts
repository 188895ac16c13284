import { CreateRoleCommand, GetRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../../../local/core/types.js';
import { LocalIam } from '../../../local/iam/index.js';
import { adminRequest, startHarness, type Credentials, type Harness } from '../iam/harness.js';

const MGMT = '000000000000';
const TARGET = '111122223333';
const EXTERNAL_ID = 'ext-7f3a9c21-onboarding';

let clock: number;
let local: LocalIam;
let harness: Harness;
let adminSts: STSClient;

function externalIdTrust(externalId: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${MGMT}:root` },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': externalId } },
      },
    ],
  };
}

/** A role in the management account and a session of it, as a Lambda function would have. */
function functionSession(roleName: string, policy?: PolicyDocument): Credentials {
  const { arn } = local.createRole(MGMT, {
    roleName,
    assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
  });
  if (policy !== undefined) local.putRolePolicy(MGMT, roleName, 'inline', policy);
  return local.sessionForService(arn, 'lambda.amazonaws.com', { sessionName: roleName });
}

async function assume(sts: STSClient, roleArn: string, extra: { ExternalId?: string; Policy?: string; RoleSessionName?: string } = {}) {
  return sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: extra.RoleSessionName ?? 'test-session', ...extra }));
}

beforeEach(async () => {
  clock = Date.parse('2026-03-01T12:00:00Z');
  local = new LocalIam({ now: () => clock });
  harness = await startHarness(local);
  adminSts = harness.clients(local.adminCredentials()).sts;
});

afterEach(async () => {
  await harness.close();
});

describe('AssumeRole and the External ID', () => {
  it('issues ASIA credentials and the assumed-role user with the right External ID', async () => {
    // Prepare
    const { arn } = local.createRole(TARGET, { roleName: 'capa-team', path: '/capa-providers/', assumeRolePolicyDocument: externalIdTrust(EXTERNAL_ID) });
    // Act
    const result = await assume(adminSts, arn, { ExternalId: EXTERNAL_ID, RoleSessionName: 'verify' });
    // Assess
    expect(result.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(result.Credentials?.SecretAccessKey).toBeTruthy();
    expect(result.Credentials?.SessionToken).toBeTruthy();
    expect(result.Credentials?.Expiration?.getTime()).toBe(clock + 3600_000);
    expect(result.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${TARGET}:assumed-role/capa-team/verify`);
    expect(result.AssumedRoleUser?.AssumedRoleId).toBe(`${local.getRole(TARGET, 'capa-team')?.roleId}:verify`);
  });

  it('denies a wrong or missing External ID with AccessDenied (403)', async () => {
    // Prepare
    const { arn } = local.createRole(TARGET, { roleName: 'capa-team', path: '/capa-providers/', assumeRolePolicyDocument: externalIdTrust(EXTERNAL_ID) });
    // Act
    const wrong = await assume(adminSts, arn, { ExternalId: 'ext-not-the-one' }).catch((e: unknown) => e);
    const missing = await assume(adminSts, arn).catch((e: unknown) => e);
    // Assess
    for (const error of [wrong, missing]) {
      expect(error).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      expect((error as Error).message).toBe(`User: arn:aws:iam::${MGMT}:user/local-admin is not authorized to perform: sts:AssumeRole on resource: ${arn}`);
    }
  });

  it('denies a missing role exactly like a refusing trust policy', async () => {
    // Prepare
    const arn = `arn:aws:iam::${TARGET}:role/capa-providers/ghost`;
    // Act
    const error = await assume(adminSts, arn, { ExternalId: EXTERNAL_ID }).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ name: 'AccessDenied' });
    expect((error as Error).message).toBe(`User: arn:aws:iam::${MGMT}:user/local-admin is not authorized to perform: sts:AssumeRole on resource: ${arn}`);
  });

  it('lets an explicit Deny in the trust policy win', async () => {
    // Prepare
    const trust = externalIdTrust(EXTERNAL_ID);
    const statements = Array.isArray(trust.Statement) ? trust.Statement : [trust.Statement];
    statements.push({ Effect: 'Deny', Principal: { AWS: MGMT }, Action: 'sts:AssumeRole', Condition: { StringLike: { 'sts:RoleSessionName': 'blocked-*' } } });
    const { arn } = local.createRole(TARGET, { roleName: 'denying', assumeRolePolicyDocument: { Statement: statements } });
    // Act
    const ok = await assume(adminSts, arn, { ExternalId: EXTERNAL_ID, RoleSessionName: 'fine' });
    const denied = await assume(adminSts, arn, { ExternalId: EXTERNAL_ID, RoleSessionName: 'blocked-1' }).catch((e: unknown) => e);
    // Assess
    expect(ok.AssumedRoleUser?.Arn).toContain('/fine');
    expect(denied).toMatchObject({ name: 'AccessDenied' });
  });
});

describe('identity permissions of the caller', () => {
  it('denies a caller whose own policies do not allow sts:AssumeRole on the role', async () => {
    // Prepare
    const { arn } = local.createRole(TARGET, { roleName: 'capa-team', path: '/capa-providers/', assumeRolePolicyDocument: externalIdTrust(EXTERNAL_ID) });
    const creds = functionSession('no-permissions');
    const sts = harness.clients(creds).sts;
    // Act
    const error = await assume(sts, arn, { ExternalId: EXTERNAL_ID }).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect((error as Error).message).toBe(
      `User: arn:aws:sts::${MGMT}:assumed-role/no-permissions/no-permissions is not authorized to perform: sts:AssumeRole on resource: ${arn} because no identity-based policy allows the sts:AssumeRole action`,
    );
  });

  it('allows a caller whose policy allows AssumeRole on the path, when the trust policy names its account', async () => {
    // Prepare
    const { arn } = local.createRole(TARGET, { roleName: 'capa-team', path: '/capa-providers/', assumeRolePolicyDocument: externalIdTrust(EXTERNAL_ID) });
    const creds = functionSession('verify-role', {
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/capa-providers/*' }],
    });
    const sts = harness.clients(creds).sts;
    // Act
    const result = await assume(sts, arn, { ExternalId: EXTERNAL_ID, RoleSessionName: 'chained' });
    const tooLong = await sts
      .send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'long', ExternalId: EXTERNAL_ID, DurationSeconds: 7200 }))
      .catch((e: unknown) => e);
    // Assess
    expect(result.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${TARGET}:assumed-role/capa-team/chained`);
    expect(tooLong).toMatchObject({ name: 'ValidationError' });
  });

  it('denies IAM calls the role has no permission for, naming the action and resource', async () => {
    // Prepare
    const creds = functionSession('reader', { Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }] });
    const iam = harness.clients(creds).iam;
    // Act
    const read = await iam.send(new GetRoleCommand({ RoleName: 'reader' }));
    const write = await iam
      .send(new CreateRoleCommand({ RoleName: 'sneaky', AssumeRolePolicyDocument: JSON.stringify(externalIdTrust('x1')) }))
      .catch((e: unknown) => e);
    // Assess
    expect(read.Role?.RoleName).toBe('reader');
    expect(write).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect((write as Error).message).toBe(
      `User: arn:aws:sts::${MGMT}:assumed-role/reader/reader is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::${MGMT}:role/sneaky because no identity-based policy allows the iam:CreateRole action`,
    );
  });
});

describe('IAM propagation', () => {
  it('denies a new role until the propagation delay has passed, then allows it', async () => {
    // Prepare
    local.setPropagationDelay(() => 8_000);
    const { arn } = local.createRole(TARGET, { roleName: 'fresh', assumeRolePolicyDocument: externalIdTrust(EXTERNAL_ID) });
    // Act
    const early = await assume(adminSts, arn, { ExternalId: EXTERNAL_ID }).catch((e: unknown) => e);
    clock += 7_999;
    const almost = await assume(adminSts, arn, { ExternalId: EXTERNAL_ID }).catch((e: unknown) => e);
    clock += 1;
    const later = await assume(adminSts, arn, { ExternalId: EXTERNAL_ID });
    // Assess
    expect(early).toMatchObject({ name: 'AccessDenied' });
    expect(almost).toMatchObject({ name: 'AccessDenied' });
    expect(later.Credentials?.AccessKeyId).toMatch(/^ASIA/);
  });

  it('applies the delay again to a changed trust policy', async () => {
    // Prepare
    const { arn } = local.createRole(TARGET, { roleName: 'changing', assumeRolePolicyDocument: externalIdTrust('ext-old-1') });
    await assume(adminSts, arn, { ExternalId: 'ext-old-1' });
    local.setPropagationDelay(() => 5_000);
    // Act
    local.updateAssumeRolePolicy(TARGET, 'changing', externalIdTrust('ext-new-2'));
    const during = await assume(adminSts, arn, { ExternalId: 'ext-new-2' }).catch((e: unknown) => e);
    clock += 5_000;
    const after = await assume(adminSts, arn, { ExternalId: 'ext-new-2' });
    // Assess
    expect(during).toMatchObject({ name: 'AccessDenied' });
    expect(after.AssumedRoleUser?.Arn).toContain('assumed-role/changing/');
  });
});

describe('session policies', () => {
  it('limits a bootstrap-role session to the product path for IAM writes', async () => {
    // Prepare: an administrator bootstrap role in the target account, reached with a session policy.
    const { accountId } = local.createAccount('team-payments-dev', 'payments-dev@example.com');
    const bootstrapArn = `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`;
    const sessionPolicy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['iam:CreateRole', 'iam:TagRole', 'iam:GetRole'], Resource: `arn:aws:iam::${accountId}:role/capa-providers/*` },
      ],
    };
    const assumed = await assume(adminSts, bootstrapArn, { Policy: JSON.stringify(sessionPolicy), RoleSessionName: 'onboarding' });
    const creds = assumed.Credentials;
    const iam = new IAMClient({
      endpoint: harness.endpoint,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: { accessKeyId: creds?.AccessKeyId ?? '', secretAccessKey: creds?.SecretAccessKey ?? '', sessionToken: creds?.SessionToken ?? '' },
    });
    const trust = JSON.stringify(externalIdTrust(EXTERNAL_ID));
    // Act
    const inside = await iam.send(
      new CreateRoleCommand({ RoleName: 'capa-a', Path: '/capa-providers/', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'capa', Value: '1' }] }),
    );
    const outside = await iam.send(new CreateRoleCommand({ RoleName: 'capa-b', AssumeRolePolicyDocument: trust })).catch((e: unknown) => e);
    const notInSession = await iam
      .send(new PutRolePolicyCommand({ RoleName: 'capa-a', PolicyName: 'p', PolicyDocument: '{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}' }))
      .catch((e: unknown) => e);
    // Assess
    expect(assumed.PackedPolicySize).toBeGreaterThan(0);
    expect(inside.Role?.Arn).toBe(`arn:aws:iam::${accountId}:role/capa-providers/capa-a`);
    expect(outside).toMatchObject({ name: 'AccessDenied' });
    expect((outside as Error).message).toBe(
      `User: arn:aws:sts::${accountId}:assumed-role/OrganizationAccountAccessRole/onboarding is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::${accountId}:role/capa-b because no session policy allows the iam:CreateRole action`,
    );
    expect(notInSession).toMatchObject({ name: 'AccessDenied' });
    expect(local.getRole(accountId, 'capa-b')).toBeUndefined();
  });

  it('checks the session policy of a chained caller for AssumeRole too', async () => {
    // Prepare
    const { arn } = local.createRole(TARGET, { roleName: 'capa-team', path: '/capa-providers/', assumeRolePolicyDocument: externalIdTrust(EXTERNAL_ID) });
    const hub = local.createRole(MGMT, {
      roleName: 'hub',
      assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: MGMT }, Action: 'sts:AssumeRole' }] },
    });
    local.attachRolePolicy(MGMT, 'hub', 'arn:aws:iam::aws:policy/AdministratorAccess');
    const narrowed = await assume(adminSts, hub.arn, {
      Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/other/*' }] }),
    });
    const c = narrowed.Credentials;
    const sts = harness.clients({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' }).sts;
    // Act
    const error = await assume(sts, arn, { ExternalId: EXTERNAL_ID }).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ name: 'AccessDenied' });
    expect((error as Error).message).toContain('because no session policy allows the sts:AssumeRole action');
  });
});

describe('sessions as callers', () => {
  it('resolves assumed-role credentials to the session, in GetCallerIdentity and resolveAccessKey', async () => {
    // Prepare
    const { arn } = local.createRole(TARGET, { roleName: 'capa-team', path: '/capa-providers/', assumeRolePolicyDocument: externalIdTrust(EXTERNAL_ID) });
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: 'iam:GetRole', Resource: '*' }] };
    const assumed = await assume(adminSts, arn, { ExternalId: EXTERNAL_ID, RoleSessionName: 'who-am-i', Policy: JSON.stringify(policy) });
    const c = assumed.Credentials;
    const sts = harness.clients({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' }).sts;
    // Act
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    const resolved = local.resolveAccessKey(c?.AccessKeyId ?? '');
    const admin = await adminSts.send(new GetCallerIdentityCommand({}));
    // Assess
    expect(identity).toMatchObject({ Account: TARGET, Arn: `arn:aws:sts::${TARGET}:assumed-role/capa-team/who-am-i`, UserId: assumed.AssumedRoleUser?.AssumedRoleId });
    expect(resolved).toEqual({
      accessKeyId: c?.AccessKeyId,
      accountId: TARGET,
      arn: `arn:aws:sts::${TARGET}:assumed-role/capa-team/who-am-i`,
      principalType: 'assumed-role',
      roleArn: arn,
      sessionName: 'who-am-i',
      sessionPolicy: policy,
    });
    expect(admin).toMatchObject({ Account: MGMT, Arn: `arn:aws:iam::${MGMT}:user/local-admin`, UserId: 'AIDALOCALADMIN0000000' });
  });

  it('forgets credentials once they expire', async () => {
    // Prepare
    const { arn } = local.createRole(TARGET, { roleName: 'short', assumeRolePolicyDocument: externalIdTrust(EXTERNAL_ID) });
    const assumed = await adminSts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 's1', ExternalId: EXTERNAL_ID, DurationSeconds: 900 }));
    const key = assumed.Credentials?.AccessKeyId ?? '';
    // Act
    const before = local.resolveAccessKey(key);
    clock += 900_000;
    const after = local.resolveAccessKey(key);
    // Assess
    expect(before?.roleArn).toBe(arn);
    expect(after).toBeUndefined();
  });

  it('gives a service session only to a service the trust policy names', () => {
    // Prepare
    const { arn } = local.createRole(MGMT, {
      roleName: 'fn-role',
      assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
    });
    // Act
    const creds = local.sessionForService(arn, 'lambda.amazonaws.com', { sessionName: 'create-role' });
    const refused = (() => {
      try {
        local.sessionForService(arn, 'states.amazonaws.com');
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    // Assess
    expect(local.resolveAccessKey(creds.accessKeyId)?.arn).toBe(`arn:aws:sts::${MGMT}:assumed-role/fn-role/create-role`);
    expect(refused).toMatchObject({ code: 'AccessDenied' });
  });

  it('rejects invalid AssumeRole input with ValidationError', async () => {
    // Prepare
    const { arn } = local.createRole(TARGET, { roleName: 'valid', assumeRolePolicyDocument: externalIdTrust(EXTERNAL_ID) });
    // Act
    const badArn = await assume(adminSts, 'not-an-arn').catch((e: unknown) => e);
    const badSession = await assume(adminSts, arn, { RoleSessionName: 'has space', ExternalId: EXTERNAL_ID }).catch((e: unknown) => e);
    const badPolicy = await assume(adminSts, arn, { ExternalId: EXTERNAL_ID, Policy: '{"Statement":' }).catch((e: unknown) => e);
    // Assess
    expect(badArn).toMatchObject({ name: 'ValidationError' });
    expect(badSession).toMatchObject({ name: 'ValidationError' });
    expect(badPolicy).toMatchObject({ name: 'MalformedPolicyDocumentException' });
  });

  it('answers InvalidAction (400) for an operation STS does not serve, also one named like an Object member', async () => {
    // Prepare
    const actions = ['GetSessionToken', 'toString'];
    // Act
    const responses = await Promise.all(actions.map((action) => local.handleSts(adminRequest(local, 'sts', action))));
    // Assess
    expect(responses.map((r) => r.status)).toEqual([400, 400]);
    expect(responses[0]?.body).toContain('<Code>InvalidAction</Code><Message>Could not find operation GetSessionToken for version 2011-06-15</Message>');
    expect(responses[1]?.body).toContain('<Code>InvalidAction</Code><Message>Could not find operation toString for version 2011-06-15</Message>');
  });
});
