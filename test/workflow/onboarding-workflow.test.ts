// The real onboarding ASL, executed by aws-local-stepfunctions with the real handlers;
// IAM, STS and EventBridge are an in-memory fake, DynamoDB is dynalite.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient, StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CAPA_MINIMAL_POLICY } from '../../functions/shared/domain/capa-policy.js';
import type { ProviderRequest } from '../../functions/shared/domain/provider-request.js';
import { ProviderRegistry } from '../../functions/shared/adapters/registry.js';
import { startOnboarding } from '../../functions/shared/adapters/start-onboarding.js';
import { startRegistryTable, type TestTable } from '../support/dynamodb.js';
import { FakeAws, MANAGEMENT_ACCOUNT } from '../support/fake-aws.js';
import { runOnboardingWorkflow, TEST_STATE_MACHINE_ARN } from '../support/workflow-runner.js';

const TARGET_ACCOUNT = '222233334444';
const settings = { stateMachineArn: TEST_STATE_MACHINE_ARN, partition: 'aws', rolePath: '/capa-providers/', roleNamePrefix: 'capa-' };

let table: TestTable;
let registry: ProviderRegistry;
let aws: FakeAws;
let logOutput: string[];

beforeAll(async () => {
  table = await startRegistryTable();
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'management-test-key',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
    TABLE_NAME: table.tableName,
    BOOTSTRAP_ROLE_NAME: 'OrganizationAccountAccessRole',
    PARTITION: 'aws',
    ROLE_PATH: '/capa-providers/',
    MANAGEMENT_PRINCIPAL_ARN: `arn:aws:iam::${MANAGEMENT_ACCOUNT}:root`,
    MANAGEMENT_ROLE_ARN: `arn:aws:iam::${MANAGEMENT_ACCOUNT}:role/capa-management`,
    GRANT_MODE: 'path',
    VERIFY_TIMEOUT_SECONDS: '1',
    EVENT_BUS_NAME: 'capa-provider-onboarding',
    EVENT_SOURCE: 'capa-provider-onboarding',
    POWERTOOLS_SERVICE_NAME: 'capa-provider-onboarding',
  });
  registry = new ProviderRegistry(DynamoDBDocumentClient.from(new DynamoDBClient({})), table.tableName);
});

afterAll(async () => {
  await table.close();
});

beforeEach(() => {
  aws = new FakeAws();
  logOutput = [];
  // Powertools writes JSON lines to stdout (INFO) and stderr (WARN, ERROR); keep them for the
  // assertions on log content, and out of the test report.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logOutput.push(String(chunk));
      return true;
    });
  }
});

afterEach(() => {
  aws.restore();
  vi.restoreAllMocks();
});

let sequence = 0;
function request(overrides: Partial<ProviderRequest> = {}): ProviderRequest {
  sequence += 1;
  return { workspace: 'payments', name: `dev-${sequence}`, accountId: TARGET_ACCOUNT, ...overrides };
}

/** Starts onboarding the way the API does, then executes the execution it asked for. */
async function onboard(providerRequest: ProviderRequest, options: { verifyRetryDelayMs?: number } = {}) {
  const sfnMock = mockClient(SFNClient);
  sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
  const started = await startOnboarding({ registry, sfn: new SFNClient({}), settings }, providerRequest);
  const start = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input as StartExecutionCommandInput;
  sfnMock.restore();
  const run = await runOnboardingWorkflow(JSON.parse(start.input ?? '{}'), {
    executionName: start.name ?? '',
    verifyRetryDelayMs: options.verifyRetryDelayMs,
  });
  const provider = await registry.get(started.provider.providerId);
  return { run, provider: provider!, start };
}

function totalInvocations(invocations: Record<string, number>): number {
  return Object.values(invocations).reduce((sum, count) => sum + count, 0);
}

describe('onboarding workflow', () => {
  it('creates the role with CAPA policy and two-statement trust, grants, verifies, records READY and emits Provider Ready', async () => {
    // Prepare
    const providerRequest = request({ externalId: 'portal-supplied-external-id-0001' });

    // Act
    const { run, provider } = await onboard(providerRequest);

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(provider.status).toBe('READY');
    const role = aws.role(TARGET_ACCOUNT, provider.roleName)!;
    expect(role.path).toBe('/capa-providers/');
    expect(role.trust).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ManagementAccountAssumeRole',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${MANAGEMENT_ACCOUNT}:root` },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': 'portal-supplied-external-id-0001' } },
        },
        { Sid: 'Ec2AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
    const [policyArn] = [...role.attached];
    expect(JSON.parse(aws.policies.get(policyArn!)!.document)).toEqual(CAPA_MINIMAL_POLICY);
    expect(provider.roleArn).toBe(role.arn);
    expect(provider.policyArns).toEqual([policyArn]);
    const grant = JSON.parse(aws.role(MANAGEMENT_ACCOUNT, 'capa-management')!.inline.get('capa-provider-onboarding-assume')!);
    expect(grant.Statement[0].Resource).toBe('arn:aws:iam::*:role/capa-providers/*');
    expect(aws.events).toHaveLength(1);
    expect(aws.events[0]).toMatchObject({ DetailType: 'Provider Ready', Source: 'capa-provider-onboarding' });
    expect(JSON.parse(aws.events[0]!.Detail!)).toMatchObject({
      providerId: provider.providerId,
      status: 'READY',
      roleArn: role.arn,
      executionArn: provider.executionArn,
    });
  });

  it('stays within 15 state transitions and 5 Lambda invocations on the happy path', async () => {
    // Prepare
    const providerRequest = request();

    // Act
    const { run } = await onboard(providerRequest);

    // Assess
    expect(run.statesEntered).toEqual([
      'Create Role In Target Account',
      'Attach CAPA Policies',
      'Grant Management Role Access',
      'Verify Role Is Assumable',
      'Record Provider Ready',
      'Onboarded',
    ]);
    expect(totalInvocations(run.invocations)).toBe(5);
  });

  it('never logs the External ID and tags every workflow log line with providerId and executionArn', async () => {
    // Prepare: one propagation denial, so warnings are logged too.
    const providerRequest = request({ externalId: 'never-log-me-0123456789-abcdef' });
    aws.propagationDenials = 1;

    // Act
    const { provider } = await onboard(providerRequest);

    // Assess
    const lines = logOutput.join('').split('\n').filter((line) => line.startsWith('{'));
    expect(lines.length).toBeGreaterThan(4);
    expect(lines.join('\n')).not.toContain('never-log-me-0123456789-abcdef');
    for (const line of lines) {
      expect(JSON.parse(line)).toMatchObject({ providerId: provider.providerId, executionArn: provider.executionArn });
    }
  });

  it('retries verification while IAM propagates (AccessDenied several times) and then succeeds', async () => {
    // Prepare
    aws.propagationDenials = 3;

    // Act
    const { run, provider } = await onboard(request());

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(provider.status).toBe('READY');
    expect(run.invocations['Verify Role Is Assumable']).toBe(4);
  });

  it('fails with PROPAGATION_TIMEOUT when the role never becomes assumable, and removes the role and policy', async () => {
    // Prepare
    aws.neverAssumable = true;

    // Act: 150 ms between attempts passes the 1 s deadline before the retries run out.
    const { run, provider } = await onboard(request(), { verifyRetryDelayMs: 150 });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('PROPAGATION_TIMEOUT');
    expect(provider.status).toBe('FAILED');
    expect(provider.reason).toBe('PROPAGATION_TIMEOUT');
    expect(provider.message).toContain('still not assumable');
    expect(aws.providerResources()).toEqual([]);
    expect(aws.events.map((event) => event.DetailType)).toEqual(['Provider Failed']);
    expect(JSON.parse(aws.events[0]!.Detail!)).toMatchObject({ status: 'FAILED', reason: 'PROPAGATION_TIMEOUT' });
  });

  it('fails with EXTERNAL_ID_NOT_ENFORCED when the role can be assumed without the External ID, and compensates', async () => {
    // Prepare: IAM ends up storing a trust policy without the External ID condition.
    aws.trustOverride = (trust) => ({
      ...trust,
      Statement: trust.Statement.map(({ Condition: _condition, ...statement }) => statement),
    });

    // Act
    const { run, provider } = await onboard(request());

    // Assess
    expect(run.status).toBe('FAILED');
    expect(provider.reason).toBe('EXTERNAL_ID_NOT_ENFORCED');
    expect(aws.providerResources()).toEqual([]);
    expect(run.statesEntered).toContain('Remove Created Resources');
  });

  it('fails with ROLE_CONFLICT on an existing role with another External ID, and leaves that role alone', async () => {
    // Prepare
    const providerRequest = request({ externalId: 'ours-0000000000000000' });
    const existing = aws.addRole(
      TARGET_ACCOUNT,
      `capa-${providerRequest.workspace}-${providerRequest.name}`,
      '/capa-providers/',
      {
        Statement: [
          {
            Principal: { AWS: `arn:aws:iam::${MANAGEMENT_ACCOUNT}:root` },
            Condition: { StringEquals: { 'sts:ExternalId': 'theirs-000000000000' } },
          },
        ],
      },
      [],
    );

    // Act
    const { run, provider } = await onboard(providerRequest);

    // Assess
    expect(run.status).toBe('FAILED');
    expect(provider.reason).toBe('ROLE_CONFLICT');
    expect(aws.role(TARGET_ACCOUNT, existing.name)).toBe(existing);
    expect(aws.calls).not.toContain('DeleteRole');
    expect(aws.policies.size).toBe(0);
  });

  it('fails with BOOTSTRAP_ROLE_DENIED when the account does not trust the service, creating nothing', async () => {
    // Prepare
    aws.bootstrapDenied.add(TARGET_ACCOUNT);

    // Act
    const { run, provider } = await onboard(request());

    // Assess
    expect(run.status).toBe('FAILED');
    expect(provider.reason).toBe('BOOTSTRAP_ROLE_DENIED');
    expect(provider.message).toContain('OrganizationAccountAccessRole');
    expect(aws.providerResources()).toEqual([]);
  });

  it('survives IAM and STS throttling by retrying the step', async () => {
    // Prepare
    aws.throttle('CreateRole', 2);
    aws.throttle('AttachRolePolicy', 1);
    aws.throttle('AssumeRole', 1);

    // Act
    const { run, provider } = await onboard(request());

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(provider.status).toBe('READY');
    expect(run.invocations['Create Role In Target Account']).toBe(4);
    expect(aws.calls.filter((call) => call === 'CreateRole')).toHaveLength(3);
  });

  it('is idempotent when the same execution is delivered twice: one role, one policy, READY', async () => {
    // Prepare
    const { run: first, provider, start } = await onboard(request());
    const rolesBefore = aws.providerResources();

    // Act
    const second = await runOnboardingWorkflow(JSON.parse(start.input!), { executionName: start.name! });

    // Assess
    expect(first.status).toBe('SUCCEEDED');
    expect(second.status).toBe('SUCCEEDED');
    expect(aws.providerResources()).toEqual(rolesBefore);
    expect((await registry.get(provider.providerId))?.status).toBe('READY');
  });

  it('a failed provider retried with the same request runs attempt 2 under a new execution name', async () => {
    // Prepare
    const providerRequest = request();
    aws.bootstrapDenied.add(TARGET_ACCOUNT);
    const first = await onboard(providerRequest);
    aws.bootstrapDenied.clear();

    // Act
    const second = await onboard(providerRequest);

    // Assess
    expect(first.provider.status).toBe('FAILED');
    expect(second.start.name).toBe(`${providerRequest.workspace}_${providerRequest.name}_2`);
    expect(second.provider).toMatchObject({ status: 'READY', attempt: 2 });
    expect(second.provider.reason).toBeUndefined();
  });
});
