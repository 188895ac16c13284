// Throttling and 5xx that outlive the SDK's retries, on the registry (DynamoDB) and the provider
// events (EventBridge), are transient in every step that makes those calls: the state machine
// retries the step, and the provider ends with the outcome of its onboarding, never INTERNAL.
import { describe, expect, it, vi } from 'vitest';
import type { TargetedFault } from '../support/workflow-cloud.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud();

/**
 * An UpdateItem that moves the provider to `status` (the registry transition of one step): one of
 * the values it SETs (`:a<n>`) is that status. Condition values (`:s<n>`, e.g. "not FAILED") are not.
 */
const transitionTo = (status: string) => (params: Record<string, unknown>) =>
  Object.entries((params.ExpressionAttributeValues ?? {}) as Record<string, { S?: string }>).some(
    ([name, value]) => name.startsWith(':a') && value.S === status,
  );

describe('a registry transition throttled beyond the SDK retries is retried by the state machine', () => {
  it.each([
    ['Create Role In Target Account', 'CREATING', 'throttle'],
    ['Verify Role Is Assumable', 'VERIFYING', 'throttle'],
    ['Record Provider Ready', 'READY', 'throttle'],
    ['Record Provider Ready', 'READY', 'error5xx'],
  ] as const)('%s (UpdateItem to %s, %s): READY, the step run twice', async (state, status, kind) => {
    // Prepare: every SDK attempt of the transition's first operation fails; the SDK's backoff
    // (random × base × 2^attempt) is pinned to zero so throttling costs no waiting.
    vi.spyOn(Math, 'random').mockReturnValue(0);
    suite.cloud.injectFault({ service: 'dynamodb', action: 'UpdateItem', kind, operations: 1, when: transitionTo(status) });
    const accountId = await suite.cloud.createAccount();

    // Act
    const { run, provider } = await suite.cloud.onboard({ workspace: 'throttled', name: `${status.toLowerCase()}-${kind}`, accountId });

    // Assess
    expect(provider.status).toBe('READY');
    expect(run.status).toBe('SUCCEEDED');
    expect(run.invocations[state]).toBe(2);
    expect(suite.cloud.providerResources(accountId)).toHaveLength(2);
  });

  it('Record Provider Failed (UpdateItem to FAILED, throttle): FAILED with the reason of the failure', async () => {
    // Prepare
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const accountId = await suite.cloud.createAccount();
    suite.cloud.refuseBootstrap(accountId);
    suite.cloud.injectFault({ service: 'dynamodb', action: 'UpdateItem', kind: 'throttle', operations: 1, when: transitionTo('FAILED') });

    // Act
    const { run, provider } = await suite.cloud.onboard({ workspace: 'throttled', name: 'failed-throttle', accountId });

    // Assess
    expect(provider).toMatchObject({ status: 'FAILED', reason: 'BOOTSTRAP_ROLE_DENIED' });
    expect(run.error).toBe('BOOTSTRAP_ROLE_DENIED');
    expect(run.invocations['Record Provider Failed']).toBe(2);
  });
});

describe('a provider event whose PutEvents is throttled or fails beyond the SDK retries is retried by the state machine', () => {
  it.each(['throttle', 'error5xx'] as const)('Provider Ready (%s): READY, one event, the step run twice', async (kind) => {
    // Prepare
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const fault: TargetedFault = { service: 'events', action: 'PutEvents', kind, operations: 1 };
    suite.cloud.injectFault(fault);
    const accountId = await suite.cloud.createAccount();

    // Act
    const { run, provider } = await suite.cloud.onboard({ workspace: 'throttled', name: `event-${kind}`, accountId });

    // Assess
    expect(provider.status).toBe('READY');
    expect(run.invocations['Record Provider Ready']).toBe(2);
    expect(suite.cloud.events(provider.providerId).map((event) => event['detail-type'])).toEqual(['Provider Ready']);
  });
});
