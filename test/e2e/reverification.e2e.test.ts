// End to end: re-verification and repair on the synthesized stack. Each drift is a real
// out-of-band change made with the AWS SDK (in the member account through its bootstrap role, or
// on the management role); POST …/verifications runs the verify-provider state machine, and POST
// of the same provider repairs it.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CreatePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  IAMClient,
  SimulatePrincipalPolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  clientConfig,
  ensureSynthesized,
  eventually,
  memberIam,
  startTestCloud,
  subscribeToProviderEvents,
  waitForProvider,
  type LocalCloud,
} from './support.js';

let cloud: LocalCloud;
let events: Awaited<ReturnType<typeof subscribeToProviderEvents>>;
let accounts = 0;
const EXTERNAL_ID = 'e2e-reverify-external-id-0000000001';
const MANAGEMENT_ROLE_ARN = 'arn:aws:iam::000000000000:role/capa-management';

beforeAll(async () => {
  ensureSynthesized();
  cloud = await startTestCloud({ propagationDelayMs: [0, 0], retryIntervalScale: 0.05 });
  events = await subscribeToProviderEvents(cloud, 'reverify-events');
}, 180_000);

afterAll(async () => {
  await cloud?.close();
});

interface Check {
  name: string;
  passed: boolean;
  reason: string | null;
}
interface VerifiedProvider {
  status: string;
  reason: string | null;
  attempt: number;
  lastVerifiedAt: string | null;
  checks: Check[] | null;
}

/** A READY provider in a new member account. */
async function readyProvider(name: string) {
  accounts += 1;
  const organizations = new OrganizationsClient(clientConfig(cloud));
  const { CreateAccountStatus } = await organizations.send(
    new CreateAccountCommand({ AccountName: `reverify-${accounts}`, Email: `reverify-${accounts}@example.com` }),
  );
  const accountId = CreateAccountStatus!.AccountId!;
  const spec = { workspace: 'drift', name, accountId, externalId: EXTERNAL_ID };
  expect((await api(cloud).post(spec)).status).toBe(202);
  const providerId = `drift.${name}`;
  expect((await waitForProvider(cloud, providerId)).status).toBe('READY');
  const roleName = `capa-drift-${name}`;
  return { spec, providerId, accountId, roleName, policyArn: `arn:aws:iam::${accountId}:policy/capa-providers/${roleName}-capa-1` };
}

/** POST …/verifications, then the provider once that execution has ended. */
async function verify(providerId: string): Promise<{ answer: Record<string, unknown>; provider: VerifiedProvider }> {
  const response = await api(cloud).verify(providerId);
  expect(response.status).toBe(202);
  const answer = response.body as { executionArn: string };
  const sfn = new SFNClient(clientConfig(cloud));
  await eventually(`verification ${answer.executionArn} ended`, async () => {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn: answer.executionArn }));
    return status === 'RUNNING' ? undefined : status;
  });
  const provider = (await api(cloud).get(providerId)).body as VerifiedProvider;
  return { answer: response.body as Record<string, unknown>, provider };
}

type Target = Awaited<ReturnType<typeof readyProvider>>;

const trust = (management: Record<string, unknown>, ...extra: Array<Record<string, unknown>>) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ManagementAccountAssumeRole', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole', ...management },
      { Sid: 'Ec2AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ...extra,
    ],
  });

const DRIFTS: Array<[string, (target: Target) => Promise<unknown>]> = [
  ['ROLE_MISSING', async ({ accountId, roleName, policyArn }) => {
    const iam = await memberIam(cloud, accountId);
    await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }));
    await iam.send(new DeleteRoleCommand({ RoleName: roleName }));
  }],
  ['NOT_ASSUMABLE', async ({ accountId, roleName }) =>
    (await memberIam(cloud, accountId)).send(
      new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: trust({ Condition: { StringEquals: { 'sts:ExternalId': 'another-id-0000' } } }) }),
    )],
  ['EXTERNAL_ID_NOT_ENFORCED', async ({ accountId, roleName }) =>
    (await memberIam(cloud, accountId)).send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: trust({}) }))],
  ['TRUST_DRIFTED', async ({ accountId, roleName }) =>
    (await memberIam(cloud, accountId)).send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: roleName,
        // A partner account trusted beside the management account: still assumable, no longer what onboarding wrote.
        PolicyDocument: trust(
          { Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } } },
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'partner-id-00' } } },
        ),
      }),
    )],
  ['POLICY_DETACHED', async ({ accountId, roleName, policyArn }) =>
    (await memberIam(cloud, accountId)).send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }))],
  ['POLICY_DRIFTED', async ({ accountId, policyArn }) =>
    (await memberIam(cloud, accountId)).send(
      new CreatePolicyVersionCommand({
        PolicyArn: policyArn,
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }),
        SetAsDefault: true,
      }),
    )],
  ['GRANT_MISSING', () =>
    new IAMClient(clientConfig(cloud)).send(new DeleteRolePolicyCommand({ RoleName: 'capa-management', PolicyName: 'capa-provider-onboarding-assume' }))],
];

describe('re-verification on the local cloud', () => {
  it('answers 202 with a verify-provider execution named after the provider, and stores every check passed', async () => {
    // Prepare
    const { providerId } = await readyProvider('clean');

    // Act
    const { answer, provider } = await verify(providerId);

    // Assess
    expect(answer).toMatchObject({ providerId, status: 'READY' });
    expect(answer.executionArn).toMatch(/:execution:[^:]+:drift_clean_verify-\d{8}T\d{9}Z$/);
    expect(provider.status).toBe('READY');
    expect(provider.lastVerifiedAt).not.toBeNull();
    expect(provider.checks).toHaveLength(9);
    expect(provider.checks?.filter((check) => !check.passed)).toEqual([]);
    const history = await new SFNClient(clientConfig(cloud)).send(new GetExecutionHistoryCommand({ executionArn: String(answer.executionArn) }));
    expect(history.events?.filter((event) => event.type === 'TaskStateEntered').map((event) => event.stateEnteredEventDetails?.name)).toEqual([
      'Check Provider',
      'Record Verification',
    ]);
  });

  it.each(DRIFTS)('%s: a real out-of-band change is found, announced, and repaired by POSTing the provider again', async (reason, drift) => {
    // Prepare
    const target = await readyProvider(reason.toLowerCase().replace(/_/g, '-'));
    await drift(target);

    // Act
    const degraded = await verify(target.providerId);
    const repair = await api(cloud).post(target.spec);
    const repaired = await waitForProvider(cloud, target.providerId);
    const after = await verify(target.providerId);

    // Assess
    expect(degraded.provider).toMatchObject({ status: 'DEGRADED', reason, attempt: 1 });
    const announced = await events.eventsAbout(target.providerId, 3);
    expect(announced.map((event) => event['detail-type'])).toEqual(['Provider Ready', 'Provider Degraded', 'Provider Ready']);
    expect(announced[1]?.detail).toMatchObject({ status: 'DEGRADED', reason });
    expect(JSON.stringify(announced)).not.toContain(EXTERNAL_ID);
    expect(repair.status).toBe(202);
    expect(repaired).toMatchObject({ status: 'READY', attempt: 2 });
    expect(after.provider.status).toBe('READY');
    expect(after.provider.checks?.filter((check) => !check.passed)).toEqual([]);
  }, 120_000);

  it('answers 404 for an unknown provider and starts nothing', async () => {
    // Act
    const response = await api(cloud).verify('drift.nobody');

    // Assess
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('iam:SimulatePrincipalPolicy answers for the management role through the real SDK', async () => {
    // Prepare
    const { accountId, roleName } = await readyProvider('simulated');
    const iam = new IAMClient(clientConfig(cloud));

    // Act
    const result = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: MANAGEMENT_ROLE_ARN,
        ActionNames: ['sts:AssumeRole'],
        ResourceArns: [`arn:aws:iam::${accountId}:role/capa-providers/${roleName}`, `arn:aws:iam::${accountId}:role/other`],
      }),
    );

    // Assess
    expect(result.EvaluationResults?.map((r) => r.EvalDecision)).toEqual(['allowed', 'implicitDeny']);
    expect(result.EvaluationResults?.[0]?.MatchedStatements).toEqual([{ SourcePolicyId: 'capa-provider-onboarding-assume', SourcePolicyType: 'role' }]);
  });

  const cli = spawnSync('aws', ['--version'], { encoding: 'utf8' });
  it.skipIf(cli.status !== 0)('aws iam simulate-principal-policy works against the local endpoint', async () => {
    // Prepare
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: cloud.adminCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: cloud.adminCredentials.secretAccessKey,
      AWS_DEFAULT_REGION: cloud.region,
    };

    // Act
    // Asynchronously: the local cloud answers from this same process.
    const result = await promisify(execFile)(
      'aws',
      [
        'iam', 'simulate-principal-policy', '--endpoint-url', cloud.endpoint, '--output', 'json',
        '--policy-source-arn', MANAGEMENT_ROLE_ARN,
        '--action-names', 'sts:AssumeRole',
        '--resource-arns', 'arn:aws:iam::123456789012:role/capa-providers/capa-any',
      ],
      { encoding: 'utf8', env, timeout: 60_000 },
    );

    // Assess
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).EvaluationResults[0]).toMatchObject({
      EvalActionName: 'sts:AssumeRole',
      EvalResourceName: 'arn:aws:iam::123456789012:role/capa-providers/capa-any',
      EvalDecision: 'allowed',
    });
  }, 90_000);
});
