import { describe, expect, it } from 'vitest';
import { CAPA_MINIMAL_POLICY } from '../../functions/shared/domain/capa-policy.js';
import {
  policySize,
  samePolicyDocument,
  splitPolicyDocument,
  type PolicyDocument,
  type PolicyStatement,
} from '../../functions/shared/domain/policy-documents.js';

function allowedActions(documents: PolicyDocument[]): string[] {
  return documents.flatMap((document) =>
    document.Statement.flatMap((statement) => [statement.Action ?? []].flat().map((action) => `${action}|${JSON.stringify(statement.Resource)}|${JSON.stringify(statement.Condition ?? {})}`)),
  );
}

describe('policy size and splitting', () => {
  it('counts characters without white space, as IAM does', () => {
    // Prepare
    const document: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };

    // Act
    const size = policySize(document);

    // Assess
    expect(size).toBe(JSON.stringify(document).length);
  });

  it('splits a document too large for one managed policy into parts that each fit and together grant the same', () => {
    // Prepare: the CAPA policy against a limit a third of IAM's, as a larger future CAPA policy would be.
    const limit = 2_000;

    // Act
    const parts = splitPolicyDocument(CAPA_MINIMAL_POLICY, limit);

    // Assess
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) expect(policySize(part)).toBeLessThanOrEqual(limit);
    expect(allowedActions(parts).sort()).toEqual(allowedActions([CAPA_MINIMAL_POLICY]).sort());
  });

  it('splits a single oversized statement by its actions, keeping resources and conditions', () => {
    // Prepare
    const actions = Array.from({ length: 300 }, (_, index) => `ec2:Action${index}`);
    const statement: PolicyStatement = { Sid: 'Big', Effect: 'Allow', Action: actions, Resource: 'arn:aws:ec2:*:*:vpc/*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } };

    // Act
    const parts = splitPolicyDocument({ Version: '2012-10-17', Statement: [statement] }, 1_000);

    // Assess
    expect(parts.length).toBeGreaterThan(1);
    const statements = parts.flatMap((part) => part.Statement);
    expect(statements.flatMap((s) => s.Action as string[]).sort()).toEqual([...actions].sort());
    for (const s of statements) expect(s).toMatchObject({ Resource: statement.Resource, Condition: statement.Condition });
  });

  it('refuses a statement that cannot fit even alone', () => {
    const statement: PolicyStatement = { Effect: 'Allow', Action: 'ec2:RunInstances', Resource: 'x'.repeat(200) };
    expect(() => splitPolicyDocument({ Version: '2012-10-17', Statement: [statement] }, 100)).toThrow(/cannot fit/);
  });

  it('compares documents by meaning', () => {
    const a = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['b', 'a'], Resource: '*' }] };
    const b = { Statement: [{ Resource: '*', Action: ['a', 'b'], Effect: 'Allow', Sid: 'x' }], Version: '2012-10-17' };
    expect(samePolicyDocument(a, b)).toBe(true);
    expect(samePolicyDocument(a, { ...b, Statement: [{ ...b.Statement[0], Resource: 'arn' }] })).toBe(false);
  });
});
