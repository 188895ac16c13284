// End to end: the synthesized stack deployed on the local cloud, driven like production is:
// SigV4-signed HTTP to the REST API, Organizations calls, and real SDK clients to inspect IAM,
// DynamoDB, Lambda, EventBridge and Step Functions.
// Every test creates the accounts and providers it needs under names of its own, so any test passes
// alone or in any order. Each describe block starts its own cloud and spells out the IAM propagation
// delay and the timeouts its tests rely on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeletePolicyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPA_MINIMAL_POLICY } from '../../functions/shared/domain/capa-policy.js';
import { bootstrapSessionPolicy } from '../../functions/shared/adapters/target-account.js';
import {
  api,
  bootstrapSession,
  clientConfig,
  deployedFunctions,
  ensureSynthesized,
  eventually,
  executionsNamed,
  FunctionLog,
  iamInventory,
  memberIam,
  onboardingStateMachineArn,
  PRODUCT_BUS,
  providerResourcesIn,
  registryTableName,
  startTestCloud,
  subscribeToProviderEvents,
  waitForProvider,
  type LocalCloud,
  type ProviderBody,
} from './support.js';

beforeAll(() => {
  ensureSynthesized();
}, 180_000);

const TRUST_EC2 = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };

/** A trust policy like the product writes, but bound to someone else's External ID. */
function foreignTrust(managementAccountId: string, externalId: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${managementAccountId}:root` },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': externalId } },
      },
    ],
  };
}

/** The error name of a call, or "allowed". */
async function outcomeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'allowed';
  } catch (error) {
    return (error as Error).name;
  }
}

/** The detail keys docs and README promise for provider events, and nothing else. */
const EVENT_DETAIL_KEYS = ['accountId', 'executionArn', 'message', 'name', 'policyVersion', 'providerId', 'reason', 'roleArn', 'status', 'workspace'];

describe('onboarding on the local cloud (roles assumable at once)', () => {
  let cloud: LocalCloud;
  const functionLog = new FunctionLog();

  beforeAll(async () => {
    // No test here observes IAM propagation (the describe blocks below do, each with its own delay).
    cloud = await startTestCloud({ propagationDelayMs: [0, 0], retryIntervalScale: 0.05, functionLog: functionLog.sink });
  }, 120_000);

  afterAll(async () => {
    await cloud?.close();
  });

  it('POST /workspaces/payments/providers reaches READY with the exact CAPA policy, a two-statement trust bound to the External ID, and one Provider Ready event', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-payments-dev', 'payments-dev@example.com');

    // Act
    const accepted = await api(cloud).post({ workspace: 'payments', name: 'dev', accountId, externalId: 'portal-external-id-0001' });
    const provider = await waitForProvider(cloud, 'payments.dev');

    // Assess
    expect(accepted.status).toBe(202);
    const { statusUrl } = accepted.body as { statusUrl: string };
    expect(new URL(statusUrl).pathname).toBe('/prod/workspaces/payments/providers/dev');
    const viaStatusUrl = await api(cloud).getUrl(statusUrl);
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
    const ready = cloud.events
      .recordedEvents(PRODUCT_BUS)
      .filter((event) => event['detail-type'] === 'Provider Ready')
      .map((event) => (event.detail as { providerId: string }).providerId);
    expect(ready).toContain('payments.dev');
    expect(ready.filter((providerId) => providerId === 'payments.dev')).toHaveLength(1);
  });

  it('the role is assumable from the management account with its External ID, and denied without it', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-assume-dev', 'assume-dev@example.com');
    await api(cloud).post({ workspace: 'assume', name: 'dev', accountId });
    const provider = await waitForProvider(cloud, 'assume.dev');
    const sts = new STSClient(clientConfig(cloud));

    // Act
    const withId = await sts.send(new AssumeRoleCommand({ RoleArn: provider.roleArn, RoleSessionName: 'kommander', ExternalId: provider.externalId }));
    const withoutId = sts.send(new AssumeRoleCommand({ RoleArn: provider.roleArn, RoleSessionName: 'deputy' }));

    // Assess
    expect(provider.status).toBe('READY');
    expect(withId.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${accountId}:assumed-role/capa-assume-dev/kommander`);
    expect(withId.AssumedRoleUser?.Arn).toContain('assumed-role/capa-assume-dev/kommander');
    await expect(withoutId).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('after an onboarding the management role holds exactly the path-scoped grant on roles under /capa-providers/', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-grant-dev', 'grant-dev@example.com');
    await api(cloud).post({ workspace: 'grant', name: 'dev', accountId });
    await waitForProvider(cloud, 'grant.dev');
    const iam = new IAMClient(clientConfig(cloud));

    // Act
    const { PolicyDocument } = await iam.send(new GetRolePolicyCommand({ RoleName: 'capa-management', PolicyName: 'capa-provider-onboarding-assume' }));

    // Assess
    const grant = JSON.parse(decodeURIComponent(PolicyDocument!));
    expect(grant.Statement[0].Resource).toBe('arn:aws:iam::*:role/capa-providers/*');
    expect(grant).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/capa-providers/*' }],
    });
  });

  it('bad input answers 400 naming the fields, writes nothing and starts nothing', async () => {
    // Act
    const invalid = await api(cloud).post({ workspace: 'invalid', name: 'Bad_Name', accountId: '123' });
    const notJson = await api(cloud).postRaw('invalid', '{nope');

    // Assess
    expect(invalid.status).toBe(400);
    const fields = (invalid.body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field).sort();
    expect(fields).toEqual(['accountId', 'name']);
    expect(notJson.status).toBe(400);
    const { Items = [] } = await new DynamoDBClient(clientConfig(cloud)).send(new ScanCommand({ TableName: registryTableName(cloud) }));
    expect(Items.map((item) => item.providerId?.S)).not.toContain('invalid.Bad_Name');
    expect(Items.map((item) => item.workspace?.S)).not.toContain('invalid');
    expect(await executionsNamed(cloud, 'invalid_')).toHaveLength(0);
  });

  it('unsigned GET and POST are refused with 403 by IAM auth, and the POST writes and starts nothing', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-unsigned-dev', 'unsigned-dev@example.com');

    // Act
    const get = await fetch(`${cloud.apiUrl}/workspaces/unsigned/providers/dev`);
    const post = await fetch(`${cloud.apiUrl}/workspaces/unsigned/providers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'dev', accountId }),
    });

    // Assess
    expect(get.status).toBe(403);
    expect(post.status).toBe(403);
    expect(await post.json()).toEqual({ message: 'Missing Authentication Token' });
    expect((await api(cloud).get('unsigned.dev')).status).toBe(404);
    expect(await executionsNamed(cloud, 'unsigned_')).toHaveLength(0);
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

  it('an existing role with another External ID fails the provider with ROLE_CONFLICT; that role, its tags and a same-named foreign policy are left alone', async () => {
    // Prepare: the account already has a role of the provider's name, trusted with someone else's
    // External ID, tagged by its owner, with a policy of the name the product would give its own.
    const { accountId } = cloud.iam.inviteAccount('team-legacy', 'legacy@example.com');
    const iam = await memberIam(cloud, accountId);
    const trust = foreignTrust(cloud.accountId, 'someone-else');
    const { Role: created } = await iam.send(
      new CreateRoleCommand({
        RoleName: 'capa-legacy-main',
        Path: '/capa-providers/',
        AssumeRolePolicyDocument: JSON.stringify(trust),
        Tags: [{ Key: 'owner', Value: 'legacy-team' }],
      }),
    );
    const { Policy: foreignPolicy } = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'capa-legacy-main-capa-1',
        Path: '/capa-providers/',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }] }),
      }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'capa-legacy-main', PolicyArn: foreignPolicy!.Arn }));

    // Act
    await api(cloud).post({ workspace: 'legacy', name: 'main', accountId });
    const provider = await waitForProvider(cloud, 'legacy.main');

    // Assess
    expect(provider).toMatchObject({ status: 'FAILED', reason: 'ROLE_CONFLICT' });
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'capa-legacy-main' }));
    expect(JSON.parse(decodeURIComponent(Role!.AssumeRolePolicyDocument!))).toEqual(trust);
    expect(Role!.Tags).toEqual([{ Key: 'owner', Value: 'legacy-team' }]);
    expect(Role!.RoleId).toBe(created!.RoleId);
    const { AttachedPolicies } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'capa-legacy-main' }));
    expect(AttachedPolicies).toEqual([{ PolicyName: 'capa-legacy-main-capa-1', PolicyArn: `arn:aws:iam::${accountId}:policy/capa-providers/capa-legacy-main-capa-1` }]);
    expect(await providerResourcesIn(iam)).toEqual([Role!.Arn, foreignPolicy!.Arn]);
  });

  it('a same-named role out of band under /other/ fails the provider with ROLE_CONFLICT, denied even a read by the session policy, and nothing in the account changes', async () => {
    // Prepare: IAM role names are unique per account whatever the path, so the product's CreateRole
    // collides with this role, which its bootstrap session (limited to /capa-providers/) may not touch.
    const { accountId } = cloud.iam.inviteAccount('team-shadow', 'shadow@example.com');
    const iam = await memberIam(cloud, accountId);
    await iam.send(
      new CreateRoleCommand({ RoleName: 'capa-shadow-dev', Path: '/other/', AssumeRolePolicyDocument: JSON.stringify(TRUST_EC2), Tags: [{ Key: 'owner', Value: 'platform' }] }),
    );
    const { Policy: boundary } = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'team-boundary',
        Path: '/other/',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' }] }),
      }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'capa-shadow-dev', PolicyArn: boundary!.Arn }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'capa-shadow-dev',
        PolicyName: 'inline',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }] }),
      }),
    );

    // Act
    await api(cloud).post({ workspace: 'shadow', name: 'dev', accountId });
    const provider = await waitForProvider(cloud, 'shadow.dev');

    // Assess
    expect(provider).toMatchObject({ status: 'FAILED', reason: 'ROLE_CONFLICT' });
    expect(provider.message).toBe(
      `Role capa-shadow-dev already exists in account ${accountId} outside /capa-providers/ ` +
        `(User: arn:aws:sts::${accountId}:assumed-role/OrganizationAccountAccessRole/capa-onboarding-create-role-1 is not authorized ` +
        `to perform: iam:GetRole on resource: arn:aws:iam::${accountId}:role/other/capa-shadow-dev because no session policy allows ` +
        'the iam:GetRole action); it was left unchanged',
    );
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'capa-shadow-dev' }));
    expect(Role).toMatchObject({ Path: '/other/', Tags: [{ Key: 'owner', Value: 'platform' }] });
    expect(JSON.parse(decodeURIComponent(Role!.AssumeRolePolicyDocument!))).toEqual(TRUST_EC2);
    const { AttachedPolicies } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'capa-shadow-dev' }));
    expect(AttachedPolicies).toEqual([{ PolicyName: 'team-boundary', PolicyArn: boundary!.Arn }]);
    const { PolicyNames } = await iam.send(new ListRolePoliciesCommand({ RoleName: 'capa-shadow-dev' }));
    expect(PolicyNames).toEqual(['inline']);
    expect(await iamInventory(iam)).toEqual(['policy /other/team-boundary', 'role /OrganizationAccountAccessRole', 'role /other/capa-shadow-dev']);
  });

  it('the bootstrap session the workflow opens may write IAM only under /capa-providers/, as the local IAM evaluates its session policy', async () => {
    // Prepare: a role out of band under another path, and a session in the bootstrap role narrowed
    // by the product's own session policy (what every workflow step uses in the target account).
    const { accountId } = cloud.iam.inviteAccount('team-session', 'session@example.com');
    const admin = await memberIam(cloud, accountId);
    await admin.send(new CreateRoleCommand({ RoleName: 'team-app', Path: '/other/', AssumeRolePolicyDocument: JSON.stringify(TRUST_EC2) }));
    const { Policy: outsidePolicy } = await admin.send(
      new CreatePolicyCommand({
        PolicyName: 'team-policy',
        Path: '/other/',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' }] }),
      }),
    );
    const session = await bootstrapSession(cloud, accountId, bootstrapSessionPolicy('aws', accountId, '/capa-providers/'));
    const document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' }] });

    // Act
    const outcomes = {
      createRoleOutside: await outcomeOf(session.send(new CreateRoleCommand({ RoleName: 'escape', Path: '/other/', AssumeRolePolicyDocument: JSON.stringify(TRUST_EC2) }))),
      createRoleAtRoot: await outcomeOf(session.send(new CreateRoleCommand({ RoleName: 'escape-root', AssumeRolePolicyDocument: JSON.stringify(TRUST_EC2) }))),
      createPolicyOutside: await outcomeOf(session.send(new CreatePolicyCommand({ PolicyName: 'escape', Path: '/other/', PolicyDocument: document }))),
      attachToOutsideRole: await outcomeOf(session.send(new AttachRolePolicyCommand({ RoleName: 'team-app', PolicyArn: outsidePolicy!.Arn }))),
      tagOutsideRole: await outcomeOf(session.send(new TagRoleCommand({ RoleName: 'team-app', Tags: [{ Key: 'k', Value: 'v' }] }))),
      retrustOutsideRole: await outcomeOf(session.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'team-app', PolicyDocument: JSON.stringify(TRUST_EC2) }))),
      inlinePolicyOnOutsideRole: await outcomeOf(session.send(new PutRolePolicyCommand({ RoleName: 'team-app', PolicyName: 'x', PolicyDocument: document }))),
      deleteOutsidePolicy: await outcomeOf(session.send(new DeletePolicyCommand({ PolicyArn: outsidePolicy!.Arn }))),
      deleteOutsideRole: await outcomeOf(session.send(new DeleteRoleCommand({ RoleName: 'team-app' }))),
      deleteBootstrapRole: await outcomeOf(session.send(new DeleteRoleCommand({ RoleName: 'OrganizationAccountAccessRole' }))),
      createRoleInside: await outcomeOf(session.send(new CreateRoleCommand({ RoleName: 'capa-inside', Path: '/capa-providers/', AssumeRolePolicyDocument: JSON.stringify(TRUST_EC2) }))),
      createPolicyInside: await outcomeOf(session.send(new CreatePolicyCommand({ PolicyName: 'capa-inside', Path: '/capa-providers/', PolicyDocument: document }))),
      inlinePolicyOnInsideRole: await outcomeOf(session.send(new PutRolePolicyCommand({ RoleName: 'capa-inside', PolicyName: 'x', PolicyDocument: document }))),
    };

    // Assess
    expect(outcomes).toEqual({
      createRoleOutside: 'AccessDenied',
      createRoleAtRoot: 'AccessDenied',
      createPolicyOutside: 'AccessDenied',
      attachToOutsideRole: 'AccessDenied',
      tagOutsideRole: 'AccessDenied',
      retrustOutsideRole: 'AccessDenied',
      inlinePolicyOnOutsideRole: 'AccessDenied',
      deleteOutsidePolicy: 'AccessDenied',
      deleteOutsideRole: 'AccessDenied',
      deleteBootstrapRole: 'AccessDenied',
      createRoleInside: 'allowed',
      createPolicyInside: 'allowed',
      // The product never writes inline policies in a target account: not even under its path.
      inlinePolicyOnInsideRole: 'AccessDenied',
    });
    expect(await iamInventory(admin)).toEqual([
      'policy /capa-providers/capa-inside',
      'policy /other/team-policy',
      'role /OrganizationAccountAccessRole',
      'role /capa-providers/capa-inside',
      'role /other/team-app',
    ]);
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
    expect(cloud.iam.listRoles(accountId).map((role) => `${role.path}${role.roleName}`)).toEqual(['/OrganizationAccountAccessRole']);
    expect(cloud.iam.listPolicies(accountId)).toEqual([]);
  });

  it('a function whose role lacks a permission gets AccessDenied naming the action, as in AWS, and works again once it is restored', async () => {
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
    const mark = functionLog.mark();

    try {
      // Act
      const response = await api(cloud).get('nobody.here');

      // Assess
      expect(response.status).toBe(500);
      const denial = functionLog
        .since(mark)
        .map(({ line }) => line)
        .find((line) => line.includes('AccessDeniedException'));
      expect(denial).toContain('dynamodb:GetItem');
    } finally {
      for (const policy of saved) await iam.send(new PutRolePolicyCommand({ RoleName: roleName, ...policy }));
    }
    expect((await api(cloud).get('nobody.here')).status).toBe(404);
  });
});

describe('IAM propagation of 4 s: verification polls until the role is assumable', () => {
  let cloud: LocalCloud;

  beforeAll(async () => {
    // Every new role takes 4 s to become assumable: far longer than the steps between creating the
    // role and the first verification, so its first polls are denied. The function's minute of
    // polling outlasts the 4 s, so one invocation sees the role propagate.
    cloud = await startTestCloud({ propagationDelayMs: [4_000, 4_000], retryIntervalScale: 0.1 });
  }, 120_000);

  afterAll(async () => {
    await cloud?.close();
  });

  it('the execution history shows each step once, in order: Verify polls within one invocation, which succeeds', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-history', 'history@example.com');
    await api(cloud).post({ workspace: 'history', name: 'dev', accountId });
    const provider = await waitForProvider(cloud, 'history.dev');
    const sfn = new SFNClient(clientConfig(cloud));

    // Act
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: provider.executionArn, maxResults: 1000 }));

    // Assess
    expect(provider.status).toBe('READY');
    const entered = events.filter((event) => event.type === 'TaskStateEntered').map((event) => event.stateEnteredEventDetails?.name);
    expect(entered).toEqual([
      'Create Role In Target Account',
      'Attach CAPA Policies',
      'Grant Management Role Access',
      'Verify Role Is Assumable',
      'Record Provider Ready',
    ]);
    expect(events.filter((event) => event.type === 'LambdaFunctionScheduled')).toHaveLength(5);
    expect(events.filter((event) => event.type === 'LambdaFunctionFailed')).toEqual([]);
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
  });
});

describe('IAM propagation longer than the verification window (2 s)', () => {
  let cloud: LocalCloud;
  const functionLog = new FunctionLog();

  beforeAll(async () => {
    // Roles never become assumable within the test, and verification gives up after 2 s.
    cloud = await startTestCloud({
      propagationDelayMs: [600_000, 600_000],
      retryIntervalScale: 0.1,
      functionEnvironment: { VERIFY_TIMEOUT_SECONDS: '2', POWERTOOLS_LOG_LEVEL: 'DEBUG' },
      functionLog: functionLog.sink,
    });
  }, 120_000);

  afterAll(async () => {
    await cloud?.close();
  });

  it('a role that never becomes assumable fails with PROPAGATION_TIMEOUT, leaves no role or policy behind and emits one Provider Failed event', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-slow', 'slow@example.com');

    // Act
    await api(cloud).post({ workspace: 'slow', name: 'dev', accountId });
    const provider = await waitForProvider(cloud, 'slow.dev');

    // Assess
    expect(provider).toMatchObject({ status: 'FAILED', reason: 'PROPAGATION_TIMEOUT' });
    expect(await providerResourcesIn(await memberIam(cloud, accountId))).toEqual([]);
    const failed = cloud.events
      .recordedEvents(PRODUCT_BUS)
      .filter((event) => event['detail-type'] === 'Provider Failed' && event.detail.providerId === 'slow.dev');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.detail).toMatchObject({ status: 'FAILED', reason: 'PROPAGATION_TIMEOUT' });
  });

  it('no function logs the External ID at DEBUG level while verification fails until its timeout (verify-role logs PropagationTimeout once)', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-slow-log', 'slow-log@example.com');
    const verifyRole = deployedFunctions(cloud).OnboardingWorkflowVerifyRole;
    const mark = functionLog.mark();

    // Act
    await api(cloud).post({ workspace: 'slowlog', name: 'dev', accountId, externalId: 'confidential-slow-external-id-0006' });
    const provider = await waitForProvider(cloud, 'slowlog.dev');

    // Assess
    expect(provider.reason).toBe('PROPAGATION_TIMEOUT');
    const lines = functionLog.since(mark);
    const timeouts = lines.filter(({ functionName, line }) => functionName === verifyRole && line.includes('"errorName":"PropagationTimeout"'));
    expect(timeouts).toHaveLength(1);
    expect(lines.filter(({ line }) => line.includes('confidential-slow-external-id-0006'))).toEqual([]);
  });
});

describe('External ID confidentiality (functions at DEBUG level)', () => {
  let cloud: LocalCloud;
  const functionLog = new FunctionLog();

  beforeAll(async () => {
    cloud = await startTestCloud({
      propagationDelayMs: [0, 0],
      retryIntervalScale: 0.05,
      functionEnvironment: { POWERTOOLS_LOG_LEVEL: 'DEBUG' },
      functionLog: functionLog.sink,
    });
  }, 120_000);

  afterAll(async () => {
    await cloud?.close();
  });

  it('no log line of any function at DEBUG carries an External ID or a hash of it (only its source): API accepted/409/400, trigger, and every workflow step on the READY and ROLE_CONFLICT paths', async () => {
    // Prepare
    const functions = deployedFunctions(cloud);
    const lambda = new LambdaClient(clientConfig(cloud));
    const levels = await Promise.all(
      Object.values(functions).map(async (FunctionName) => (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }))).Environment?.Variables?.POWERTOOLS_LOG_LEVEL),
    );
    const ready = cloud.iam.inviteAccount('team-secret-ready', 'secret-ready@example.com');
    const conflicting = cloud.iam.inviteAccount('team-secret-conflict', 'secret-conflict@example.com');
    const conflictIam = await memberIam(cloud, conflicting.accountId);
    await conflictIam.send(
      new CreateRoleCommand({
        RoleName: 'capa-secret-conflict',
        Path: '/capa-providers/',
        AssumeRolePolicyDocument: JSON.stringify(foreignTrust(cloud.accountId, 'confidential-foreign-external-id-0004')),
      }),
    );
    const organizations = new OrganizationsClient(clientConfig(cloud));
    const mark = functionLog.mark();

    // Act
    const accepted = await api(cloud).post({ workspace: 'secret', name: 'ready', accountId: ready.accountId, externalId: 'confidential-api-external-id-0001' });
    await waitForProvider(cloud, 'secret.ready');
    const differentId = await api(cloud).post({ workspace: 'secret', name: 'ready', accountId: ready.accountId, externalId: 'confidential-conflicting-id-0002' });
    const invalid = await api(cloud).post({ workspace: 'secret', name: 'Not_Valid', accountId: ready.accountId, externalId: 'confidential-invalid-request-id-0003' });
    await api(cloud).post({ workspace: 'secret', name: 'conflict', accountId: conflicting.accountId, externalId: 'confidential-compensated-id-0005' });
    const conflict = await waitForProvider(cloud, 'secret.conflict');
    const created = await organizations.send(new CreateAccountCommand({ AccountName: 'team-secret-new', Email: 'secret-new@example.com' }));
    const triggered = await waitForProvider(cloud, `default.aws-${created.CreateAccountStatus!.AccountId!}`);
    // execution-ended hears the ROLE_CONFLICT execution end through Step Functions' status-change event.
    await eventually('execution-ended to log', async () =>
      functionLog.since(mark).some(({ functionName }) => functionName === functions.ExecutionEnded) ? true : undefined,
    );

    // Assess
    expect(levels).toEqual(['DEBUG', 'DEBUG', 'DEBUG', 'DEBUG', 'DEBUG', 'DEBUG', 'DEBUG', 'DEBUG', 'DEBUG']);
    expect([accepted.status, differentId.status, invalid.status, conflict.reason, triggered.status]).toEqual([202, 409, 400, 'ROLE_CONFLICT', 'READY']);
    const lines = functionLog.since(mark);
    const nameOf = Object.fromEntries(Object.entries(functions).map(([logicalName, physicalName]) => [physicalName, logicalName]));
    expect([...new Set(lines.map(({ functionName }) => nameOf[functionName]))].sort()).toEqual([
      'ExecutionEnded',
      'NewAccountTriggersAccountTrigger',
      'OnboardingApi',
      'OnboardingWorkflowAttachPolicies',
      'OnboardingWorkflowCompensate',
      'OnboardingWorkflowCreateRole',
      'OnboardingWorkflowGrantManagement',
      'OnboardingWorkflowRecordResult',
      'OnboardingWorkflowVerifyRole',
    ]);
    const secrets = [
      'confidential-api-external-id-0001',
      'confidential-conflicting-id-0002',
      'confidential-invalid-request-id-0003',
      'confidential-foreign-external-id-0004',
      'confidential-compensated-id-0005',
      triggered.externalId,
    ];
    expect(triggered.externalId).toMatch(/^[\w-]{43}$/);
    expect(lines.filter(({ line }) => secrets.some((secret) => line.includes(secret)))).toEqual([]);
    // What the API logs instead: where the External ID came from, and nothing computed from it.
    expect(lines.map(({ line }) => line)).toContainEqual(expect.stringContaining('"externalIdSource":"supplied"'));
    expect(lines.filter(({ line }) => line.includes('"externalId":"sha256:'))).toEqual([]);
  });

  it('events on the product bus, as a subscribed rule receives them, carry exactly the documented detail keys and no External ID', async () => {
    // Prepare
    const subscription = await subscribeToProviderEvents(cloud, 'e2e-provider-events');
    const ready = cloud.iam.inviteAccount('team-events-ready', 'events-ready@example.com');
    const conflicting = cloud.iam.inviteAccount('team-events-conflict', 'events-conflict@example.com');
    await (await memberIam(cloud, conflicting.accountId)).send(
      new CreateRoleCommand({
        RoleName: 'capa-events-conflict',
        Path: '/capa-providers/',
        AssumeRolePolicyDocument: JSON.stringify(foreignTrust(cloud.accountId, 'someone-else')),
      }),
    );
    const stateMachineArn = onboardingStateMachineArn(cloud);

    // Act
    await api(cloud).post({ workspace: 'events', name: 'ready', accountId: ready.accountId, externalId: 'confidential-event-id-0007' });
    await api(cloud).post({ workspace: 'events', name: 'conflict', accountId: conflicting.accountId, externalId: 'confidential-event-id-0008' });
    await waitForProvider(cloud, 'events.ready');
    const failed = await waitForProvider(cloud, 'events.conflict');
    const [readyEvent] = await subscription.eventsAbout('events.ready', 1);
    const [failedEvent] = await subscription.eventsAbout('events.conflict', 1);

    // Assess
    expect(Object.keys(readyEvent!.detail).sort()).toEqual(EVENT_DETAIL_KEYS);
    expect(Object.keys(failedEvent!.detail).sort()).toEqual(EVENT_DETAIL_KEYS);
    expect(readyEvent).toMatchObject({
      source: 'capa-provider-onboarding',
      'detail-type': 'Provider Ready',
      resources: [`arn:aws:iam::${ready.accountId}:role/capa-providers/capa-events-ready`],
    });
    expect(readyEvent!.detail).toEqual({
      providerId: 'events.ready',
      workspace: 'events',
      name: 'ready',
      accountId: ready.accountId,
      roleArn: `arn:aws:iam::${ready.accountId}:role/capa-providers/capa-events-ready`,
      status: 'READY',
      reason: null,
      message: null,
      policyVersion: expect.stringMatching(/^sha256:[0-9a-f]{16}$/),
      executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:events_ready_1`,
    });
    expect(failedEvent).toMatchObject({ source: 'capa-provider-onboarding', 'detail-type': 'Provider Failed' });
    expect(failedEvent!.detail).toEqual({
      providerId: 'events.conflict',
      workspace: 'events',
      name: 'conflict',
      accountId: conflicting.accountId,
      roleArn: `arn:aws:iam::${conflicting.accountId}:role/capa-providers/capa-events-conflict`,
      status: 'FAILED',
      reason: 'ROLE_CONFLICT',
      message: failed.message,
      policyVersion: null,
      executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:events_conflict_1`,
    });
    const delivered = JSON.stringify([readyEvent, failedEvent]);
    expect(delivered).not.toContain('confidential-event-id-0007');
    expect(delivered).not.toContain('confidential-event-id-0008');
  });
});

describe('injected IAM and STS throttling', () => {
  let cloud: LocalCloud;

  beforeAll(async () => {
    cloud = await startTestCloud({
      propagationDelayMs: [0, 0],
      retryIntervalScale: 0.05,
      faults: 'iam:CreateRole=throttle:0.6;iam:AttachRolePolicy=throttle:0.5;sts:AssumeRole=throttle:0.3',
      faultSeed: 7,
    });
  }, 120_000);

  afterAll(async () => {
    await cloud?.close();
  });

  it('an onboarding still reaches READY, with throttling injected only where configured', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-noisy', 'noisy@example.com');

    // Act
    await api(cloud).post({ workspace: 'noisy', name: 'dev', accountId });
    const provider = await waitForProvider(cloud, 'noisy.dev');

    // Assess
    expect(provider.status).toBe('READY');
    const injected = Object.keys(cloud.faults.stats());
    expect(injected.length).toBeGreaterThan(0);
    expect(injected.filter((key) => !['iam:CreateRole:throttle', 'iam:AttachRolePolicy:throttle', 'sts:AssumeRole:throttle'].includes(key))).toEqual([]);
  }, 120_000);
});

describe('persistence', () => {
  it('keeps providers, roles and executions across a restart', async () => {
    // Prepare
    const stateDir = mkdtempSync(join(tmpdir(), 'capa-local-'));
    try {
      const first = await startTestCloud({ stateDir, propagationDelayMs: [0, 0], retryIntervalScale: 0.05 });
      const { accountId } = first.iam.inviteAccount('team-durable', 'durable@example.com');
      await api(first).post({ workspace: 'durable', name: 'dev', accountId });
      const before = await waitForProvider(first, 'durable.dev');
      await first.close();

      // Act
      const second = await startTestCloud({ stateDir, propagationDelayMs: [0, 0], retryIntervalScale: 0.05 });
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
