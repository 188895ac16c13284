import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalIam } from '../../../local/iam/index.js';
import { startHarness, type Harness } from './harness.js';

const MGMT = '000000000000';
const MEMBER = '123456789012';

/** A snapshot as a running local cloud saved it (version 1): the format restore must keep reading. */
function savedSnapshot() {
  return {
    version: 1,
    accounts: {
      [MGMT]: {
        roles: {
          'kept-role': {
            accountId: MGMT,
            roleName: 'kept-role',
            roleId: 'AROAKEPTROLE000000001',
            path: '/x/',
            arn: 'arn:aws:iam::000000000000:role/x/kept-role',
            createDate: Date.parse('2026-02-01T08:00:00Z'),
            trustPolicy: '{"Statement":[{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"sts:AssumeRole"}]}',
            maxSessionDuration: 3600,
            tags: [{ Key: 'team', Value: 'platform' }],
            inlinePolicies: { inline: '{"Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*"}]}' },
            attachedPolicyArns: ['arn:aws:iam::000000000000:policy/kept-policy'],
            assumableAt: Date.parse('2026-02-01T08:00:00Z'),
          },
        },
        policies: {
          'arn:aws:iam::000000000000:policy/kept-policy': {
            accountId: MGMT,
            policyName: 'kept-policy',
            policyId: 'ANPAKEPTPOLICY0000001',
            path: '/',
            arn: 'arn:aws:iam::000000000000:policy/kept-policy',
            createDate: Date.parse('2026-02-01T08:00:00Z'),
            updateDate: Date.parse('2026-02-01T08:00:00Z'),
            defaultVersionId: 'v1',
            versions: [{ versionId: 'v1', document: '{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}', createDate: Date.parse('2026-02-01T08:00:00Z') }],
            nextVersion: 2,
            tags: [],
          },
        },
      },
    },
    sessions: {
      ASIAKEPTSESSION00001: {
        accessKeyId: 'ASIAKEPTSESSION00001',
        secretAccessKey: 'kept-secret',
        sessionToken: 'kept-token',
        accountId: MGMT,
        roleArn: 'arn:aws:iam::000000000000:role/x/kept-role',
        roleName: 'kept-role',
        roleId: 'AROAKEPTROLE000000001',
        sessionName: 'persisted',
        expiresAt: Date.parse('2026-03-01T13:00:00Z'),
      },
    },
    organization: {
      id: 'o-0123456789',
      rootId: 'r-ab12',
      accounts: [
        { id: MGMT, name: 'management', email: 'management+000000000000@local.invalid', joinedMethod: 'CREATED', joinedTimestamp: Date.parse('2026-02-01T08:00:00Z'), status: 'ACTIVE' },
        { id: MEMBER, name: 'kept', email: 'kept@example.com', joinedMethod: 'CREATED', joinedTimestamp: Date.parse('2026-02-01T09:00:00Z'), status: 'ACTIVE' },
      ],
      createAccountStatuses: [
        {
          id: 'car-0123456789abcdef0123456789abcdef',
          accountName: 'kept',
          state: 'SUCCEEDED',
          requestedTimestamp: Date.parse('2026-02-01T09:00:00Z'),
          completedTimestamp: Date.parse('2026-02-01T09:00:00Z'),
          accountId: MEMBER,
        },
      ],
    },
  };
}

let local: LocalIam;
let harness: Harness;

beforeEach(async () => {
  local = new LocalIam();
  harness = await startHarness(local);
});

afterEach(async () => {
  await harness.close();
});

describe('persistence', () => {
  it('restores roles, policies, accounts and live sessions from a JSON snapshot', async () => {
    // Prepare
    const { accountId } = local.createAccount('kept', 'kept@example.com');
    local.createRole(MGMT, { roleName: 'kept-role', path: '/x/', assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: MGMT }, Action: 'sts:AssumeRole' }] } });
    local.createPolicy(MGMT, { policyName: 'kept-policy', document: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } });
    const { sts } = harness.clients(local.adminCredentials());
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MGMT}:role/x/kept-role`, RoleSessionName: 'persisted' }));
    const c = assumed.Credentials;
    // Act
    const text = JSON.stringify(local.snapshot());
    const revived = new LocalIam();
    revived.restore(JSON.parse(text));
    await harness.close();
    harness = await startHarness(revived);
    const identity = await harness
      .clients({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' })
      .sts.send(new GetCallerIdentityCommand({}));
    // Assess
    expect(revived.getRole(MGMT, 'kept-role')?.arn).toBe(`arn:aws:iam::${MGMT}:role/x/kept-role`);
    expect(revived.listPolicies(MGMT).map((p) => p.policyName)).toEqual(['kept-policy']);
    expect(revived.listAccounts().map((a) => a.id)).toEqual([MGMT, accountId]);
    expect(identity.Arn).toBe(`arn:aws:sts::${MGMT}:assumed-role/kept-role/persisted`);
    expect(() => revived.restore({ hello: 'world' })).toThrow(/not a LocalIam snapshot/);
  });

  it('reads a version 1 snapshot saved by a running local cloud and saves it back unchanged', () => {
    // Prepare
    const revived = new LocalIam({ now: () => Date.parse('2026-03-01T12:00:00Z') });
    // Act
    revived.restore(savedSnapshot());
    // Assess
    expect(revived.snapshot()).toEqual(savedSnapshot());
    expect(revived.resolveAccessKey('ASIAKEPTSESSION00001')).toEqual({
      accessKeyId: 'ASIAKEPTSESSION00001',
      accountId: MGMT,
      arn: 'arn:aws:sts::000000000000:assumed-role/kept-role/persisted',
      principalType: 'assumed-role',
      roleArn: 'arn:aws:iam::000000000000:role/x/kept-role',
      sessionName: 'persisted',
    });
    expect(revived.listPolicies(MGMT).map((p) => [p.policyName, p.attachmentCount])).toEqual([['kept-policy', 1]]);
    expect(revived.listAccounts()).toEqual([
      { id: MGMT, name: 'management', email: 'management+000000000000@local.invalid' },
      { id: MEMBER, name: 'kept', email: 'kept@example.com' },
    ]);
  });

  it('authorizes a restored session by its restored role policies', () => {
    // Prepare
    const revived = new LocalIam({ now: () => Date.parse('2026-03-01T12:00:00Z') });
    revived.restore(savedSnapshot());
    const caller = revived.resolveAccessKey('ASIAKEPTSESSION00001');
    // Act
    const allowed = () => revived.authorize(caller, 's3:GetObject', 'arn:aws:s3:::bucket/key');
    const denied = () => revived.authorize(caller, 'iam:DeleteRole', 'arn:aws:iam::000000000000:role/x/kept-role');
    // Assess
    expect(allowed).not.toThrow();
    expect(denied).toThrow(
      'User: arn:aws:sts::000000000000:assumed-role/kept-role/persisted is not authorized to perform: iam:DeleteRole on resource: arn:aws:iam::000000000000:role/x/kept-role because no identity-based policy allows the iam:DeleteRole action',
    );
  });
});
