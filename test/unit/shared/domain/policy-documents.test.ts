import { describe, expect, it } from 'vitest';
import { CAPA_MINIMAL_POLICY } from '../../../../functions/shared/domain/capa-policy.js';
import {
  policySize,
  samePolicyDocument,
  splitPolicyDocument,
  type PolicyDocument,
  type PolicyStatement,
} from '../../../../functions/shared/domain/policy-documents.js';

function allowedActions(documents: PolicyDocument[]): string[] {
  return documents.flatMap((document) =>
    document.Statement.flatMap((statement) => [statement.Action ?? []].flat().map((action) => `${action}|${JSON.stringify(statement.Resource)}|${JSON.stringify(statement.Condition ?? {})}`)),
  );
}

describe('policy size and splitting', () => {
  it('counts characters without white space, as IAM does', () => {
    // Prepare: 98 characters of compact JSON, one of them a space inside a value.
    const document: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'a b' }] };

    // Act
    const size = policySize(document);

    // Assess
    expect(size).toBe(97);
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
    expect(statements.length).toBeGreaterThan(1);
    expect(statements.flatMap((s) => s.Action as string[]).sort()).toEqual([...actions].sort());
    for (const s of statements) expect(s).toMatchObject({ Resource: statement.Resource, Condition: statement.Condition });
  });

  it('refuses a statement that cannot fit even alone', () => {
    // Prepare
    const statement: PolicyStatement = { Effect: 'Allow', Action: 'ec2:RunInstances', Resource: 'x'.repeat(200) };

    // Act
    const split = () => splitPolicyDocument({ Version: '2012-10-17', Statement: [statement] }, 100);

    // Assess
    expect(split).toThrow('A policy statement of 299 characters cannot fit a 100-character policy');
  });

  it('compares documents by meaning: order, Sid and single-vs-list spelling do not matter, a resource does', () => {
    // Prepare
    const a = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['b', 'a'], Resource: '*' }] };
    const b = { Statement: [{ Resource: '*', Action: ['a', 'b'], Effect: 'Allow', Sid: 'x' }], Version: '2012-10-17' };
    const otherResource = { ...b, Statement: [{ ...b.Statement[0], Resource: 'arn' }] };

    // Act
    const sameAsReordered = samePolicyDocument(a, b);
    const sameAsOtherResource = samePolicyDocument(a, otherResource);

    // Assess
    expect(sameAsReordered).toBe(true);
    expect(sameAsOtherResource).toBe(false);
  });
});
