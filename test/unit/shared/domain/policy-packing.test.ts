// Packing a policy's statements into managed policies at their exact size limits: a document at the
// limit is kept whole, one character over is split, an oversized statement of two actions is split
// in two numbered halves, and a document with no statements makes no policy.
import { describe, expect, it } from 'vitest';
import { samePolicyDocument, splitPolicyDocument, type PolicyStatement } from '../../../../functions/shared/domain/policy-documents.js';

// Sizes as IAM counts them (JSON without white space), worked out by hand for these statements:
// a document of A alone is 106 characters, of A and B 174, of A, B and C 243.
const A: PolicyStatement = { Sid: 'A', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' };
const B: PolicyStatement = { Sid: 'B', Effect: 'Allow', Action: 's3:PutObject', Resource: '*' };
const C: PolicyStatement = { Sid: 'C', Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' };
// A document of TWO alone is 125 characters; of each of its halves, 111.
const TWO: PolicyStatement = { Sid: 'Two', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' };

describe('splitPolicyDocument', () => {
  it('keeps statements together up to exactly the limit', () => {
    // Act
    const documents = splitPolicyDocument({ Version: '2012-10-17', Statement: [A, B, C] }, 174);

    // Assess
    expect(documents).toEqual([
      { Version: '2012-10-17', Statement: [A, B] },
      { Version: '2012-10-17', Statement: [C] },
    ]);
  });

  it('starts a new document when the next statement would pass the limit by a few characters', () => {
    // Act
    const documents = splitPolicyDocument({ Version: '2012-10-17', Statement: [A, B, C] }, 240);

    // Assess
    expect(documents).toEqual([
      { Version: '2012-10-17', Statement: [A, B] },
      { Version: '2012-10-17', Statement: [C] },
    ]);
  });

  it('keeps a statement whose document is exactly the limit whole', () => {
    // Act
    const documents = splitPolicyDocument({ Version: '2012-10-17', Statement: [TWO] }, 125);

    // Assess
    expect(documents).toEqual([{ Version: '2012-10-17', Statement: [TWO] }]);
  });

  it('splits a statement of two actions one character over the limit into halves numbered from 1', () => {
    // Act
    const documents = splitPolicyDocument({ Version: '2012-10-17', Statement: [TWO] }, 124);

    // Assess
    expect(documents).toEqual([
      { Version: '2012-10-17', Statement: [{ Sid: 'Two1', Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }] },
      { Version: '2012-10-17', Statement: [{ Sid: 'Two2', Effect: 'Allow', Action: ['s3:PutObject'], Resource: '*' }] },
    ]);
  });

  it('makes no document of a document without statements', () => {
    // Act
    const documents = splitPolicyDocument({ Version: '2012-10-17', Statement: [] }, 6_144);

    // Assess
    expect(documents).toEqual([]);
  });
});

describe('samePolicyDocument', () => {
  it('takes a single action and a list of that one action as the same', () => {
    // Act
    const same = samePolicyDocument({ Version: '2012-10-17', Statement: [{ ...A, Action: ['s3:GetObject'] }] }, { Version: '2012-10-17', Statement: [A] });

    // Assess
    expect(same).toBe(true);
  });
});
