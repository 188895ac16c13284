// The sweep's first state, "Reconcile Organization", with the real handlers against the local
// cloud's Organizations, IAM, EventBridge and DynamoDB: members a missed new-account event left
// without a provider are onboarded once (the trigger's provider name, so never twice), a closed
// or removed member's providers end ACCOUNT_REMOVED, and a provider whose account the
// organization never listed is left alone. Each test leaves the organization reconciled.
import { describe, expect, it } from 'vitest';
import { LATEST_SWEEP_KEY } from '../../functions/shared/domain/fleet-sweep.js';
import type { CompletedReconciliation } from '../../functions/shared/domain/reconciliation.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud({ reconcile: true });

function reconciliationOf(output: unknown): CompletedReconciliation {
  return (output as { reconciliation: CompletedReconciliation }).reconciliation;
}

describe('reconcile organization', () => {
  it('onboards the two members without a provider into the default workspace once, however often it runs', async () => {
    // Prepare
    const accounts: string[] = [];
    for (let index = 0; index < 5; index += 1) accounts.push(await suite.cloud.createAccount());
    for (const [index, accountId] of accounts.slice(0, 3).entries()) {
      expect((await suite.cloud.onboard({ workspace: 'teams', name: `team-${index}`, accountId })).provider.status).toBe('READY');
    }
    const missing = accounts.slice(3).sort();
    const startsBefore = suite.cloud.startedExecutions().length;

    // Act
    const first = await suite.cloud.sweep();
    const second = await suite.cloud.sweep();
    const starts = suite.cloud.startedExecutions().slice(startsBefore);
    const onboardings = await Promise.all(starts.map((start) => suite.cloud.run(start)));
    const third = await suite.cloud.sweep();

    // Assess
    expect([first.status, second.status, third.status]).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(first.invocations['Reconcile Organization']).toBe(1);
    expect(reconciliationOf(first.output)).toMatchObject({
      status: 'completed',
      accountsSeen: 6,
      activeAccounts: 6,
      alreadyOnboarded: 3,
      onboardingStarted: missing,
      onboardingDeferred: 0,
      maxOnboardings: 50,
      skippedByRules: 0,
      tombstoned: 0,
      departures: [],
      errors: [],
    });
    expect(reconciliationOf(second.output)).toMatchObject({ onboardingStarted: [], alreadyOnboarded: 5 });
    expect(reconciliationOf(third.output)).toMatchObject({ onboardingStarted: [], alreadyOnboarded: 5 });
    expect(starts.map((start) => start.name)).toEqual(missing.map((accountId) => `default_aws-${accountId}_1`));
    expect(onboardings.map((run) => run.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    for (const accountId of missing) {
      expect(await suite.cloud.registry.get(`default.aws-${accountId}`)).toMatchObject({ status: 'READY', attempt: 1, accountId });
    }
    const stored = await suite.cloud.registry.get(LATEST_SWEEP_KEY);
    expect(stored).toMatchObject({ reconciliation: { status: 'completed', onboardingStarted: [], alreadyOnboarded: 5 } });
    expect(JSON.stringify(first.output)).not.toMatch(/externalId/i);
  });

  it('ends the providers of a closed member ACCOUNT_REMOVED and announces Provider Deleted', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    await suite.cloud.onboard({ workspace: 'teams', name: 'closing', accountId });
    await suite.cloud.closeAccount(accountId);

    // Act
    const run = await suite.cloud.sweep();

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(reconciliationOf(run.output)).toMatchObject({
      onboardingStarted: [],
      departures: [{ accountId, accountStatus: 'SUSPENDED', providerIds: ['teams.closing'], outcome: 'handled' }],
      errors: [],
    });
    const provider = await suite.cloud.registry.get('teams.closing');
    expect(provider).toMatchObject({ status: 'ACCOUNT_REMOVED', reason: 'ACCOUNT_REMOVED', attempt: 2 });
    expect(provider?.message).toContain(`Account ${accountId} was found SUSPENDED by the reconcile`);
    expect(provider?.departure).toMatchObject({ eventName: 'Reconciliation', accountStatus: 'SUSPENDED', previousStatus: 'READY' });
    expect(suite.cloud.events('teams.closing').map((event) => event['detail-type'])).toEqual(['Provider Ready', 'Provider Deleted']);
  });

  it('ends a removed member it had listed, and leaves alone a provider whose account it never saw in the organization', async () => {
    // Prepare
    const member = await suite.cloud.createAccount();
    await suite.cloud.onboard({ workspace: 'teams', name: 'member', accountId: member });
    expect(reconciliationOf((await suite.cloud.sweep()).output).departures).toEqual([]);
    // Onboarded through the API, and out of the organization before any reconcile listed it.
    const outsider = await suite.cloud.createAccount();
    await suite.cloud.onboard({ workspace: 'partners', name: 'outsider', accountId: outsider });
    await suite.cloud.removeAccount(outsider);
    await suite.cloud.removeAccount(member);

    // Act
    const run = await suite.cloud.sweep();
    const again = await suite.cloud.sweep();

    // Assess
    expect(reconciliationOf(run.output).departures).toEqual([
      { accountId: member, accountStatus: 'NOT_IN_ORGANIZATION', providerIds: ['teams.member'], outcome: 'handled' },
    ]);
    expect(reconciliationOf(again.output).departures).toEqual([]);
    expect(await suite.cloud.registry.get('teams.member')).toMatchObject({ status: 'ACCOUNT_REMOVED' });
    expect(await suite.cloud.registry.get('partners.outsider')).toMatchObject({ status: 'READY', attempt: 1 });
    expect(suite.cloud.events('partners.outsider').map((event) => event['detail-type'])).toEqual(['Provider Ready']);
  });
});
