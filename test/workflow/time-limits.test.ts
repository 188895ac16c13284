// The workflow's time limits: the verification deadline (VERIFY_TIMEOUT_SECONDS, 1 s here) and a
// Task's TimeoutSeconds. Both end in FAILED with a reason, after compensation.
import { describe, expect, it } from 'vitest';
import type { ProviderRequest } from '../../functions/shared/domain/provider-request.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud({ verifyTimeoutSeconds: 1 });

function request(accountId: string, name: string): ProviderRequest {
  return { workspace: 'payments', name, accountId };
}

describe('time limits', () => {
  it('fails with PROPAGATION_TIMEOUT when the role never becomes assumable, and removes the role and policy', async () => {
    // Prepare: the role propagates in an hour of IAM time, which never passes here.
    const accountId = await suite.cloud.createAccount();
    suite.cloud.setPropagationDelay(3_600_000);

    // Act: 150 ms between attempts passes the 1 s deadline before the retries run out.
    const { run, provider } = await suite.cloud.onboard(request(accountId, 'never-assumable'), { verifyRetryDelayMs: 150 });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('PROPAGATION_TIMEOUT');
    expect(provider.status).toBe('FAILED');
    expect(provider.reason).toBe('PROPAGATION_TIMEOUT');
    expect(provider.message).toContain('still not assumable');
    expect(suite.cloud.providerResources(accountId)).toEqual([]);
    const events = suite.cloud.events('payments.never-assumable');
    expect(events.map((event) => event['detail-type'])).toEqual(['Provider Failed']);
    expect(events[0]?.detail).toMatchObject({ status: 'FAILED', reason: 'PROPAGATION_TIMEOUT' });
  });

  it('fails with TIMEOUT when a step outlives its Task timeout, and removes what the run created', async () => {
    // Prepare: verification's AssumeRole never answers, and the step may take 1 s (the
    // deployed 90 s shortened); the function is given longer, so the Task's timeout ends it.
    const accountId = await suite.cloud.createAccount();
    suite.cloud.injectFault({ service: 'sts', action: 'AssumeRole', kind: 'hang', when: (params) => params.ExternalId !== undefined });

    // Act
    const { run, provider } = await suite.cloud.onboard(request(accountId, 'stuck'), {
      taskTimeoutSeconds: { 'Verify Role Is Assumable': 1 },
      functionTimeoutMs: { 'verify-role': 10_000 },
    });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('TIMEOUT');
    expect(run.invocations['Verify Role Is Assumable']).toBe(1);
    expect(provider).toMatchObject({ status: 'FAILED', reason: 'TIMEOUT' });
    expect(suite.cloud.providerResources(accountId)).toEqual([]);
    expect(suite.cloud.events('payments.stuck').map((event) => event['detail-type'])).toEqual(['Provider Failed']);
  });
});
