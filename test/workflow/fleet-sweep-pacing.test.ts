// The sweep's rate bound reaches each check: the real sweep-fleet ASL hands the page's minCheckMs
// (list-fleet's MIN_CHECK_MS) to every child's Check Provider through the Map's ItemSelector, and
// an on-demand verification (verify-provider) hands none, so it is never slowed.
import { describe, expect, it } from 'vitest';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud({ minCheckMs: 15 });

describe('fleet sweep pacing', () => {
  it("gives a sweep child's Check Provider the page's minCheckMs, and an on-demand verification none", async () => {
    // Prepare
    const onboarded = await suite.cloud.onboard({ workspace: 'paced', name: 'only', accountId: await suite.cloud.createAccount() });
    expect(onboarded.provider.status).toBe('READY');

    // Act
    const sweep = await suite.cloud.sweep();
    const verification = await suite.cloud.verify('paced.only');

    // Assess
    expect({ status: sweep.status, error: sweep.error }).toEqual({ status: 'SUCCEEDED' });
    expect(verification.run.status).toBe('SUCCEEDED');
    const checked = suite.output.jsonLines().filter((line) => line.message === 'Provider checked');
    expect(checked).toHaveLength(2);
    expect(checked.map((line) => line.minCheckMs)).toEqual([15, undefined]);
  });
});
