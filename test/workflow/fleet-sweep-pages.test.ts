// The sweep goes through the fleet a page at a time: with two providers per page, five providers
// take three listings, three Map runs and three tallies, each provider checked exactly once, and
// the summary counts the whole fleet.
import { DetachRolePolicyCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud({ sweepPageSize: 2 });

describe('fleet sweep, page by page', () => {
  it('lists, verifies and tallies every page, then records one summary of the whole fleet', async () => {
    // Prepare
    for (const name of ['a1', 'a2', 'a3', 'a4', 'a5']) {
      const accountId = await suite.cloud.createAccount();
      const onboarded = await suite.cloud.onboard({ workspace: 'paged', name, accountId });
      expect(onboarded.provider.status).toBe('READY');
      if (name === 'a4') {
        const iam = await suite.cloud.bootstrapSession(accountId);
        await iam.send(new DetachRolePolicyCommand({ RoleName: 'capa-paged-a4', PolicyArn: `arn:aws:iam::${accountId}:policy/capa-providers/capa-paged-a4-capa-1` }));
      }
    }

    // Act
    const run = await suite.cloud.sweep();

    // Assess
    expect({ status: run.status, error: run.error, cause: run.cause }).toEqual({ status: 'SUCCEEDED' });
    expect(run.invocations).toEqual({ 'List Fleet Page': 3, 'Check Provider': 5, 'Record Verification': 5, 'Tally Page': 3, 'Record Sweep': 1 });
    const listed = (run.results['List Fleet Page'] as Array<{ providers: Array<{ providerId: string }>; nextToken: string | null }>).map((page) => ({
      providers: page.providers.length,
      last: page.nextToken === null,
    }));
    expect(listed).toEqual([
      { providers: 2, last: false },
      { providers: 2, last: false },
      { providers: 1, last: true },
    ]);
    const checked = (run.results['Check Provider'] as unknown[]).length;
    expect(checked).toBe(5);
    expect(run.output).toMatchObject({ providers: 5, byStatus: { READY: 4, DEGRADED: 1 }, byReason: { POLICY_DETACHED: 1 }, movedOn: 0, failed: 0, changed: 1 });
    // Each page's provider: only what an iteration needs.
    expect(Object.keys((run.results['List Fleet Page'] as Array<{ providers: object[] }>)[0]!.providers[0]!).sort()).toEqual(['accountId', 'attempt', 'providerId']);
  });
});
