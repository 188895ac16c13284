// A provider event EventBridge does not accept is never lost silently: PutEvents answers 200 with
// per-entry failures (FailedEntryCount), and the step that published fails. Here the functions are
// configured with the provider bus, but it was never created, so every entry comes back
// ResourceNotFoundException.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureOutput, type CapturedOutput } from '../support/output-capture.js';
import { startWorkflowCloud, type WorkflowCloud } from '../support/workflow-cloud.js';

let cloud: WorkflowCloud;
let output: CapturedOutput;

beforeAll(async () => {
  cloud = await startWorkflowCloud({ createEventBus: false });
});

afterAll(async () => {
  await cloud.close();
});

beforeEach(() => {
  output = captureOutput();
});

afterEach(async () => {
  await cloud.reset();
  output.restore();
  vi.restoreAllMocks();
});

describe('provider events', () => {
  it('an event the bus rejects fails the step that published it instead of being lost', async () => {
    // Prepare
    const accountId = await cloud.createAccount();

    // Act
    const { run, provider } = await cloud.onboard({ workspace: 'payments', name: 'unannounced', accountId });

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
    expect(cloud.providerResources(accountId)).toEqual([]);
  });
});
