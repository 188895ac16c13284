// End to end: an account leaves the organization through the real Organizations API of the local
// cloud (CloseAccount, RemoveAccountFromOrganization); its CloudTrail event reaches the deployed
// account-departure function, every provider of that account becomes ACCOUNT_REMOVED with
// "Provider Deleted" (reason ACCOUNT_REMOVED), other accounts' providers are untouched, a duplicate
// delivery changes nothing, a running onboarding is stopped and stays ACCOUNT_REMOVED, and a later
// POST with another account onboards afresh.
import { DescribeAccountCommand, CloseAccountCommand, OrganizationsClient, RemoveAccountFromOrganizationCommand } from '@aws-sdk/client-organizations';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  clientConfig,
  deployedFunctions,
  ensureSynthesized,
  eventually,
  FunctionLog,
  memberIam,
  PRODUCT_BUS,
  providerResourcesIn,
  startTestCloud,
  waitForProvider,
  type LocalCloud,
} from './support.js';

beforeAll(() => {
  ensureSynthesized();
}, 180_000);

/** Longer than any test: a role created under it never becomes assumable, so verification waits. */
const NEVER_PROPAGATES_MS = 600_000;

interface ProviderAnswer {
  providerId: string;
  accountId: string;
  status: string;
  reason: string | null;
  message: string | null;
  attempt: number;
  executionArn: string;
  updatedAt: string;
  removedAt?: string;
}

async function providerIn(cloud: LocalCloud, providerId: string, statuses: string[], timeoutMs = 30_000): Promise<ProviderAnswer> {
  return eventually(
    `${providerId} in ${statuses.join(' or ')}`,
    async () => {
      const provider = (await api(cloud).get(providerId)).body as ProviderAnswer;
      return statuses.includes(provider.status) ? provider : undefined;
    },
    timeoutMs,
  );
}

function deletedEventsAbout(cloud: LocalCloud, providerId: string) {
  return cloud.events
    .recordedEvents(PRODUCT_BUS)
    .filter((event) => event['detail-type'] === 'Provider Deleted' && (event.detail as { providerId?: string }).providerId === providerId);
}

/** The CloudTrail event the local Organizations put on the default bus for `eventName` of `accountId`. */
function departureEventOf(cloud: LocalCloud, eventName: string, accountId: string) {
  return cloud.events
    .recordedEvents('default')
    .find(
      (event) =>
        event['detail-type'] === 'AWS API Call via CloudTrail' &&
        (event.detail as { eventName?: string }).eventName === eventName &&
        (event.detail as { requestParameters?: { accountId?: string } }).requestParameters?.accountId === accountId,
    );
}

describe('account departures', () => {
  let cloud: LocalCloud;
  const functionLog = new FunctionLog();

  beforeAll(async () => {
    // Real retry intervals: an onboarding waiting for its role stays in verification for minutes.
    cloud = await startTestCloud({ propagationDelayMs: [0, 0], retryIntervalScale: 1, functionLog: functionLog.sink });
  }, 120_000);

  afterEach(() => {
    cloud.iam.setPropagationDelay(() => 0);
  });

  afterAll(async () => {
    await cloud?.close();
  });

  /** Lines the account-departure function logged since `mark` that say it handled a departure. */
  function departureLogs(mark: number): string[] {
    const departure = deployedFunctions(cloud).AccountDeparturesAccountDeparture;
    return functionLog
      .since(mark)
      .filter(({ functionName, line }) => functionName === departure && line.includes('"message":"Account departed"'))
      .map(({ line }) => line);
  }

  it('CloseAccount ends every provider of the account as ACCOUNT_REMOVED with Provider Deleted; another account is untouched; a duplicate event changes nothing', async () => {
    // Prepare: two providers in the closing account, one in another account.
    const { accountId } = cloud.iam.inviteAccount('team-closing', 'closing@example.com');
    const { accountId: otherAccountId } = cloud.iam.inviteAccount('team-staying', 'staying@example.com');
    await api(cloud).post({ workspace: 'closing', name: 'dev', accountId });
    await api(cloud).post({ workspace: 'closing', name: 'prod', accountId });
    await api(cloud).post({ workspace: 'closing', name: 'other', accountId: otherAccountId });
    for (const providerId of ['closing.dev', 'closing.prod', 'closing.other']) await waitForProvider(cloud, providerId);
    const organizations = new OrganizationsClient(clientConfig(cloud));
    const mark = functionLog.mark();

    // Act
    await organizations.send(new CloseAccountCommand({ AccountId: accountId }));
    const dev = await providerIn(cloud, 'closing.dev', ['ACCOUNT_REMOVED']);
    const prod = await providerIn(cloud, 'closing.prod', ['ACCOUNT_REMOVED']);
    await eventually('both Provider Deleted events', async () =>
      deletedEventsAbout(cloud, 'closing.dev').length === 1 && deletedEventsAbout(cloud, 'closing.prod').length === 1 ? true : undefined,
    );
    await eventually('the departure handled', async () => (departureLogs(mark).length === 1 ? true : undefined));
    const duplicate = departureEventOf(cloud, 'CloseAccount', accountId)!;
    await cloud.events.publish(duplicate);
    await eventually('the duplicate handled', async () => (departureLogs(mark).length === 2 ? true : undefined));

    // Assess
    const account = await organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
    expect(account.Account?.Status).toBe('SUSPENDED');
    expect(dev).toMatchObject({ status: 'ACCOUNT_REMOVED', reason: 'ACCOUNT_REMOVED', attempt: 2, accountId });
    expect(dev.message).toContain(`Account ${accountId} was closed (CloseAccount,`);
    expect(dev.message).toContain('Nothing inside the account was cleaned up: it can no longer be reached, so the role and its policies stay there.');
    expect(dev.removedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(prod).toMatchObject({ status: 'ACCOUNT_REMOVED', reason: 'ACCOUNT_REMOVED', attempt: 2 });
    const roleArn = `arn:aws:iam::${accountId}:role/capa-providers/capa-closing-dev`;
    const [deleted] = deletedEventsAbout(cloud, 'closing.dev');
    expect(deleted?.detail).toMatchObject({
      providerId: 'closing.dev',
      status: 'ACCOUNT_REMOVED',
      reason: 'ACCOUNT_REMOVED',
      deletedAt: dev.removedAt,
      removed: [],
      leftInPlace: [
        { resource: roleArn, why: 'the account left the organization: nothing inside it can be reached' },
        {
          resource: `arn:aws:iam::${accountId}:policy/capa-providers/capa-closing-dev-capa-1`,
          why: 'the account left the organization: nothing inside it can be reached',
        },
      ],
    });
    // Nothing was removed inside the account.
    expect((await providerResourcesIn(await memberIam(cloud, accountId))).sort()).toEqual([
      `arn:aws:iam::${accountId}:policy/capa-providers/capa-closing-dev-capa-1`,
      `arn:aws:iam::${accountId}:policy/capa-providers/capa-closing-prod-capa-1`,
      roleArn,
      `arn:aws:iam::${accountId}:role/capa-providers/capa-closing-prod`,
    ]);
    const other = (await api(cloud).get('closing.other')).body as ProviderAnswer;
    expect(other).toMatchObject({ status: 'READY', attempt: 1, reason: null });
    expect(deletedEventsAbout(cloud, 'closing.other')).toHaveLength(0);
    // The duplicate: the same records, no second event.
    expect(departureLogs(mark)[1]).toContain('"outcome":"already-removed"');
    expect(((await api(cloud).get('closing.dev')).body as ProviderAnswer).updatedAt).toBe(dev.updatedAt);
    expect(deletedEventsAbout(cloud, 'closing.dev')).toHaveLength(1);
    expect(deletedEventsAbout(cloud, 'closing.prod')).toHaveLength(1);
    // Tombstones: hidden from a list unless asked for.
    const listed = (await api(cloud).list('closing')).body as { items: ProviderAnswer[] };
    const listedWithDeleted = (await api(cloud).list('closing', '?includeDeleted=true')).body as { items: ProviderAnswer[] };
    expect(listed.items.map((item) => item.providerId)).toEqual(['closing.other']);
    expect(listedWithDeleted.items.map((item) => `${item.providerId} ${item.status}`)).toEqual([
      'closing.dev ACCOUNT_REMOVED',
      'closing.other READY',
      'closing.prod ACCOUNT_REMOVED',
    ]);
  });

  it('RemoveAccountFromOrganization during an onboarding stops its execution, and the provider stays ACCOUNT_REMOVED after execution-ended', async () => {
    // Prepare: the onboarding waits in verification for a role that never propagates.
    const { accountId } = cloud.iam.inviteAccount('team-removed', 'removed@example.com');
    cloud.iam.setPropagationDelay(() => NEVER_PROPAGATES_MS);
    await api(cloud).post({ workspace: 'removed', name: 'dev', accountId });
    const verifying = await providerIn(cloud, 'removed.dev', ['VERIFYING'], 60_000);
    const organizations = new OrganizationsClient(clientConfig(cloud));
    const sfn = new SFNClient(clientConfig(cloud));
    const mark = functionLog.mark();

    // Act
    await organizations.send(new RemoveAccountFromOrganizationCommand({ AccountId: accountId }));
    const removed = await providerIn(cloud, 'removed.dev', ['ACCOUNT_REMOVED']);
    const execution = await eventually('the onboarding execution stopped', async () => {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: verifying.executionArn }));
      return described.status === 'RUNNING' ? undefined : described;
    });
    await eventually('execution-ended handled the stop', async () =>
      functionLog
        .since(mark)
        .some(({ functionName, line }) => functionName.includes('ExecutionEnded') && line.includes('"message":"Nothing to converge"') && line.includes(verifying.executionArn))
        ? true
        : undefined,
    );

    // Assess
    expect(removed).toMatchObject({ status: 'ACCOUNT_REMOVED', reason: 'ACCOUNT_REMOVED', attempt: 2, executionArn: verifying.executionArn });
    expect(removed.message).toContain(`Account ${accountId} was removed from the organization (RemoveAccountFromOrganization,`);
    expect(execution).toMatchObject({ status: 'ABORTED', error: 'ACCOUNT_REMOVED' });
    const after = (await api(cloud).get('removed.dev')).body as ProviderAnswer;
    expect(after).toMatchObject({ status: 'ACCOUNT_REMOVED', reason: 'ACCOUNT_REMOVED', attempt: 2 });
    expect(deletedEventsAbout(cloud, 'removed.dev')).toHaveLength(1);
    expect(
      cloud.events.recordedEvents(PRODUCT_BUS).filter((event) => (event.detail as { providerId?: string }).providerId === 'removed.dev').map((event) => event['detail-type']),
    ).toEqual(['Provider Deleted']);
  }, 120_000);

  it('a provider whose account left answers DELETE with its tombstone, and onboards afresh when POSTed with another account', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-moving', 'moving@example.com');
    const { accountId: nextAccountId } = cloud.iam.inviteAccount('team-moving-next', 'moving-next@example.com');
    await api(cloud).post({ workspace: 'moving', name: 'dev', accountId });
    await waitForProvider(cloud, 'moving.dev');
    await new OrganizationsClient(clientConfig(cloud)).send(new RemoveAccountFromOrganizationCommand({ AccountId: accountId }));
    await providerIn(cloud, 'moving.dev', ['ACCOUNT_REMOVED']);

    // Act
    const deleted = await api(cloud).delete('moving.dev');
    const accepted = await api(cloud).post({ workspace: 'moving', name: 'dev', accountId: nextAccountId });
    const ready = await waitForProvider(cloud, 'moving.dev');

    // Assess
    expect(deleted.status).toBe(202);
    expect((deleted.body as { provider: ProviderAnswer }).provider).toMatchObject({ status: 'ACCOUNT_REMOVED', attempt: 2 });
    expect(accepted.status).toBe(202);
    expect(ready).toMatchObject({ status: 'READY', attempt: 3, reason: null, roleArn: `arn:aws:iam::${nextAccountId}:role/capa-providers/capa-moving-dev` });
  });
});
