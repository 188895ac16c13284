import { describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../../../local/core/types.js';
import { parsePolicyDocument, policySize } from '../../../local/iam/policy-document.js';
import {
  actionMatches,
  arnMatches,
  evaluateCondition,
  evaluatePolicies,
  evaluatePolicy,
  evaluateTrustPolicy,
  type PrincipalRef,
} from '../../../local/iam/policy-eval.js';

const ROLE = 'arn:aws:iam::111122223333:role/capa-providers/capa-team';

describe('action and resource matching', () => {
  it('matches actions case-insensitively with * and ? wildcards', () => {
    // Prepare / Act / Assess
    expect(actionMatches('iam:CreateRole', 'IAM:createrole')).toBe(true);
    expect(actionMatches('iam:*Role', 'iam:DeleteRole')).toBe(true);
    expect(actionMatches('iam:?etRole', 'iam:GetRole')).toBe(true);
    expect(actionMatches('iam:?etRole', 'iam:SetRole')).toBe(true);
    expect(actionMatches('iam:?etRole', 'iam:PutRole')).toBe(false);
    expect(actionMatches('iam:?etRole', 'iam:GetRolePolicy')).toBe(false);
    expect(actionMatches('*', 'sts:AssumeRole')).toBe(true);
    expect(actionMatches('iam:Get*', 'sts:GetCallerIdentity')).toBe(false);
  });

  it('matches ARNs segment by segment, each with its own wildcards', () => {
    // Prepare / Act / Assess
    expect(arnMatches('arn:aws:iam::*:role/capa-providers/*', ROLE)).toBe(true);
    expect(arnMatches('arn:aws:iam::111122223333:role/capa-providers/*', 'arn:aws:iam::111122223333:role/other')).toBe(false);
    expect(arnMatches('arn:aws:iam::*:policy/*', ROLE)).toBe(false);
    expect(arnMatches('arn:aws:iam::*:*', ROLE)).toBe(true);
    expect(arnMatches('*', ROLE)).toBe(true);
    // Resource names are case-sensitive.
    expect(arnMatches('arn:aws:iam::111122223333:role/CAPA-PROVIDERS/*', ROLE)).toBe(false);
  });
});

describe('evaluatePolicy', () => {
  const policy: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iam:*', Resource: 'arn:aws:iam::111122223333:role/capa-providers/*' },
      { Effect: 'Deny', Action: 'iam:DeleteRole', Resource: '*' },
    ],
  };

  it('allows what a statement allows and denies the rest by default', () => {
    // Prepare: the policy above
    // Act
    const allowed = evaluatePolicy(policy, { action: 'iam:CreateRole', resource: ROLE });
    const elsewhere = evaluatePolicy(policy, { action: 'iam:CreateRole', resource: 'arn:aws:iam::111122223333:role/admin' });
    // Assess
    expect(allowed).toBe('Allow');
    expect(elsewhere).toBe('ImplicitDeny');
  });

  it('lets an explicit Deny win over an Allow, also across policies', () => {
    // Prepare
    const allowAll: PolicyDocument = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    // Act
    const single = evaluatePolicy(policy, { action: 'iam:DeleteRole', resource: ROLE });
    const combined = evaluatePolicies([allowAll, policy], { action: 'iam:DeleteRole', resource: ROLE });
    // Assess
    expect(single).toBe('ExplicitDeny');
    expect(combined).toBe('ExplicitDeny');
  });

  it('applies NotAction and NotResource as complements', () => {
    // Prepare
    const doc: PolicyDocument = {
      Statement: [{ Effect: 'Allow', NotAction: 'iam:*', NotResource: 'arn:aws:s3:::secret/*' }],
    };
    // Act / Assess
    expect(evaluatePolicy(doc, { action: 's3:GetObject', resource: 'arn:aws:s3:::public/x' })).toBe('Allow');
    expect(evaluatePolicy(doc, { action: 's3:GetObject', resource: 'arn:aws:s3:::secret/x' })).toBe('ImplicitDeny');
    expect(evaluatePolicy(doc, { action: 'iam:GetRole', resource: 'arn:aws:s3:::public/x' })).toBe('ImplicitDeny');
  });

  it('substitutes policy variables in resources', () => {
    // Prepare
    const doc: PolicyDocument = {
      Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: 'arn:aws:iam::${aws:PrincipalAccount}:role/*' }],
    };
    // Act
    const own = evaluatePolicy(doc, { action: 'iam:GetRole', resource: ROLE, context: { 'aws:PrincipalAccount': '111122223333' } });
    const other = evaluatePolicy(doc, { action: 'iam:GetRole', resource: ROLE, context: { 'aws:PrincipalAccount': '999999999999' } });
    // Assess
    expect(own).toBe('Allow');
    expect(other).toBe('ImplicitDeny');
  });
});

describe('conditions', () => {
  it('StringEquals needs the key; StringNotEquals passes without it', () => {
    // Prepare
    const equals = { StringEquals: { 'sts:ExternalId': 'abc' } };
    const notEquals = { StringNotEquals: { 'sts:ExternalId': 'abc' } };
    // Act / Assess
    expect(evaluateCondition(equals, { 'sts:externalid': 'abc' })).toBe(true);
    expect(evaluateCondition(equals, { 'sts:ExternalId': 'abd' })).toBe(false);
    expect(evaluateCondition(equals, {})).toBe(false);
    expect(evaluateCondition(notEquals, {})).toBe(true);
    expect(evaluateCondition(notEquals, { 'sts:ExternalId': 'abc' })).toBe(false);
  });

  it('treats several values of one key as OR and several keys as AND', () => {
    // Prepare
    const condition = { StringEquals: { 'aws:PrincipalAccount': ['111122223333', '444455556666'], 'sts:ExternalId': 'x' } };
    // Act / Assess
    expect(evaluateCondition(condition, { 'aws:PrincipalAccount': '444455556666', 'sts:ExternalId': 'x' })).toBe(true);
    expect(evaluateCondition(condition, { 'aws:PrincipalAccount': '444455556666' })).toBe(false);
  });

  it('supports StringLike, StringNotLike, ArnLike, ArnEquals, Bool, Null and IfExists', () => {
    // Prepare / Act / Assess
    expect(evaluateCondition({ StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/capa-*' } }, { 'aws:PrincipalArn': 'arn:aws:iam::1:role/capa-x' })).toBe(true);
    expect(evaluateCondition({ StringNotLike: { 'aws:PrincipalArn': '*:role/capa-*' } }, { 'aws:PrincipalArn': 'arn:aws:iam::1:role/capa-x' })).toBe(false);
    expect(evaluateCondition({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/capa-providers/*' } }, { 'aws:PrincipalArn': ROLE })).toBe(true);
    expect(evaluateCondition({ ArnEquals: { 'aws:PrincipalArn': ROLE } }, { 'aws:PrincipalArn': `${ROLE}2` })).toBe(false);
    expect(evaluateCondition({ Bool: { 'aws:SecureTransport': true } }, { 'aws:SecureTransport': 'TRUE' })).toBe(true);
    expect(evaluateCondition({ Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': 'false' })).toBe(false);
    expect(evaluateCondition({ Null: { 'sts:ExternalId': 'true' } }, {})).toBe(true);
    expect(evaluateCondition({ Null: { 'sts:ExternalId': 'false' } }, {})).toBe(false);
    expect(evaluateCondition({ StringEqualsIfExists: { 'aws:SourceAccount': '1' } }, {})).toBe(true);
    expect(evaluateCondition({ StringEqualsIfExists: { 'aws:SourceAccount': '1' } }, { 'aws:SourceAccount': '2' })).toBe(false);
  });

  it('distinguishes ForAnyValue and ForAllValues on multi-valued keys', () => {
    // Prepare
    const any = { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team', 'env'] } };
    const all = { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'env'] } };
    // Act / Assess
    expect(evaluateCondition(any, { 'aws:TagKeys': ['team', 'owner'] })).toBe(true);
    expect(evaluateCondition(all, { 'aws:TagKeys': ['team', 'owner'] })).toBe(false);
    expect(evaluateCondition(all, { 'aws:TagKeys': ['team'] })).toBe(true);
    // An absent key satisfies ForAllValues vacuously and never satisfies ForAnyValue.
    expect(evaluateCondition(all, {})).toBe(true);
    expect(evaluateCondition(any, {})).toBe(false);
  });

  it('never satisfies an unknown operator', () => {
    // Prepare / Act / Assess
    expect(evaluateCondition({ StringSortOf: { 'sts:ExternalId': 'x' } }, { 'sts:ExternalId': 'x' })).toBe(false);
  });
});

describe('trust policies', () => {
  const trust: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::000000000000:root' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': 'ext-123' } },
      },
      { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  };
  const management: PrincipalRef = {
    type: 'AWS',
    accountId: '000000000000',
    arn: 'arn:aws:sts::000000000000:assumed-role/fn/session',
    roleArn: 'arn:aws:iam::000000000000:role/fn',
  };

  it('lets any principal of the trusted account in, with the right External ID only', () => {
    // Prepare: the trust policy above
    // Act
    const right = evaluateTrustPolicy(trust, { principal: management, context: { 'sts:ExternalId': 'ext-123' } });
    const wrong = evaluateTrustPolicy(trust, { principal: management, context: { 'sts:ExternalId': 'ext-124' } });
    const missing = evaluateTrustPolicy(trust, { principal: management, context: {} });
    // Assess
    expect(right).toBe('Allow');
    expect(wrong).toBe('ImplicitDeny');
    expect(missing).toBe('ImplicitDeny');
  });

  it('does not let another account or another service in', () => {
    // Prepare
    const stranger: PrincipalRef = { type: 'AWS', accountId: '999999999999', arn: 'arn:aws:iam::999999999999:root' };
    // Act / Assess
    expect(evaluateTrustPolicy(trust, { principal: stranger, context: { 'sts:ExternalId': 'ext-123' } })).toBe('ImplicitDeny');
    expect(evaluateTrustPolicy(trust, { principal: { type: 'Service', service: 'ec2.amazonaws.com' } })).toBe('Allow');
    expect(evaluateTrustPolicy(trust, { principal: { type: 'Service', service: 'lambda.amazonaws.com' } })).toBe('ImplicitDeny');
  });

  it('matches a bare account id and a specific role ARN, and honours an explicit Deny', () => {
    // Prepare
    const byRole: PolicyDocument = {
      Statement: [
        { Effect: 'Allow', Principal: { AWS: ['111122223333', 'arn:aws:iam::000000000000:role/fn'] }, Action: 'sts:AssumeRole' },
        { Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:RoleSessionName': 'blocked' } } },
      ],
    };
    const otherRole: PrincipalRef = { ...management, roleArn: 'arn:aws:iam::000000000000:role/other', arn: 'arn:aws:sts::000000000000:assumed-role/other/s' };
    // Act / Assess
    expect(evaluateTrustPolicy(byRole, { principal: management })).toBe('Allow');
    expect(evaluateTrustPolicy(byRole, { principal: otherRole })).toBe('ImplicitDeny');
    expect(evaluateTrustPolicy(byRole, { principal: { type: 'AWS', accountId: '111122223333', arn: 'arn:aws:iam::111122223333:root' } })).toBe('Allow');
    expect(evaluateTrustPolicy(byRole, { principal: management, context: { 'sts:RoleSessionName': 'blocked' } })).toBe('ExplicitDeny');
  });
});

describe('policy documents', () => {
  it('counts size without whitespace', () => {
    // Prepare / Act / Assess
    expect(policySize('{ "a" :\n\t"b" }')).toBe(9);
  });

  it('rejects malformed documents with MalformedPolicyDocument', () => {
    // Prepare
    const cases: Array<[string, 'identity' | 'trust']> = [
      ['not json', 'identity'],
      ['{"Statement":[{"Effect":"Maybe","Action":"iam:GetRole","Resource":"*"}]}', 'identity'],
      ['{"Statement":[{"Effect":"Allow","Action":"GetRole","Resource":"*"}]}', 'identity'],
      ['{"Statement":[{"Effect":"Allow","Action":"iam:GetRole"}]}', 'identity'],
      ['{"Statement":[{"Effect":"Allow","Principal":"*","Action":"iam:GetRole","Resource":"*"}]}', 'identity'],
      ['{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}', 'trust'],
      ['{"Statement":[{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"sts:AssumeRole"}]}', 'trust'],
      ['{"Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*","Condition":{"StringSortOf":{"a":"b"}}}]}', 'identity'],
    ];
    // Act / Assess
    for (const [text, kind] of cases) {
      expect(() => parsePolicyDocument(text, kind), text).toThrowError(expect.objectContaining({ code: 'MalformedPolicyDocument' }));
    }
  });

  it('accepts a valid trust policy and identity policy', () => {
    // Prepare / Act
    const trust = parsePolicyDocument('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"sts:AssumeRole"}}', 'trust');
    const identity = parsePolicyDocument('{"Statement":[{"Effect":"Allow","Action":["iam:*"],"Resource":"*"}]}', 'identity');
    // Assess
    expect(trust.Version).toBe('2012-10-17');
    expect(identity.Statement).toHaveLength(1);
  });
});
