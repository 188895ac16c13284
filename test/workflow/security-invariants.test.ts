// Security invariants of the workflow, each decided by the local cloud's IAM rather than asserted
// as a string: what the bootstrap session may write, what counts as proof that the External ID
// is enforced, and where the External ID may never appear. The functions log at the most
// verbose level, and are asked to log their invocation events too (POWERTOOLS_LOGGER_LOG_EVENT).
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { describe, expect, it, vi } from 'vitest';
import type { ProviderRequest } from '../../functions/shared/domain/provider-request.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud({ logEvents: true });

function request(accountId: string, name: string, overrides: Partial<ProviderRequest> = {}): ProviderRequest {
  return { workspace: 'payments', name, accountId, ...overrides };
}

const TRUST_MANAGEMENT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }],
});
const ALLOW_EVERYTHING = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

describe('the bootstrap session can write nothing outside the product path', () => {
  const writesOutsideTheProductPath: Array<[string, (iam: IAMClient) => Promise<unknown>]> = [
    ['CreateRole at the root path', (iam) => iam.send(new CreateRoleCommand({ RoleName: 'escalated', Path: '/', AssumeRolePolicyDocument: TRUST_MANAGEMENT }))],
    ['CreateRole under another path', (iam) => iam.send(new CreateRoleCommand({ RoleName: 'escalated', Path: '/team/', AssumeRolePolicyDocument: TRUST_MANAGEMENT }))],
    [
      'CreateRole under a path that only starts like the product path',
      (iam) => iam.send(new CreateRoleCommand({ RoleName: 'escalated', Path: '/capa-providers-x/', AssumeRolePolicyDocument: TRUST_MANAGEMENT })),
    ],
    ['CreatePolicy at the root path', (iam) => iam.send(new CreatePolicyCommand({ PolicyName: 'escalated', Path: '/', PolicyDocument: ALLOW_EVERYTHING }))],
    ['CreatePolicy under another path', (iam) => iam.send(new CreatePolicyCommand({ PolicyName: 'escalated', Path: '/team/', PolicyDocument: ALLOW_EVERYTHING }))],
    [
      'PutRolePolicy on the bootstrap role',
      (iam) => iam.send(new PutRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyName: 'escalated', PolicyDocument: ALLOW_EVERYTHING })),
    ],
    [
      'AttachRolePolicy of AdministratorAccess to the bootstrap role',
      (iam) =>
        iam.send(new AttachRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })),
    ],
    [
      'UpdateAssumeRolePolicy of the bootstrap role',
      (iam) => iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyDocument: TRUST_MANAGEMENT })),
    ],
    ['DeleteRole of the bootstrap role', (iam) => iam.send(new DeleteRoleCommand({ RoleName: 'OrganizationAccountAccessRole' }))],
  ];

  it.each(writesOutsideTheProductPath)('%s is AccessDenied and changes nothing', async (_write, write) => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    const iam = await suite.cloud.bootstrapSession(accountId);
    const rolesBefore = suite.cloud.roles(accountId);
    const policiesBefore = suite.cloud.policies(accountId);

    // Act
    const attempt = write(iam);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(suite.cloud.roles(accountId)).toEqual(rolesBefore);
    expect(suite.cloud.policies(accountId)).toEqual(policiesBefore);
  });

  it('creates roles and policies under the product path, but writes no inline policy even there', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    const iam = await suite.cloud.bootstrapSession(accountId);

    // Act
    const role = await iam.send(new CreateRoleCommand({ RoleName: 'capa-allowed', Path: '/capa-providers/', AssumeRolePolicyDocument: TRUST_MANAGEMENT }));
    const policy = await iam.send(new CreatePolicyCommand({ PolicyName: 'capa-allowed', Path: '/capa-providers/', PolicyDocument: ALLOW_EVERYTHING }));
    const inline = iam.send(new PutRolePolicyCommand({ RoleName: 'capa-allowed', PolicyName: 'inline', PolicyDocument: ALLOW_EVERYTHING }));

    // Assess
    expect(role.Role?.Arn).toBe(`arn:aws:iam::${accountId}:role/capa-providers/capa-allowed`);
    expect(policy.Policy?.Arn).toBe(`arn:aws:iam::${accountId}:policy/capa-providers/capa-allowed`);
    await expect(inline).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(suite.cloud.role(accountId, 'capa-allowed')?.inlinePolicies).toEqual({});
  });
});

describe('the negative AssumeRole (without External ID) treats only AccessDenied as proof', () => {
  const checkWithoutExternalId = (params: Record<string, unknown>) =>
    params.ExternalId === undefined && String(params.RoleArn).includes(':role/capa-providers/');

  it.each(['throttle', 'error5xx'] as const)(
    'a role that does not enforce the External ID is caught even when the check without it first fails with %s',
    async (kind) => {
      // Prepare: the check's first operation fails in every SDK attempt; the SDK's backoff
      // (random × base × 2^attempt) is pinned to zero so throttling costs no waiting.
      vi.spyOn(Math, 'random').mockReturnValue(0);
      const accountId = await suite.cloud.createAccount();
      const roleName = `capa-payments-unenforced-${kind}`;
      suite.cloud.injectFault({ service: 'sts', action: 'AssumeRole', kind, operations: 1, when: checkWithoutExternalId });

      // Act
      const { run, provider } = await suite.cloud.onboard(request(accountId, `unenforced-${kind}`), {
        beforeTask: suite.cloud.dropExternalIdConditionBeforeVerification(accountId, roleName),
      });

      // Assess
      expect(run.invocations['Verify Role Is Assumable']).toBe(2);
      expect(provider).toMatchObject({ status: 'FAILED', reason: 'EXTERNAL_ID_NOT_ENFORCED' });
      expect(suite.cloud.providerResources(accountId)).toEqual([]);
    },
  );

  it('a server error on the check without the External ID is retried, and READY comes from the AccessDenied', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    suite.cloud.injectFault({ service: 'sts', action: 'AssumeRole', kind: 'error5xx', operations: 1, when: checkWithoutExternalId });

    // Act
    const { run, provider } = await suite.cloud.onboard(request(accountId, 'enforced'));

    // Assess
    expect(run.invocations['Verify Role Is Assumable']).toBe(2);
    expect(run.results['Verify Role Is Assumable']).toEqual([
      expect.objectContaining({ externalIdEnforced: true, assumedRoleArn: expect.stringContaining('assumed-role/capa-payments-enforced/') }),
    ]);
    expect(provider.status).toBe('READY');
  });
});

describe('the External ID appears in no log line and in no event', () => {
  it('of a run that succeeds after a propagation denial, nor of one that fails and compensates', async () => {
    // Prepare
    const readyAccount = await suite.cloud.createAccount();
    const failingAccount = await suite.cloud.createAccount();
    suite.cloud.setPropagationDelay(60_000);
    const propagateBeforeSecondVerification = (stateName: string, invocation: number) => {
      if (stateName === 'Verify Role Is Assumable' && invocation === 2) suite.cloud.advanceIamClock(60_000);
    };

    // Act
    const ready = await suite.cloud.onboard(request(readyAccount, 'secret-ready', { externalId: 'secret-ready-0123456789abcdef' }), {
      beforeTask: propagateBeforeSecondVerification,
    });
    suite.cloud.setPropagationDelay(0);
    const failed = await suite.cloud.onboard(request(failingAccount, 'secret-failed', { externalId: 'secret-failed-0123456789abcdef' }), {
      beforeTask: suite.cloud.dropExternalIdConditionBeforeVerification(failingAccount, 'capa-payments-secret-failed'),
    });

    // Assess
    expect(ready.provider.status).toBe('READY');
    expect(failed.provider.reason).toBe('EXTERNAL_ID_NOT_ENFORCED');
    const lines = suite.output.jsonLines();
    expect(lines.length).toBeGreaterThan(10);
    expect(new Set(lines.map((line) => line.level))).toEqual(new Set(['INFO', 'WARN', 'ERROR']));
    const everything = [suite.output.text(), JSON.stringify(suite.cloud.events('payments.secret-ready')), JSON.stringify(suite.cloud.events('payments.secret-failed'))];
    for (const secret of ['secret-ready-0123456789abcdef', 'secret-failed-0123456789abcdef']) {
      expect(everything.join('\n')).not.toContain(secret);
      expect(JSON.stringify([ready.run, failed.run])).not.toContain(secret);
    }
    expect(suite.cloud.events('payments.secret-ready').map((event) => event.detail)).toStrictEqual([
      {
        providerId: 'payments.secret-ready',
        workspace: 'payments',
        name: 'secret-ready',
        accountId: readyAccount,
        roleArn: `arn:aws:iam::${readyAccount}:role/capa-providers/capa-payments-secret-ready`,
        status: 'READY',
        reason: null,
        message: null,
        policyVersion: expect.stringMatching(/^sha256:[0-9a-f]{16}$/),
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:OnboardProvider:payments_secret-ready_1',
      },
    ]);
    expect(suite.cloud.events('payments.secret-failed').map((event) => event.detail)).toStrictEqual([
      {
        providerId: 'payments.secret-failed',
        workspace: 'payments',
        name: 'secret-failed',
        accountId: failingAccount,
        roleArn: `arn:aws:iam::${failingAccount}:role/capa-providers/capa-payments-secret-failed`,
        status: 'FAILED',
        reason: 'EXTERNAL_ID_NOT_ENFORCED',
        message: expect.stringContaining('can be assumed without its External ID'),
        policyVersion: null,
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:OnboardProvider:payments_secret-failed_1',
      },
    ]);
  });
});
