// The owner tag a rollout puts on the parts it creates.
import { describe, expect, it } from 'vitest';
import { rolloutOwnerTag } from '../../../../functions/shared/adapters/policy-upgrade.js';

describe('rolloutOwnerTag', () => {
  it('names the rollout within IAM’s tag-value alphabet and 256 characters', () => {
    // Prepare
    const ids = ['2026-11-29T10:00:00Z_3f2a', 'deploy#42 (manual)', 'x'.repeat(300)];

    // Act
    const tags = ids.map(rolloutOwnerTag);

    // Assess
    expect(tags.slice(0, 2)).toEqual(['rollout-2026-11-29T10:00:00Z_3f2a', 'rollout-deploy-42 -manual-']);
    expect(tags[2]).toHaveLength(256);
  });
});
