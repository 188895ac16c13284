// A sweep goes on past one provider: one taken over by a newer attempt between the listing and its
// check is counted moved-on (nothing recorded), one whose check fails past its retries is counted
// failed and keeps its status; the sweep still records its summary.
import { describe, expect, it } from 'vitest';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud();

describe('fleet sweep edges', () => {
  it('counts a provider that moved on and one whose check failed, and still records the summary', async () => {
    // Prepare
    for (const name of ['first', 'second']) {
      const onboarded = await suite.cloud.onboard({ workspace: 'edge', name, accountId: await suite.cloud.createAccount() });
      expect(onboarded.provider.status).toBe('READY');
    }
    // Iterations run in provider order: edge.first is checked first, then edge.second.
    const beforeTask = async (stateName: string, invocation: number) => {
      if (stateName !== 'Check Provider') return;
      if (invocation === 1) await suite.cloud.moveProviderToAttempt('edge.first', 7);
      if (invocation === 2) suite.cloud.denyToFunction('check-provider', ['dynamodb:GetItem']);
    };

    // Act
    const run = await suite.cloud.sweep({ beforeTask });

    // Assess
    expect({ status: run.status, error: run.error }).toEqual({ status: 'SUCCEEDED' });
    expect(run.invocations).toEqual({ 'List Fleet Page': 1, 'Check Provider': 2, 'Tally Page': 1, 'Record Sweep': 1 });
    expect(run.output).toMatchObject({ providers: 2, byStatus: {}, byReason: {}, movedOn: 1, failed: 1, changed: 0 });
    expect(run.statesEntered).toContain('Provider Moved On');
    expect(run.statesEntered).toContain('Provider Not Verified');
    expect(await suite.cloud.registry.get('edge.first')).toMatchObject({ status: 'PENDING', attempt: 7 });
    expect(await suite.cloud.registry.get('edge.second')).toMatchObject({ status: 'READY', attempt: 1 });
  });
});
