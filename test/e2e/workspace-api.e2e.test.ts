// End to end: the workspace-scoped API on the synthesized stack. IAM grants a principal one
// workspace through execute-api:Invoke on the method ARN (<api>/<stage>/<METHOD>/<path>), which the
// local API Gateway evaluates like AWS; the cluster identity is served for READY providers only.
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Credentials } from '../../local/signed-fetch.js';
import { api, clientConfig, ensureSynthesized, memberIam, startTestCloud, waitForProvider, type LocalCloud } from './support.js';

let cloud: LocalCloud;

beforeAll(async () => {
  ensureSynthesized();
  cloud = await startTestCloud({ propagationDelayMs: [0, 0], retryIntervalScale: 0.05 });
}, 180_000);

afterAll(async () => {
  await cloud?.close();
});

/**
 * A session of a management-account role whose only permission is the README's one-workspace
 * policy: execute-api:Invoke on every method and path under /workspaces/<workspace>/.
 */
async function workspaceSession(workspace: string): Promise<{ credentials: Credentials; arn: string }> {
  const iam = new IAMClient(clientConfig(cloud));
  const roleName = `portal-${workspace}`;
  const { Role } = await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${cloud.accountId}:root` }, Action: 'sts:AssumeRole' }],
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: `workspace-${workspace}`,
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OneWorkspace',
            Effect: 'Allow',
            Action: 'execute-api:Invoke',
            Resource: `arn:aws:execute-api:${cloud.region}:${cloud.accountId}:${apiId()}/*/*/workspaces/${workspace}/*`,
          },
        ],
      }),
    }),
  );
  const { Credentials: session, AssumedRoleUser } = await new STSClient(clientConfig(cloud)).send(
    new AssumeRoleCommand({ RoleArn: Role!.Arn, RoleSessionName: 'portal' }),
  );
  return {
    credentials: { accessKeyId: session!.AccessKeyId!, secretAccessKey: session!.SecretAccessKey!, sessionToken: session!.SessionToken! },
    arn: AssumedRoleUser!.Arn!,
  };
}

function apiId(): string {
  const [deployed] = cloud.api.listApis();
  if (!deployed) throw new Error('The stack has no REST API');
  return deployed.apiId;
}

describe('a principal granted one workspace', () => {
  it('gets 2xx on its own workspace and 403 on another, for every route', async () => {
    // Prepare: a provider in each workspace, created by an administrator; a portal session allowed only payments
    const accounts = ['payments', 'search'].map((team) => cloud.iam.inviteAccount(`team-${team}-authz`, `${team}-authz@example.com`).accountId);
    await api(cloud).post({ workspace: 'search', name: 'authz', accountId: accounts[1]! });
    const portal = await workspaceSession('payments');
    const asPortal = api(cloud, portal.credentials);

    // Act
    const create = await asPortal.post({ workspace: 'payments', name: 'authz', accountId: accounts[0]! });
    await waitForProvider(cloud, 'payments.authz');
    const own = {
      create,
      list: await asPortal.list('payments'),
      get: await asPortal.get('payments.authz'),
      identity: await asPortal.clusterIdentity('payments.authz'),
    };
    const other = {
      create: await asPortal.post({ workspace: 'search', name: 'other', accountId: accounts[1]! }),
      list: await asPortal.list('search'),
      get: await asPortal.get('search.authz'),
      identity: await asPortal.clusterIdentity('search.authz'),
      prefix: await asPortal.list('payments-prod'),
    };

    // Assess
    expect([own.create.status, own.list.status, own.get.status, own.identity.status]).toEqual([202, 200, 200, 200]);
    expect([other.create.status, other.list.status, other.get.status, other.identity.status, other.prefix.status]).toEqual([403, 403, 403, 403, 403]);
    expect(other.list.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
    expect(other.list.body).toEqual({
      message: `User: ${portal.arn} is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:${cloud.region}:${cloud.accountId}:${apiId()}/prod/GET/workspaces/search/providers`,
    });
    expect((await api(cloud).get('search.other')).status).toBe(404);
  });
});

describe('GET /workspaces/{workspace}/providers/{name}/cluster-identity', () => {
  it('answers the AWSClusterRoleIdentity of a READY provider, as JSON and as YAML, that assumes the role', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-identity-dev', 'identity-dev@example.com');
    await api(cloud).post({ workspace: 'identity', name: 'dev', accountId, externalId: 'portal-external-id-identity-01' });
    const provider = await waitForProvider(cloud, 'identity.dev');

    // Act
    const asJson = await api(cloud).clusterIdentity('identity.dev');
    const asYaml = await api(cloud).clusterIdentity('identity.dev', { accept: 'application/yaml' });

    // Assess
    expect(provider.status).toBe('READY');
    expect(asJson.status).toBe(200);
    expect(asJson.headers.get('content-type')).toBe('application/json');
    expect(asJson.body).toEqual({
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
      kind: 'AWSClusterRoleIdentity',
      metadata: { name: 'identity.dev' },
      spec: {
        roleARN: `arn:aws:iam::${accountId}:role/capa-providers/capa-identity-dev`,
        externalID: 'portal-external-id-identity-01',
        sessionName: 'capa-identity-dev',
        durationSeconds: 3600,
        sourceIdentityRef: { kind: 'AWSClusterControllerIdentity', name: 'default' },
        allowedNamespaces: { list: ['identity'] },
      },
    });
    expect(asYaml.status).toBe(200);
    expect(asYaml.headers.get('content-type')).toBe('application/yaml');
    expect(asYaml.body).toBe(
      [
        'apiVersion: "infrastructure.cluster.x-k8s.io/v1beta2"',
        'kind: "AWSClusterRoleIdentity"',
        'metadata:',
        '  name: "identity.dev"',
        'spec:',
        `  roleARN: "arn:aws:iam::${accountId}:role/capa-providers/capa-identity-dev"`,
        '  externalID: "portal-external-id-identity-01"',
        '  sessionName: "capa-identity-dev"',
        '  durationSeconds: 3600',
        '  sourceIdentityRef:',
        '    kind: "AWSClusterControllerIdentity"',
        '    name: "default"',
        '  allowedNamespaces:',
        '    list:',
        '      - "identity"',
        '',
      ].join('\n'),
    );
    // What CAPA does with it: AssumeRole with the role, session name and External ID of the manifest.
    const { AssumedRoleUser } = await new STSClient(clientConfig(cloud)).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/capa-providers/capa-identity-dev`, RoleSessionName: 'capa-identity-dev', ExternalId: 'portal-external-id-identity-01', DurationSeconds: 3600 }),
    );
    expect(AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${accountId}:assumed-role/capa-identity-dev/capa-identity-dev`);
  });

  it('is 409 naming the status for a provider that is not READY, without its External ID', async () => {
    // Prepare: a foreign role already holds the provider's role name, so the onboarding FAILS (ROLE_CONFLICT)
    const { accountId } = cloud.iam.inviteAccount('team-identity-failed', 'identity-failed@example.com');
    const member = await memberIam(cloud, accountId);
    await member.send(
      new CreateRoleCommand({
        RoleName: 'capa-identity-failed',
        Path: '/capa-providers/',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    await api(cloud).post({ workspace: 'identity', name: 'failed', accountId, externalId: 'portal-external-id-identity-02' });
    const provider = await waitForProvider(cloud, 'identity.failed');

    // Act
    const response = await api(cloud).clusterIdentity('identity.failed', { accept: 'application/yaml' });

    // Assess
    expect(provider).toMatchObject({ status: 'FAILED', reason: 'ROLE_CONFLICT' });
    expect(response.status).toBe(409);
    expect(response.body).toEqual({
      error: {
        code: 'CONFLICT',
        message: 'Provider identity.failed is FAILED: its cluster identity is available only while it is READY',
        details: [{ field: 'status', issue: 'is FAILED, must be READY' }],
      },
    });
  });

  it('is 404 for a provider that does not exist', async () => {
    // Act
    const response = await api(cloud).clusterIdentity('identity.nobody');

    // Assess
    expect(response.status).toBe(404);
    expect((response.body as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});

describe('GET /workspaces/{workspace}/providers filters', () => {
  it('lists only the statuses asked for, and refuses an unknown one with 400', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-filter-dev', 'filter-dev@example.com');
    await api(cloud).post({ workspace: 'filter', name: 'dev', accountId });
    await waitForProvider(cloud, 'filter.dev');

    // Act
    const ready = await api(cloud).list('filter', '?status=READY');
    const failed = await api(cloud).list('filter', '?status=FAILED');
    const unknown = await api(cloud).list('filter', '?status=ALIVE');

    // Assess
    expect((ready.body as { items: { providerId: string }[] }).items.map((item) => item.providerId)).toEqual(['filter.dev']);
    expect(failed.body).toEqual({ items: [], nextToken: null });
    expect(unknown.status).toBe(400);
    expect((unknown.body as { error: { details: { field: string }[] } }).error.details.map((detail) => detail.field)).toEqual(['status']);
  });
});
