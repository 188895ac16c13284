// The global condition keys AWS puts in the context of every authorization, as policies see them:
// aws:ResourceAccount (the account owning the resource acted on) next to the principal's keys, for
// a role session and for the local administrator (an IAM user); and how specifically a trust
// policy names its caller, which decides whether it grants on its own within one account.
import { describe, expect, it } from 'vitest';
import type { CallerIdentity, PolicyDocument, PolicyStatement } from '../../../local/core/types.js';
import { LocalIam, trustPolicyGrant } from '../../../local/iam/index.js';
import type { PrincipalRef } from '../../../local/iam/policy-eval.js';

const MGMT = '000000000000';
const TABLE = `arn:aws:dynamodb:us-east-1:${MGMT}:table/registry`;

/** A role whose only policy allows dynamodb:GetItem when `condition` holds, and a session of it. */
function sessionAllowedWhen(local: LocalIam, condition: PolicyStatement['Condition']): CallerIdentity {
  const { arn } = local.createRole(MGMT, {
    roleName: 'reader',
    assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
  });
  local.putRolePolicy(MGMT, 'reader', 'conditional', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*', ...(condition !== undefined ? { Condition: condition } : {}) }],
  });
  const session = local.sessionForService(arn, 'lambda.amazonaws.com', { sessionName: 'reader' });
  return local.resolveAccessKey(session.accessKeyId)!;
}

const outcome = (attempt: () => void): string => {
  try {
    attempt();
    return 'allowed';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('aws:ResourceAccount', () => {
  it('is the account that owns the resource, so a policy can keep a role to its own account', () => {
    // Prepare
    const local = new LocalIam();
    const caller = sessionAllowedWhen(local, { StringEquals: { 'aws:ResourceAccount': MGMT } });
    // Act
    const own = outcome(() => local.authorize(caller, 'dynamodb:GetItem', TABLE));
    // Assess
    expect(own).toBe('allowed');
  });

  it('is compared like any other key: a policy naming another account does not allow', () => {
    // Prepare
    const local = new LocalIam();
    const caller = sessionAllowedWhen(local, { StringEquals: { 'aws:ResourceAccount': '111122223333' } });
    // Act
    const elsewhere = outcome(() => local.authorize(caller, 'dynamodb:GetItem', TABLE));
    // Assess
    expect(elsewhere).toBe(
      `User: arn:aws:sts::${MGMT}:assumed-role/reader/reader is not authorized to perform: dynamodb:GetItem on resource: ${TABLE} because no identity-based policy allows the dynamodb:GetItem action`,
    );
  });

  it('matches ${aws:PrincipalAccount} for a resource of the caller\'s own account', () => {
    // Prepare
    const local = new LocalIam();
    const caller = sessionAllowedWhen(local, { StringEquals: { 'aws:ResourceAccount': '${aws:PrincipalAccount}' } });
    // Act
    const own = outcome(() => local.authorize(caller, 'dynamodb:GetItem', TABLE));
    // Assess
    expect(own).toBe('allowed');
  });
});

describe('the request context of a call by the local administrator', () => {
  it('says User, names the user and its account, and the resource account', () => {
    // Prepare
    const local = new LocalIam({ now: () => Date.parse('2026-03-01T12:00:00Z') });
    const admin = local.resolveAccessKey(local.adminCredentials().accessKeyId)!;
    // Act
    const context = local.requestContext(admin, TABLE);
    // Assess
    expect(context).toEqual({
      'aws:PrincipalArn': `arn:aws:iam::${MGMT}:user/local-admin`,
      'aws:PrincipalAccount': MGMT,
      'aws:PrincipalType': 'User',
      'aws:userid': 'AIDALOCALADMIN0000000',
      'aws:username': 'local-admin',
      'aws:ResourceAccount': MGMT,
      'aws:CurrentTime': '2026-03-01T12:00:00.000Z',
      'aws:EpochTime': '1772366400',
      'aws:RequestedRegion': 'us-east-1',
      'aws:SecureTransport': 'false',
    });
  });
});

describe('trustPolicyGrant: how an allowing trust policy names its caller', () => {
  const session: PrincipalRef = {
    type: 'AWS',
    accountId: MGMT,
    arn: `arn:aws:sts::${MGMT}:assumed-role/caller/s1`,
    roleArn: `arn:aws:iam::${MGMT}:role/caller`,
  };
  const user: PrincipalRef = { type: 'AWS', accountId: MGMT, arn: `arn:aws:iam::${MGMT}:user/local-admin` };
  const trust = (...principals: string[]): PolicyDocument => ({ Statement: [{ Effect: 'Allow', Principal: { AWS: principals }, Action: 'sts:AssumeRole' }] });

  it('is "principal" when a statement names the session or the user itself', () => {
    // Act / Assess
    expect(trustPolicyGrant(trust(session.arn), { principal: session })).toBe('principal');
    expect(trustPolicyGrant(trust(user.arn), { principal: user })).toBe('principal');
  });

  it('is "role" when a statement names the role of the calling session', () => {
    // Act / Assess
    expect(trustPolicyGrant(trust(`arn:aws:iam::${MGMT}:role/caller`), { principal: session })).toBe('role');
  });

  it('is "account" when only the account (its root or its id) or * lets the caller in', () => {
    // Act / Assess
    expect(trustPolicyGrant(trust(`arn:aws:iam::${MGMT}:root`), { principal: session })).toBe('account');
    expect(trustPolicyGrant(trust(MGMT), { principal: user })).toBe('account');
    expect(trustPolicyGrant(trust('*'), { principal: user })).toBe('account');
  });

  it('is undefined when the trust policy does not allow the caller, or denies it explicitly', () => {
    // Prepare
    const denying: PolicyDocument = {
      Statement: [
        { Effect: 'Allow', Principal: { AWS: session.roleArn! }, Action: 'sts:AssumeRole' },
        { Effect: 'Deny', Principal: { AWS: MGMT }, Action: 'sts:AssumeRole' },
      ],
    };
    // Act / Assess
    expect(trustPolicyGrant(trust(`arn:aws:iam::${MGMT}:role/other`), { principal: session })).toBeUndefined();
    expect(trustPolicyGrant(denying, { principal: session })).toBeUndefined();
  });

  it('only counts statements whose conditions hold', () => {
    // Prepare
    const conditional: PolicyDocument = {
      Statement: [
        { Effect: 'Allow', Principal: { AWS: session.roleArn! }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'ext-1' } } },
        { Effect: 'Allow', Principal: { AWS: MGMT }, Action: 'sts:AssumeRole' },
      ],
    };
    // Act / Assess
    expect(trustPolicyGrant(conditional, { principal: session, context: { 'sts:ExternalId': 'ext-1' } })).toBe('role');
    expect(trustPolicyGrant(conditional, { principal: session, context: {} })).toBe('account');
  });
});
