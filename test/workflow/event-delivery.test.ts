// A provider event EventBridge does not accept is never lost silently: PutEvents answers 200 with
// per-entry failures (FailedEntryCount), and the step that published fails. Here the functions are
// configured with the provider bus, but it was never created, so every entry comes back
// ResourceNotFoundException.
import { describe, expect, it } from 'vitest';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud({ createEventBus: false });

describe('provider events', () => {
  it('an event the bus rejects fails the step that published it instead of being lost', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();

    // Act
    const { run, provider } = await suite.cloud.onboard({ workspace: 'payments', name: 'unannounced', accountId });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.results['Record Provider Ready']).toBeUndefined();
    expect(run.statesEntered).toEqual([
      'Create Role In Target Account',
      'Attach CAPA Policies',
      'Grant Management Role Access',
      'Verify Role Is Assumable',
      'Record Provider Ready',
      'Remove Created Resources',
      'Record Provider Failed',
    ]);
    expect(provider).toMatchObject({ status: 'FAILED', reason: 'INTERNAL' });
    expect(provider.message).toContain('EventBridge rejected "Provider Ready": ResourceNotFoundException');
    expect(suite.cloud.providerResources(accountId)).toEqual([]);
  });
});
