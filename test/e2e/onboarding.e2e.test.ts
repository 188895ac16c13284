// End to end: the synthesized stack deployed on the local cloud, driven like production is:
// SigV4-signed HTTP to the REST API, Organizations calls, and real SDK clients to inspect IAM,
// DynamoDB and Step Functions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
  GetPolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPA_MINIMAL_POLICY } from '../../functions/shared/domain/capa-policy.js';
import { startLocalCloud, type LocalCloud } from '../../local/cloud.js';
import { signedFetch } from '../../local/signed-fetch.js';
import { createManagementRole } from '../../scripts/management-role.js';
import { api, CDK_OUT, clientConfig, ensureSynthesized, memberIam, waitForProvider, type ProviderBody } from './support.js';

// The management cluster role the stack expects beside it is created after each deploy, as `npm start` does.
const FAST = { port: 0, apiPort: 0, quiet: true, cdkOut: CDK_OUT, afterDeploy: createManagementRole } as const;

beforeAll(() => {
  ensureSynthesized();
}, 180_000);

function stateMachineArnOf(cloud: LocalCloud): string {
  const machine = Object.values(cloud.stack.resources).find((resource) => resource.type === 'AWS::StepFunctions::StateMachine');
  if (!machine?.arn) throw new Error('The stack has no state machine');
  return machine.arn;
}

async function executionsNamed(cloud: LocalCloud, prefix: string) {
  const sfn = new SFNClient(clientConfig(cloud));
  const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: stateMachineArnOf(cloud) }));
  return executions.filter((execution) => execution.name?.startsWith(prefix));
}

async function providerResourcesIn(iam: IAMClient): Promise<string[]> {
  const roles = await iam.send(new ListRolesCommand({ PathPrefix: '/capa-providers/' }));
  const policies = await iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/capa-providers/' }));
  return [...(roles.Roles ?? []).map((role) => role.Arn!), ...(policies.Policies ?? []).map((policy) => policy.Arn!)];
}

describe('onboarding on the local cloud', () => {
  let cloud: LocalCloud;
  const functionOutput: string[] = [];

  beforeAll(async () => {
    // New roles need 1.5-2 s to propagate, so verification is retried; retry intervals are scaled
    // down 20x so the suite stays quick.
    cloud = await startLocalCloud({
      ...FAST,
      propagationDelayMs: [1_500, 2_000],
      retryIntervalScale: 0.05,
      functionLog: (functionName, line) => functionOutput.push(`${functionName} ${line}`),
    });
  }, 120_000);

  afterAll(async () => {
    await cloud?.close();
  });

  it('POST /providers reaches READY with the exact CAPA policy and a two-statement trust bound to the External ID', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-payments-dev', 'payments-dev@example.com');

    // Act
    const accepted = await api(cloud).post({ workspace: 'payments', name: 'dev', accountId, externalId: 'portal-external-id-0001' });
    const provider = await waitForProvider(cloud, 'payments.dev');

    // Assess
    expect(accepted.status).toBe(202);
    const { statusUrl } = accepted.body as { statusUrl: string };
    const viaStatusUrl = await signedFetch(statusUrl, {}, cloud.adminCredentials, cloud.region);
    expect(viaStatusUrl).toMatchObject({ status: 200, body: { providerId: 'payments.dev' } });
    expect(provider).toMatchObject({ status: 'READY', roleArn: `arn:aws:iam::${accountId}:role/capa-providers/capa-payments-dev` });
    const iam = await memberIam(cloud, accountId);
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'capa-payments-dev' }));
    expect(JSON.parse(decodeURIComponent(Role!.AssumeRolePolicyDocument!))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ManagementAccountAssumeRole',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${cloud.accountId}:root` },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': 'portal-external-id-0001' } },
        },
        { Sid: 'Ec2AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
    const { AttachedPolicies = [] } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'capa-payments-dev' }));
    expect(AttachedPolicies).toHaveLength(1);
    const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: AttachedPolicies[0]!.PolicyArn }));
    const { PolicyVersion } = await iam.send(
      new GetPolicyVersionCommand({ PolicyArn: Policy!.Arn, VersionId: Policy!.DefaultVersionId }),
    );
    expect(JSON.parse(decodeURIComponent(PolicyVersion!.Document!))).toEqual(CAPA_MINIMAL_POLICY);
    const ready = cloud.events.recordedEvents('capa-provider-onboarding').filter((event) => event['detail-type'] === 'Provider Ready');
    expect(ready.map((event) => (event.detail as { providerId: string }).providerId)).toContain('payments.dev');
  });

  it('the role is assumable from the management account with its External ID only', async () => {
    // Prepare
    const provider = (await api(cloud).get('payments.dev')).body as ProviderBody;
    const sts = new STSClient(clientConfig(cloud));

    // Act
    const withId = await sts.send(new AssumeRoleCommand({ RoleArn: provider.roleArn, RoleSessionName: 'kommander', ExternalId: provider.externalId }));
    const withoutId = sts.send(new AssumeRoleCommand({ RoleArn: provider.roleArn, RoleSessionName: 'deputy' }));

    // Assess
    expect(withId.AssumedRoleUser?.Arn).toContain('assumed-role/capa-payments-dev/kommander');
    await expect(withoutId).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('the management role got the path-scoped grant', async () => {
    const iam = new IAMClient(clientConfig(cloud));
    const { PolicyDocument } = await iam.send(new GetRolePolicyCommand({ RoleName: 'capa-management', PolicyName: 'capa-provider-onboarding-assume' }));
    expect(JSON.parse(decodeURIComponent(PolicyDocument!)).Statement[0].Resource).toBe('arn:aws:iam::*:role/capa-providers/*');
  });

  it('bad input answers 400 naming the field, writes nothing and starts nothing', async () => {
    // Act
    const invalid = await api(cloud).post({ workspace: 'payments', name: 'Bad_Name', accountId: '123' });
    const notJson = await api(cloud).postRaw('{nope');

    // Assess
    expect(invalid.status).toBe(400);
    const fields = (invalid.body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field).sort();
    expect(fields).toEqual(['accountId', 'name']);
    expect(notJson.status).toBe(400);
    const { Items = [] } = await new DynamoDBClient(clientConfig(cloud)).send(
      new ScanCommand({ TableName: Object.values(cloud.stack.resources).find((r) => r.type === 'AWS::DynamoDB::Table')!.physicalId }),
    );
    expect(Items.map((item) => item.providerId?.S)).not.toContain('payments.Bad_Name');
    expect(await executionsNamed(cloud, 'payments_Bad_Name')).toHaveLength(0);
  });

  it('unsigned requests are refused by IAM auth', async () => {
    const response = await fetch(`${cloud.apiUrl}/providers/payments.dev`);
    expect(response.status).toBe(403);
  });

  it('duplicate requests return the same provider and run one execution; another spec is 409', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-search-dev', 'search-dev@example.com');
    const request = { workspace: 'search', name: 'dev', accountId };

    // Act
    const responses = await Promise.all([api(cloud).post(request), api(cloud).post(request), api(cloud).post(request)]);
    await waitForProvider(cloud, 'search.dev');
    const again = await api(cloud).post(request);
    const conflict = await api(cloud).post({ ...request, trustEc2: false });

    // Assess
    expect(responses.map((response) => response.status)).toEqual([202, 202, 202]);
    const ids = new Set(responses.map((response) => (response.body as { provider: ProviderBody }).provider.providerId));
    expect([...ids]).toEqual(['search.dev']);
    expect(again.status).toBe(202);
    expect(conflict.status).toBe(409);
    expect(await executionsNamed(cloud, 'search_dev_')).toHaveLength(1);
  });

  it('an existing role with another External ID fails the provider with ROLE_CONFLICT and is left alone', async () => {
    // Prepare: the account already has a role of that name, trusted with someone else's External ID.
    const { accountId } = cloud.iam.inviteAccount('team-legacy', 'legacy@example.com');
    const iam = await memberIam(cloud, accountId);
    const foreignTrust = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${cloud.accountId}:root` }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'someone-else' } } },
      ],
    };
    await iam.send(new CreateRoleCommand({ RoleName: 'capa-legacy-main', Path: '/capa-providers/', AssumeRolePolicyDocument: JSON.stringify(foreignTrust) }));

    // Act
    await api(cloud).post({ workspace: 'legacy', name: 'main', accountId });
    const provider = await waitForProvider(cloud, 'legacy.main');

    // Assess
    expect(provider).toMatchObject({ status: 'FAILED', reason: 'ROLE_CONFLICT' });
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'capa-legacy-main' }));
    expect(JSON.parse(decodeURIComponent(Role!.AssumeRolePolicyDocument!))).toEqual(foreignTrust);
    expect(await providerResourcesIn(iam)).toEqual([Role!.Arn]);
  });

  it('a new account created in Organizations is onboarded into the default workspace by the trigger', async () => {
    // Act
    const organizations = new OrganizationsClient(clientConfig(cloud));
    const created = await organizations.send(new CreateAccountCommand({ AccountName: 'team-data-prod', Email: 'data-prod@example.com' }));
    const accountId = created.CreateAccountStatus!.AccountId!;
    const provider = await waitForProvider(cloud, `default.aws-${accountId}`);

    // Assess
    expect(provider).toMatchObject({ status: 'READY', roleArn: `arn:aws:iam::${accountId}:role/capa-providers/capa-default-aws-${accountId}` });
  });

  it('the execution history shows each step, and verification retried while IAM propagated', async () => {
    // Prepare
    const [execution] = await executionsNamed(cloud, 'payments_dev_');
    const sfn = new SFNClient(clientConfig(cloud));

    // Act
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: execution!.executionArn }));

    // Assess
    const entered = events.filter((event) => event.type === 'TaskStateEntered').map((event) => event.stateEnteredEventDetails?.name);
    expect(entered).toEqual([
      'Create Role In Target Account',
      'Attach CAPA Policies',
      'Grant Management Role Access',
      'Verify Role Is Assumable',
      'Record Provider Ready',
    ]);
    const verifyFailures = events
      .filter((event) => event.type === 'LambdaFunctionFailed')
      .map((event) => event.lambdaFunctionFailedEventDetails?.error);
    expect(verifyFailures.length).toBeGreaterThan(0);
    expect(new Set(verifyFailures)).toEqual(new Set(['RoleNotYetAssumable']));
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('an account whose bootstrap role does not trust the service fails with BOOTSTRAP_ROLE_DENIED, creating nothing', async () => {
    // Prepare: the account's OrganizationAccountAccessRole trusts some other account.
    const { accountId } = cloud.iam.inviteAccount('team-locked', 'locked@example.com');
    const iam = await memberIam(cloud, accountId);
    await iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: 'OrganizationAccountAccessRole',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );

    // Act
    await api(cloud).post({ workspace: 'locked', name: 'dev', accountId });
    const provider = await waitForProvider(cloud, 'locked.dev');

    // Assess
    expect(provider).toMatchObject({ status: 'FAILED', reason: 'BOOTSTRAP_ROLE_DENIED' });
    expect(provider.message).toContain('OrganizationAccountAccessRole');
    expect(cloud.iam.listRoles(accountId).map((role) => role.path)).not.toContain('/capa-providers/');
  });

  it('a function whose role lacks a permission gets AccessDenied, as in AWS', async () => {
    // Prepare: take the api function's DynamoDB permissions away.
    const apiRole = Object.values(cloud.stack.resources).find(
      (resource) => resource.type === 'AWS::IAM::Role' && resource.logicalId.startsWith('OnboardingApiRole'),
    );
    const iam = new IAMClient(clientConfig(cloud));
    const roleName = apiRole!.physicalId;
    const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
    const saved = await Promise.all(
      PolicyNames.map(async (PolicyName) => ({
        PolicyName,
        PolicyDocument: decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName }))).PolicyDocument!),
      })),
    );
    for (const { PolicyName } of saved) await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName }));

    try {
      // Act
      const response = await api(cloud).get('nobody.here');

      // Assess
      expect(response.status).toBe(500);
      const denial = functionOutput.find((line) => line.includes('AccessDeniedException'));
      expect(denial).toContain('dynamodb:GetItem');
    } finally {
      for (const policy of saved) await iam.send(new PutRolePolicyCommand({ RoleName: roleName, ...policy }));
    }
    expect((await api(cloud).get('nobody.here')).status).toBe(404);
  });
});

describe('realism knobs', () => {
  it('survives injected IAM and STS throttling', async () => {
    // Prepare
    const cloud = await startLocalCloud({
      ...FAST,
      propagationDelayMs: [0, 0],
      retryIntervalScale: 0.05,
      faults: 'iam:CreateRole=throttle:0.6;iam:AttachRolePolicy=throttle:0.5;sts:AssumeRole=throttle:0.3',
      faultSeed: 7,
    });
    try {
      const { accountId } = cloud.iam.inviteAccount('team-noisy', 'noisy@example.com');

      // Act
      await api(cloud).post({ workspace: 'noisy', name: 'dev', accountId });
      const provider = await waitForProvider(cloud, 'noisy.dev');

      // Assess
      expect(provider.status).toBe('READY');
      expect(Object.keys(cloud.faults.stats()).length).toBeGreaterThan(0);
    } finally {
      await cloud.close();
    }
  }, 120_000);

  it('a role that never becomes assumable fails with PROPAGATION_TIMEOUT and leaves no role or policy behind', async () => {
    // Prepare: propagation slower than the (shortened) verification window.
    const cloud = await startLocalCloud({
      ...FAST,
      propagationDelayMs: [600_000, 600_000],
      retryIntervalScale: 0.1,
      functionEnvironment: { VERIFY_TIMEOUT_SECONDS: '2' },
    });
    try {
      const { accountId } = cloud.iam.inviteAccount('team-slow', 'slow@example.com');

      // Act
      await api(cloud).post({ workspace: 'slow', name: 'dev', accountId });
      const provider = await waitForProvider(cloud, 'slow.dev');

      // Assess
      expect(provider).toMatchObject({ status: 'FAILED', reason: 'PROPAGATION_TIMEOUT' });
      expect(await providerResourcesIn(await memberIam(cloud, accountId))).toEqual([]);
      const failed = cloud.events.recordedEvents('capa-provider-onboarding').filter((event) => event['detail-type'] === 'Provider Failed');
      expect(failed).toHaveLength(1);
    } finally {
      await cloud.close();
    }
  }, 120_000);

  it('keeps state across a restart', async () => {
    // Prepare
    const stateDir = mkdtempSync(join(tmpdir(), 'capa-local-'));
    try {
      const first = await startLocalCloud({ ...FAST, stateDir, propagationDelayMs: [0, 0], retryIntervalScale: 0.05 });
      const { accountId } = first.iam.inviteAccount('team-durable', 'durable@example.com');
      await api(first).post({ workspace: 'durable', name: 'dev', accountId });
      const before = await waitForProvider(first, 'durable.dev');
      await first.close();

      // Act
      const second = await startLocalCloud({ ...FAST, stateDir, propagationDelayMs: [0, 0], retryIntervalScale: 0.05 });
      try {
        const after = (await api(second).get('durable.dev')).body as ProviderBody;
        const { Role } = await (await memberIam(second, accountId)).send(new GetRoleCommand({ RoleName: 'capa-durable-dev' }));
        const executions = await executionsNamed(second, 'durable_dev_');

        // Assess
        expect(after).toEqual(before);
        expect(Role?.Arn).toBe(before.roleArn);
        expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 120_000);
});
