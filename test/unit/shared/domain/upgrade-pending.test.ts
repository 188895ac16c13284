// What "upgrade pending" means without any AWS call: who is pending, and what the recorded parts'
// default documents add up to.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { capaPolicyOf, SHIPPED_CAPA_POLICY } from '../../../../functions/shared/domain/capa-policy.js';
import type { PolicyDocument } from '../../../../functions/shared/domain/policy-documents.js';
import { isUpgradePending, reassembledVersionOf, type RecordedPart } from '../../../../functions/shared/domain/upgrade-pending.js';

const OVER_SIZE_LIMIT = capaPolicyOf(
  JSON.parse(readFileSync(new URL('../../../fixtures/policies/capa-over-size-limit.json', import.meta.url), 'utf8')) as PolicyDocument,
);

const part = (arn: string, defaultDocument: unknown): RecordedPart => ({ arn, exists: true, attached: true, versionTag: 'sha256:0000000000000000', defaultDocument });

describe('upgrade pending', () => {
  it('is pending only for a provider recording a version other than the deployed one', () => {
    // Prepare
    const deployed = 'sha256:9c1f000000000000';

    // Act
    const answers = [isUpgradePending('sha256:2b7e000000000000', deployed), isUpgradePending(deployed, deployed), isUpgradePending(undefined, deployed)];

    // Assess
    expect(answers).toEqual([true, false, false]);
  });

  it('adds the parts of a two-part policy back up to that policy’s version, in part order only', () => {
    // Prepare
    const [first, second] = OVER_SIZE_LIMIT.parts;

    // Act
    const inOrder = reassembledVersionOf([part('p1', first), part('p2', second)]);
    const swapped = reassembledVersionOf([part('p2', second), part('p1', first)]);

    // Assess
    expect(OVER_SIZE_LIMIT.parts).toHaveLength(2);
    expect(inOrder).toBe(OVER_SIZE_LIMIT.version);
    expect(swapped).not.toBe(OVER_SIZE_LIMIT.version);
  });

  it('adds up to nothing when a part’s default document cannot be read', () => {
    // Prepare
    const parts = [part('p1', SHIPPED_CAPA_POLICY.parts[0]), part('p2', undefined)];

    // Act
    const version = reassembledVersionOf(parts);

    // Assess
    expect(version).toBeUndefined();
  });
});
