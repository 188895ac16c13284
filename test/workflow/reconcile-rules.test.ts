// The reconcile places the accounts it onboards with the new-account rules, reading the local
// cloud's Organizations over its wire protocol: one walk of the OU tree for the OU path, and tags
// only for accounts without a provider. An account in Workloads/Payments goes to "payments", a
// tagged one is skipped, any other goes to the default workspace.
import { CreateOrganizationalUnitCommand, ListRootsCommand, MoveAccountCommand, TagResourceCommand } from '@aws-sdk/client-organizations';
import { describe, expect, it } from 'vitest';
import type { CompletedReconciliation } from '../../functions/shared/domain/reconciliation.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud({
  reconcile: true,
  newAccountRules: [
    { tag: { key: 'capa-onboarding', value: 'skip' }, skip: true },
    { ouPath: 'Workloads/Payments', workspace: 'payments' },
  ],
});

async function unitUnder(parentId: string, name: string): Promise<string> {
  const { OrganizationalUnit } = await suite.cloud.organizations.send(new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: name }));
  return OrganizationalUnit!.Id!;
}

describe('reconcile with new-account rules', () => {
  it('onboards into the workspace of the OU path, skips a tagged account, and reads tags only for accounts without a provider', async () => {
    // Prepare
    const { Roots } = await suite.cloud.organizations.send(new ListRootsCommand({}));
    const rootId = Roots![0]!.Id!;
    const payments = await unitUnder(await unitUnder(rootId, 'Workloads'), 'Payments');
    const [inPayments, tagged, inRoot, onboarded] = [
      await suite.cloud.createAccount(),
      await suite.cloud.createAccount(),
      await suite.cloud.createAccount(),
      await suite.cloud.createAccount(),
    ];
    for (const accountId of [inPayments, tagged, onboarded]) {
      await suite.cloud.organizations.send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: rootId, DestinationParentId: payments }));
    }
    await suite.cloud.organizations.send(new TagResourceCommand({ ResourceId: tagged, Tags: [{ Key: 'capa-onboarding', Value: 'skip' }] }));
    await suite.cloud.onboard({ workspace: 'teams', name: 'onboarded', accountId: onboarded });
    const taggedAccounts: unknown[] = [];
    suite.cloud.onRequest('organizations', 'ListTagsForResource', (params) => taggedAccounts.push(params.ResourceId));
    let rootListings = 0;
    suite.cloud.onRequest('organizations', 'ListRoots', () => (rootListings += 1));

    // Act
    const run = await suite.cloud.sweep();

    // Assess
    const reconciliation = (run.output as { reconciliation: CompletedReconciliation }).reconciliation;
    expect(reconciliation).toMatchObject({ status: 'completed', skippedByRules: 1, alreadyOnboarded: 1, errors: [] });
    expect(reconciliation.onboardingStarted).toEqual([inPayments, inRoot].sort());
    expect(await suite.cloud.registry.get(`payments.aws-${inPayments}`)).toMatchObject({ status: 'PENDING', bootstrapRoleName: 'OrganizationAccountAccessRole' });
    expect(await suite.cloud.registry.get(`default.aws-${inRoot}`)).toMatchObject({ status: 'PENDING' });
    expect(await suite.cloud.registry.get(`default.aws-${tagged}`)).toBeUndefined();
    expect(await suite.cloud.registry.get(`payments.aws-${tagged}`)).toBeUndefined();
    expect(taggedAccounts.sort()).toEqual([inPayments, tagged, inRoot].sort());
    expect(rootListings).toBe(1);
  });
});
