import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CAPA_MINIMAL_POLICY, CAPA_POLICY_PARTS, CAPA_POLICY_VERSION, capaPolicyName } from '../../../../functions/shared/domain/capa-policy.js';
import { MANAGED_POLICY_SIZE_LIMIT, policySize } from '../../../../functions/shared/domain/policy-documents.js';

const SEED = new URL('../../../../../shared/seed/000_b2ce273c22445d6e.txt', import.meta.url);

/** The first balanced {...} block of the seed text: the minimal IAM policy. */
function firstJsonDocumentOf(text: string): unknown {
  const start = text.indexOf('{');
  let depth = 0;
  for (let index = start; index < text.length; index += 1) {
    if (text[index] === '{') depth += 1;
    if (text[index] === '}') depth -= 1;
    if (depth === 0) return JSON.parse(text.slice(start, index + 1));
  }
  throw new Error('The seed has no complete JSON document');
}

describe('CAPA minimal policy', () => {
  it('is identical to the first JSON document of the manual procedure', () => {
    // Prepare
    const seed = firstJsonDocumentOf(readFileSync(SEED, 'utf8'));

    // Act
    const ours = CAPA_MINIMAL_POLICY;

    // Assess: every statement, action, resource and condition, in order.
    expect(ours).toStrictEqual(seed);
    expect(ours.Statement).toHaveLength(17);
  });

  it('fits one managed policy today, within IAM’s 6,144 non-whitespace characters', () => {
    // Act
    const size = policySize(CAPA_MINIMAL_POLICY);

    // Assess
    expect(size).toBeLessThanOrEqual(MANAGED_POLICY_SIZE_LIMIT);
    expect(CAPA_POLICY_PARTS).toHaveLength(1);
    expect(CAPA_POLICY_PARTS[0]).toStrictEqual(CAPA_MINIMAL_POLICY);
  });

  it('has a version fingerprint and policy names derived from the role, numbered from 1', () => {
    // Act
    const firstPart = capaPolicyName('capa-payments-dev', 0);

    // Assess
    expect(CAPA_POLICY_VERSION).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(firstPart).toBe('capa-payments-dev-capa-1');
  });
});
