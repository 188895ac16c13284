// End to end: DELETE /workspaces/{workspace}/providers/{name} on the synthesized stack deployed in
// the local cloud, through the real SDK and signed HTTP. The offboarding workflow removes only what
// the product created for the provider, records a DELETED tombstone and emits Provider Deleted; a
// repeated DELETE is the same execution, a DELETE during an onboarding is 409, ?force=true removes a
// provider whose account cannot be reached, and a later POST onboards afresh.
import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, GetPolicyCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTrustPolicy } from '../../functions/shared/domain/trust-policy.js';
import {
  api,
  clientConfig,
  ensureSynthesized,
  eventually,
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
  status: string;
  reason: string | null;
  message: string | null;
  attempt: number;
  externalId: string;
  executionArn: string;
  deletedAt?: string;
  offboarding?: { force: boolean; removed?: string[]; leftInPlace?: Array<{ resource: string; why: string }> };
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

function eventsAbout(cloud: LocalCloud, providerId: string) {
  return cloud.events.recordedEvents(PRODUCT_BUS).filter((event) => (event.detail as { providerId?: string }).providerId === providerId);
}

async function readyProvider(cloud: LocalCloud, workspace: string, name: string, extra: Record<string, unknown> = {}) {
  const { accountId } = cloud.iam.inviteAccount(`team-${workspace}-${name}`, `${workspace}-${name}@example.com`);
  await api(cloud).post({ workspace, name, accountId, ...extra });
  const provider = await waitForProvider(cloud, `${workspace}.${name}`);
  return { accountId, provider };
}

describe('DELETE /workspaces/{workspace}/providers/{name}', () => {
  let cloud: LocalCloud;

  beforeAll(async () => {
    // Real retry intervals: an onboarding waiting for its role to propagate stays in verification
    // for minutes, so a DELETE finds it running.
    cloud = await startTestCloud({ propagationDelayMs: [0, 0], retryIntervalScale: 1 });
  }, 120_000);

  afterEach(() => {
    cloud.iam.setPropagationDelay(() => 0);
    cloud.faults.replaceRules('');
  });

  afterAll(async () => {
    await cloud?.close();
  });

  it('offboards a READY provider: 202 DELETING, then a DELETED tombstone, role and policy gone, Provider Deleted; a repeated DELETE answers the same execution', async () => {
    // Prepare
    const { accountId, provider } = await readyProvider(cloud, 'leaving', 'dev');

    // Act
    const accepted = await api(cloud).delete('leaving.dev');
    const deleted = await providerIn(cloud, 'leaving.dev', ['DELETED']);
    const repeated = await api(cloud).delete('leaving.dev');
    const listed = await api(cloud).list('leaving');
    const listedWithDeleted = await api(cloud).list('leaving', '?includeDeleted=true');

    // Assess
    const roleArn = `arn:aws:iam::${accountId}:role/capa-providers/capa-leaving-dev`;
    const policyArn = `arn:aws:iam::${accountId}:policy/capa-providers/capa-leaving-dev-capa-1`;
    const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:CapaProviderOnboarding-OffboardingWorkflowStateMachine';
    expect(provider.status).toBe('READY');
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({
      provider: { providerId: 'leaving.dev', status: 'DELETING', attempt: 2, offboarding: { force: false } },
      statusUrl: expect.stringMatching(/\/workspaces\/leaving\/providers\/dev$/),
    });
    expect((accepted.body as { executionArn: string }).executionArn).toMatch(new RegExp(`^${executionArn}[^:]*:leaving_dev_2$`));
    expect(deleted).toMatchObject({ status: 'DELETED', attempt: 2, offboarding: { force: false, removed: [policyArn, roleArn], leftInPlace: [] } });
    expect(deleted.deletedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await providerResourcesIn(await memberIam(cloud, accountId))).toEqual([]);
    expect(repeated.status).toBe(202);
    expect((repeated.body as { executionArn: string; provider: ProviderAnswer }).executionArn).toBe(deleted.executionArn);
    expect((repeated.body as { provider: ProviderAnswer }).provider.status).toBe('DELETED');
    expect((listed.body as { items: unknown[] }).items).toEqual([]);
    expect((listedWithDeleted.body as { items: ProviderAnswer[] }).items.map((item) => item.status)).toEqual(['DELETED']);
    const events = await eventually('Provider Deleted on the bus', async () => {
      const about = eventsAbout(cloud, 'leaving.dev');
      return about.some((event) => event['detail-type'] === 'Provider Deleted') ? about : undefined;
    });
    expect(events.map((event) => event['detail-type'])).toEqual(['Provider Ready', 'Provider Deleted']);
    expect(events[1]?.detail).toMatchObject({ status: 'DELETED', executionArn: deleted.executionArn, removed: [policyArn, roleArn], leftInPlace: [] });
    expect(JSON.stringify(events)).not.toContain(provider.externalId);
  });

  it('the offboarding execution history: 4 states entered (3 tasks, each one Lambda invocation) and it succeeds', async () => {
    // Prepare
    await readyProvider(cloud, 'history', 'dev');
    await api(cloud).delete('history.dev');
    const deleted = await providerIn(cloud, 'history.dev', ['DELETED']);
    const sfn = new SFNClient(clientConfig(cloud));
    await eventually('the offboarding execution ended', async () => {
      const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: deleted.executionArn, maxResults: 1000 }));
      return events.at(-1)?.type === 'ExecutionSucceeded' ? true : undefined;
    });

    // Act
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: deleted.executionArn, maxResults: 1000 }));

    // Assess
    const entered = events.filter((event) => event.type?.endsWith('StateEntered')).map((event) => event.stateEnteredEventDetails?.name);
    expect(entered).toEqual(['Revoke Management Grant', 'Remove Role And CAPA Policies', 'Record Provider Deleted', 'Offboarded']);
    expect(events.filter((event) => event.type === 'LambdaFunctionScheduled')).toHaveLength(3);
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('a DELETE while the onboarding runs is 409 and starts nothing; once the onboarding is stopped (FAILED) the DELETE offboards it', async () => {
    // Prepare: the role never propagates, so the onboarding stays in verification.
    cloud.iam.setPropagationDelay(() => NEVER_PROPAGATES_MS);
    const { accountId } = cloud.iam.inviteAccount('team-racing-dev', 'racing-dev@example.com');
    await api(cloud).post({ workspace: 'racing', name: 'dev', accountId });
    const verifying = await providerIn(cloud, 'racing.dev', ['VERIFYING']);
    const sfn = new SFNClient(clientConfig(cloud));

    // Act
    const refused = await api(cloud).delete('racing.dev');
    await sfn.send(new StopExecutionCommand({ executionArn: verifying.executionArn, error: 'Operator', cause: 'offboarding it' }));
    await providerIn(cloud, 'racing.dev', ['FAILED']);
    const accepted = await api(cloud).delete('racing.dev');
    const deleted = await providerIn(cloud, 'racing.dev', ['DELETED']);

    // Assess
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      error: {
        code: 'CONFLICT',
        message: `Provider racing.dev is VERIFYING: its onboarding (execution ${verifying.executionArn}) is still running; send the DELETE again once it is READY or FAILED`,
        details: [],
      },
    });
    expect(accepted.status).toBe(202);
    expect(deleted.attempt).toBe(2);
    expect(await providerResourcesIn(await memberIam(cloud, accountId))).toEqual([]);
  }, 120_000);

  it('a DELETE racing the removal of a stopped onboarding\'s leftovers still ends DELETED, the role and policy gone', async () => {
    // Prepare: FAILED is recorded before execution-ended removes what the attempt created, so a
    // DELETE sent at once runs beside that removal. Each DeleteRole waits 3 s before IAM acts on it:
    // the offboarding finds the role, then execution-ended's DeleteRole removes it under the
    // offboarding's own (IAM then denies the path-less name of a role that no longer exists).
    cloud.iam.setPropagationDelay(() => NEVER_PROPAGATES_MS);
    const { accountId } = cloud.iam.inviteAccount('team-overlap-dev', 'overlap-dev@example.com');
    await api(cloud).post({ workspace: 'overlap', name: 'dev', accountId });
    const verifying = await providerIn(cloud, 'overlap.dev', ['VERIFYING']);
    cloud.faults.replaceRules('iam:DeleteRole=latency:3000');
    const sfn = new SFNClient(clientConfig(cloud));
    await sfn.send(new StopExecutionCommand({ executionArn: verifying.executionArn, error: 'Operator', cause: 'offboarding it' }));
    await providerIn(cloud, 'overlap.dev', ['FAILED']);

    // Act
    const accepted = await api(cloud).delete('overlap.dev');
    // The offboarding's own outcome (attempt 2), so a FAILED one shows its reason rather than a timeout.
    const ended = await eventually('the offboarding of overlap.dev ended', async () => {
      const provider = (await api(cloud).get('overlap.dev')).body as ProviderAnswer;
      return provider.attempt === 2 && ['DELETED', 'FAILED'].includes(provider.status) ? provider : undefined;
    }, 60_000);

    // Assess
    expect(accepted.status).toBe(202);
    expect(ended).toMatchObject({ status: 'DELETED', attempt: 2, offboarding: { leftInPlace: [] } });
    cloud.faults.replaceRules('');
    expect(await providerResourcesIn(await memberIam(cloud, accountId))).toEqual([]);
  }, 120_000);

  it("a role the product did not create and someone else's policy stay in place and are named; the product's CAPA policy goes", async () => {
    // Prepare: an administrator made the role by hand, with the trust the product writes; onboarding adopts it.
    const { accountId } = cloud.iam.inviteAccount('team-handmade-dev', 'handmade-dev@example.com');
    const iam = await memberIam(cloud, accountId);
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: 'capa-handmade-dev',
        Path: '/capa-providers/',
        AssumeRolePolicyDocument: JSON.stringify(
          buildTrustPolicy({ managementPrincipalArn: 'arn:aws:iam::000000000000:root', externalId: 'handmade-external-id', trustEc2: true }),
        ),
      }),
    );
    await api(cloud).post({ workspace: 'handmade', name: 'dev', accountId, externalId: 'handmade-external-id' });
    const ready = await waitForProvider(cloud, 'handmade.dev');
    const { Policy } = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'team-extra',
        Path: '/capa-providers/',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }),
      }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'capa-handmade-dev', PolicyArn: Policy!.Arn! }));

    // Act
    await api(cloud).delete('handmade.dev');
    const deleted = await providerIn(cloud, 'handmade.dev', ['DELETED']);

    // Assess
    expect(ready.status).toBe('READY');
    expect(deleted.offboarding).toEqual({
      force: false,
      removed: [`arn:aws:iam::${accountId}:policy/capa-providers/capa-handmade-dev-capa-1`],
      leftInPlace: [
        { resource: Policy!.Arn!, why: 'not created by this product for provider handmade.dev' },
        { resource: Role!.Arn!, why: 'not created by this product for provider handmade.dev' },
      ],
    });
    expect((await iam.send(new GetRoleCommand({ RoleName: 'capa-handmade-dev' }))).Role?.Arn).toBe(Role!.Arn);
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: Policy!.Arn! }))).Policy?.AttachmentCount).toBe(1);
  });

  it('an account whose bootstrap role refuses us: the DELETE ends FAILED BOOTSTRAP_ROLE_DENIED, then ?force=true records DELETED naming what was not removed', async () => {
    // Prepare
    const { accountId } = await readyProvider(cloud, 'cutoff', 'dev');
    cloud.iam.updateAssumeRolePolicy(accountId, 'OrganizationAccountAccessRole', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' }],
    });

    // Act
    await api(cloud).delete('cutoff.dev');
    const failed = await providerIn(cloud, 'cutoff.dev', ['FAILED']);
    const forced = await api(cloud).delete('cutoff.dev', '?force=true');
    const deleted = await providerIn(cloud, 'cutoff.dev', ['DELETED']);
    const invalid = await api(cloud).delete('cutoff.dev', '?force=yes');

    // Assess
    expect(failed).toMatchObject({ reason: 'BOOTSTRAP_ROLE_DENIED', attempt: 2 });
    expect(failed.message).toMatch(/^Offboarding failed: Cannot assume arn:aws:iam::\d{12}:role\/OrganizationAccountAccessRole/);
    expect(forced.status).toBe(202);
    expect(deleted).toMatchObject({ attempt: 3, offboarding: { force: true, removed: [] } });
    expect(deleted.offboarding?.leftInPlace?.map((left) => left.resource)).toEqual([
      `arn:aws:iam::${accountId}:role/capa-providers/capa-cutoff-dev`,
      `arn:aws:iam::${accountId}:policy/capa-providers/capa-cutoff-dev-capa-1`,
    ]);
    expect(deleted.offboarding?.leftInPlace?.[0]?.why).toMatch(/^not checked: Cannot assume /);
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ field: 'force', issue: 'true or false' }] } });
  });

  it('a DELETE repeated while the offboarding runs answers the same execution; stopped by an operator it ends FAILED EXECUTION_ABORTED (execution-ended); a DELETE then finishes it', async () => {
    // Prepare: DeleteRole answers after 20 s, so the offboarding is still running when it is stopped.
    const { accountId } = await readyProvider(cloud, 'halted', 'dev');
    cloud.faults.replaceRules('iam:DeleteRole=latency:20000-20000');
    const accepted = await api(cloud).delete('halted.dev');
    const executionArn = (accepted.body as { executionArn: string }).executionArn;
    const sfn = new SFNClient(clientConfig(cloud));

    // Act
    const repeatedWhileRunning = await api(cloud).delete('halted.dev', '?force=true');
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stopped in a test' }));
    const failed = await providerIn(cloud, 'halted.dev', ['FAILED']);
    cloud.faults.replaceRules('');
    await api(cloud).delete('halted.dev');
    const deleted = await providerIn(cloud, 'halted.dev', ['DELETED'], 60_000);

    // Assess
    expect(repeatedWhileRunning.status).toBe(202);
    expect(repeatedWhileRunning.body).toMatchObject({ executionArn, provider: { status: 'DELETING', attempt: 2, offboarding: { force: false } } });
    expect(failed).toMatchObject({ reason: 'EXECUTION_ABORTED', attempt: 2 });
    expect(failed.message).toBe('Execution halted_dev_2 was stopped before it recorded an outcome (Operator: stopped in a test).');
    expect(deleted.attempt).toBe(3);
    expect(await providerResourcesIn(await memberIam(cloud, accountId))).toEqual([]);
  });

  it('a POST after DELETE onboards afresh: the next attempt, a new External ID, READY again', async () => {
    // Prepare
    const { accountId, provider } = await readyProvider(cloud, 'again', 'dev');
    await api(cloud).delete('again.dev');
    await providerIn(cloud, 'again.dev', ['DELETED']);

    // Act
    const created = await api(cloud).post({ workspace: 'again', name: 'dev', accountId });
    const ready = await waitForProvider(cloud, 'again.dev');

    // Assess
    const answer = (created.body as { provider: ProviderAnswer }).provider;
    expect(created.status).toBe(202);
    expect(answer).toMatchObject({ status: 'PENDING', attempt: 3 });
    expect(answer.externalId).toEqual(expect.any(String));
    expect(answer.externalId).not.toBe(provider.externalId);
    expect(answer.deletedAt).toBeUndefined();
    expect(ready).toMatchObject({ status: 'READY', attempt: 3 });
    const sfn = new SFNClient(clientConfig(cloud));
    const machine = ready.executionArn.split(':execution:')[1]!.split(':')[0]!;
    const { executions = [] } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:${machine}` }),
    );
    expect(executions.filter((execution) => execution.name?.startsWith('again_dev_')).map((execution) => execution.name).sort()).toEqual([
      'again_dev_1',
      'again_dev_3',
    ]);
  });
});
