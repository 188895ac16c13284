// Workflow step "Create Role In Target Account": the registry moves to CREATING, the target account
// is reached through its bootstrap role under the path-limited session policy, and the role is
// created trusting the management principal with the provider's stored External ID.
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  EntityAlreadyExistsException,
  GetPolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProviderRegistry } from '../../../functions/shared/adapters/registry.js';
import type { EnsuredRole } from '../../../functions/shared/adapters/role-provisioning.js';
import type { WorkflowTaskEvent } from '../../../functions/shared/runtime/workflow-event.js';
import { startRegistryTable, type TestTable } from '../../support/dynamodb.js';
import { captureOutput, type CapturedOutput } from '../../support/output-capture.js';
import { providerRecord, registryOn } from '../../support/provider-records.js';
import {
  BOOTSTRAP_ROLE_ARN,
  BOOTSTRAP_SESSION,
  BOOTSTRAP_SESSION_POLICY,
  EXECUTION_ARN,
  ROLE_ARN,
  providerSpec,
  registryEnvironment,
  sdkError,
  taskEvent,
  workflowContext,
} from '../../support/workflow-task-events.js';

const NOW = '2026-11-28T00:05:00.000Z';
const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);
const context = workflowContext('create-role');
let table: TestTable;
let registry: ProviderRegistry;
let handler: (event: WorkflowTaskEvent, context: Context) => Promise<EnsuredRole>;
let output: CapturedOutput;

beforeAll(async () => {
  table = await startRegistryTable();
  registry = registryOn(table);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    PARTITION: 'aws',
    BOOTSTRAP_ROLE_NAME: 'OrganizationAccountAccessRole',
    ROLE_PATH: '/capa-providers/',
    MANAGEMENT_PRINCIPAL_ARN: 'arn:aws:iam::000000000000:root',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...registryEnvironment(table),
  });
  ({ handler } = await import('../../../functions/create-role/handler.js'));
});

afterAll(async () => {
  await table.close();
});

beforeEach(async () => {
  sts.reset();
  iam.reset();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(NOW));
  output = captureOutput();
});

afterEach(() => {
  output.restore();
  vi.useRealTimers();
});

/** Each test owns provider payments.<name>: the table is shared by the file. */
async function pendingProvider(name: string, overrides: Parameters<typeof providerRecord>[0] = {}) {
  const record = providerRecord({
    providerId: `payments.${name}`,
    name,
    status: 'PENDING',
    updatedAt: '2026-11-28T00:00:00.000Z',
    ...overrides,
  });
  await registry.create(record);
  return record;
}

function eventFor(name: string, overrides: Parameters<typeof providerSpec>[0] = {}): WorkflowTaskEvent {
  return taskEvent({ provider: providerSpec({ providerId: `payments.${name}`, name, ...overrides }) });
}

const TRUST_WITH_EC2 = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ManagementAccountAssumeRole',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::000000000000:root' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': 'stored-external-id-7f3a9c1e5b2d4860' } },
    },
    { Sid: 'Ec2AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
};

describe('creating the provider role', () => {
  it('moves the provider to CREATING and creates the role, owner-tagged, trusting the management principal with the stored External ID', async () => {
    // Prepare
    const stored = await pendingProvider('create');
    sts.on(AssumeRoleCommand).resolves(BOOTSTRAP_SESSION);
    iam.on(CreateRoleCommand).resolves({});

    // Act
    const role = await handler(eventFor('create'), context);

    // Assess
    expect(role).toEqual({ roleArn: ROLE_ARN, roleName: 'capa-payments-dev', createdByThisExecution: true, ensuredAt: NOW });
    expect(await registry.get('payments.create')).toEqual({ ...stored, status: 'CREATING', updatedAt: NOW });
    expect(iam).toHaveReceivedCommandTimes(CreateRoleCommand, 1);
    const input = iam.commandCalls(CreateRoleCommand)[0]!.args[0].input;
    expect({ ...input, AssumeRolePolicyDocument: JSON.parse(input.AssumeRolePolicyDocument!) }).toEqual({
      RoleName: 'capa-payments-dev',
      Path: '/capa-providers/',
      AssumeRolePolicyDocument: TRUST_WITH_EC2,
      Description: 'CAPA infrastructure provider payments.create',
      MaxSessionDuration: 3600,
      Tags: [
        { Key: 'capa-onboarding:provider-id', Value: 'payments.create' },
        { Key: 'capa-onboarding:created-by-execution', Value: 'payments_dev_1' },
      ],
    });
  });

  it('reaches the target account through its bootstrap role, narrowed to the product path, in a session named after the step and attempt', async () => {
    // Prepare
    await pendingProvider('session', { attempt: 3 });
    sts.on(AssumeRoleCommand).resolves(BOOTSTRAP_SESSION);
    iam.on(CreateRoleCommand).resolves({});

    // Act
    await handler(eventFor('session', { attempt: 3 }), context);

    // Assess
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    const input = sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input;
    expect({ ...input, Policy: JSON.parse(input.Policy!) }).toEqual({
      RoleArn: BOOTSTRAP_ROLE_ARN,
      RoleSessionName: 'capa-onboarding-create-role-3',
      Policy: BOOTSTRAP_SESSION_POLICY,
      DurationSeconds: 900,
    });
    const credentials = await iam.commandCalls(CreateRoleCommand)[0]!.thisValue.config.credentials();
    expect(credentials).toMatchObject({ accessKeyId: 'ASIABOOTSTRAP', secretAccessKey: 'bootstrap-secret', sessionToken: 'bootstrap-token' });
  });

  it('a provider without EC2 trust gets a role trusted by the management principal alone', async () => {
    // Prepare
    await pendingProvider('no-ec2', { trustEc2: false });
    sts.on(AssumeRoleCommand).resolves(BOOTSTRAP_SESSION);
    iam.on(CreateRoleCommand).resolves({});

    // Act
    await handler(eventFor('no-ec2', { trustEc2: false }), context);

    // Assess
    const document = iam.commandCalls(CreateRoleCommand)[0]!.args[0].input.AssumeRolePolicyDocument!;
    expect(JSON.parse(document)).toEqual({ Version: '2012-10-17', Statement: [TRUST_WITH_EC2.Statement[0]] });
  });

  it('adopts a role an earlier execution left on the path with the same trust, as not created by this execution', async () => {
    // Prepare
    await pendingProvider('adopt');
    sts.on(AssumeRoleCommand).resolves(BOOTSTRAP_SESSION);
    iam.on(CreateRoleCommand).rejects(new EntityAlreadyExistsException({ message: 'Role exists', $metadata: {} }));
    iam.on(GetRoleCommand).resolves({
      Role: {
        RoleName: 'capa-payments-dev',
        RoleId: 'AROAEXISTING',
        Arn: ROLE_ARN,
        Path: '/capa-providers/',
        CreateDate: new Date('2026-11-27T00:00:00.000Z'),
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(TRUST_WITH_EC2)),
        Tags: [{ Key: 'capa-onboarding:created-by-execution', Value: 'payments_dev_0' }],
      },
    });

    // Act
    const role = await handler(eventFor('adopt'), context);

    // Assess
    expect(role).toEqual({ roleArn: ROLE_ARN, roleName: 'capa-payments-dev', createdByThisExecution: false, ensuredAt: NOW });
  });

  it('logs the role it ensures and the External ID source, then the role in place, tagged with provider and execution', async () => {
    // Prepare
    await pendingProvider('logs', { externalIdSource: 'generated' });
    sts.on(AssumeRoleCommand).resolves(BOOTSTRAP_SESSION);
    iam.on(CreateRoleCommand).resolves({});

    // Act
    await handler(eventFor('logs'), context);

    // Assess
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['Ensuring provider role', 'Provider role in place']);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      roleName: 'capa-payments-dev',
      rolePath: '/capa-providers/',
      trustEc2: true,
      externalIdSource: 'generated',
      providerId: 'payments.logs',
      executionArn: EXECUTION_ARN,
    });
    expect(lines[1]).toMatchObject({ level: 'INFO', roleArn: ROLE_ARN, createdByThisExecution: true, providerId: 'payments.logs' });
  });
});

describe('failures', () => {
  it('an account whose bootstrap role denies this service fails with BootstrapRoleDenied and creates nothing', async () => {
    // Prepare
    await pendingProvider('denied');
    sts.on(AssumeRoleCommand).rejects(sdkError('AccessDenied', 403, 'not authorized to perform: sts:AssumeRole'));

    // Act
    const creation = handler(eventFor('denied'), context);

    // Assess
    await expect(creation).rejects.toMatchObject({
      name: 'BootstrapRoleDenied',
      message:
        'Cannot assume arn:aws:iam::123456789012:role/OrganizationAccountAccessRole: the account must trust this ' +
        'service\'s account through its "OrganizationAccountAccessRole" role (not authorized to perform: sts:AssumeRole)',
    });
    expect(iam).not.toHaveReceivedAnyCommand();
  });

  it('throttling that outlives the SDK retries fails with TransientAwsError, for the state machine to retry', async () => {
    // Prepare
    await pendingProvider('throttled');
    sts.on(AssumeRoleCommand).resolves(BOOTSTRAP_SESSION);
    iam.on(CreateRoleCommand).rejects(sdkError('Throttling', 400, 'Rate exceeded'));

    // Act
    const creation = handler(eventFor('throttled'), context);

    // Assess
    await expect(creation).rejects.toMatchObject({
      name: 'TransientAwsError',
      message: `CreateRole ${ROLE_ARN}: Rate exceeded`,
    });
  });

  it('a role of that name on another path is someone else\'s: RoleConflict, left unchanged', async () => {
    // Prepare
    await pendingProvider('conflict');
    sts.on(AssumeRoleCommand).resolves(BOOTSTRAP_SESSION);
    iam.on(CreateRoleCommand).rejects(new EntityAlreadyExistsException({ message: 'Role exists', $metadata: {} }));
    iam.on(GetRoleCommand).resolves({
      Role: {
        RoleName: 'capa-payments-dev',
        RoleId: 'AROAFOREIGN',
        Arn: 'arn:aws:iam::123456789012:role/team/capa-payments-dev',
        Path: '/team/',
        CreateDate: new Date('2026-11-27T00:00:00.000Z'),
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(TRUST_WITH_EC2)),
      },
    });

    // Act
    const creation = handler(eventFor('conflict'), context);

    // Assess
    await expect(creation).rejects.toMatchObject({
      name: 'RoleConflict',
      message: 'Role capa-payments-dev already exists in account 123456789012 with a different path (/team/); it was left unchanged',
    });
    expect(iam).toHaveReceivedCommandTimes(CreateRoleCommand, 1);
    expect(iam).toHaveReceivedCommandTimes(GetRoleCommand, 1);
  });

  it('a step of an attempt the provider has moved on from fails with StaleAttemptError before touching the account', async () => {
    // Prepare
    const stored = await pendingProvider('stale', { attempt: 2, executionName: 'payments_stale_2' });

    // Act
    const creation = handler(eventFor('stale', { attempt: 1 }), context);

    // Assess
    await expect(creation).rejects.toMatchObject({
      name: 'StaleAttemptError',
      message: 'Provider payments.stale is no longer on attempt 1, or that attempt has FAILED',
    });
    expect(sts).not.toHaveReceivedAnyCommand();
    expect(iam).not.toHaveReceivedAnyCommand();
    expect(await registry.get('payments.stale')).toEqual(stored);
  });
});

describe('an execution stopped while this step runs', () => {
  it('finding its attempt FAILED once the role is created, removes the role it created and fails with StaleAttemptError', async () => {
    // Prepare: execution-ended records attempt 1 FAILED while CreateRole is under way.
    await pendingProvider('stopped');
    sts.on(AssumeRoleCommand).resolves(BOOTSTRAP_SESSION);
    iam.on(CreateRoleCommand).callsFake(async () => {
      await registry.failInFlight('payments.stopped', 1, { reason: 'EXECUTION_ABORTED', message: 'stopped' });
      return {};
    });
    iam.on(GetRoleCommand).resolves({
      Role: { RoleName: 'capa-payments-dev', Path: '/capa-providers/', Arn: ROLE_ARN, RoleId: 'AROA1', CreateDate: new Date(NOW), Tags: [{ Key: 'capa-onboarding:created-by-execution', Value: 'payments_dev_1' }] },
    });
    iam.on(GetPolicyCommand).rejects(new NoSuchEntityException({ message: 'no such policy', $metadata: {} }));
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    iam.on(DeleteRoleCommand).resolves({});

    // Act
    const creating = handler(eventFor('stopped'), context);

    // Assess
    await expect(creating).rejects.toMatchObject({
      name: 'StaleAttemptError',
      message: `Attempt 1 of payments.stopped FAILED while execution payments_dev_1 was still running this step; removed what it had created (${ROLE_ARN})`,
    });
    expect(iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: 'capa-payments-dev' });
  });

  it('finding its attempt on a later attempt, leaves the role for that attempt to adopt', async () => {
    // Prepare: attempt 1 stopped and its leftovers removed, a POST started attempt 2, all while this step of attempt 1 ran.
    await pendingProvider('moved-on');
    sts.on(AssumeRoleCommand).resolves(BOOTSTRAP_SESSION);
    iam.on(CreateRoleCommand).callsFake(async () => {
      await registry.failInFlight('payments.moved-on', 1, { reason: 'EXECUTION_ABORTED', message: 'stopped' });
      await registry.leftoversRemoved('payments.moved-on', 1);
      await registry.restart('payments.moved-on', 1, { attempt: 2, executionName: 'payments_moved-on_2', executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:payments_moved-on_2', updatedAt: NOW });
      return {};
    });

    // Act
    const role = await handler(eventFor('moved-on'), context);

    // Assess
    expect(role).toEqual({ roleArn: ROLE_ARN, roleName: 'capa-payments-dev', createdByThisExecution: true, ensuredAt: NOW });
    expect(iam).not.toHaveReceivedCommand(DeleteRoleCommand);
  });
});
