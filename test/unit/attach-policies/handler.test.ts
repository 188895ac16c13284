// Workflow step "Attach CAPA Policies": the CAPA managed policies are created on the product path
// (tagged with their owner and version) through the bootstrap session, and attached to the role.
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DetachRolePolicyCommand,
  EntityAlreadyExistsException,
  GetPolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListPolicyVersionsCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderRegistry } from '../../../functions/shared/adapters/registry.js';
import type { AttachedPolicies } from '../../../functions/shared/adapters/role-provisioning.js';
import capaMinimalPolicy from '../../../functions/shared/domain/policies/capa-minimal-policy.json' with { type: 'json' };
import type { WorkflowTaskEvent } from '../../../functions/shared/runtime/workflow-event.js';
import { startRegistryTable, type TestTable } from '../../support/dynamodb.js';
import { captureOutput, type CapturedOutput } from '../../support/output-capture.js';
import { providerRecord, registryOn } from '../../support/provider-records.js';
import {
  BOOTSTRAP_ROLE_ARN,
  BOOTSTRAP_SESSION,
  BOOTSTRAP_SESSION_POLICY,
  POLICY_ARN,
  ROLE_ARN,
  providerSpec,
  registryEnvironment,
  sdkError,
  taskEvent,
  workflowContext,
} from '../../support/workflow-task-events.js';

/** The version tag of today's CAPA minimal policy (a hash of its document). */
const POLICY_VERSION = 'sha256:94279e60de6f460d';
const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);
const context = workflowContext('attach-policies');
let handler: (event: WorkflowTaskEvent, context: Context) => Promise<AttachedPolicies>;
let output: CapturedOutput;
let table: TestTable;
let registry: ProviderRegistry;

beforeAll(async () => {
  table = await startRegistryTable();
  registry = registryOn(table);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    PARTITION: 'aws',
    BOOTSTRAP_ROLE_NAME: 'OrganizationAccountAccessRole',
    ROLE_PATH: '/capa-providers/',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...registryEnvironment(table),
  });
  ({ handler } = await import('../../../functions/attach-policies/handler.js'));
});

afterAll(async () => {
  await table.close();
});

beforeEach(() => {
  sts.reset();
  iam.reset();
  sts.on(AssumeRoleCommand).resolves(BOOTSTRAP_SESSION);
  output = captureOutput();
});

afterEach(() => {
  output.restore();
});

const role = { roleArn: ROLE_ARN, roleName: 'capa-payments-dev', createdByThisExecution: true, ensuredAt: '2026-11-28T00:00:00.000Z' };

describe('attaching the CAPA policies', () => {
  it('creates the CAPA policy on the product path, tagged with owner and version, attaches it, and returns its ARN and version', async () => {
    // Prepare
    iam.on(CreatePolicyCommand).resolves({});
    iam.on(AttachRolePolicyCommand).resolves({});

    // Act
    const policies = await handler(taskEvent({ role }), context);

    // Assess
    expect(policies).toEqual({ policyArns: [POLICY_ARN], policyVersion: POLICY_VERSION });
    expect(iam).toHaveReceivedCommandTimes(CreatePolicyCommand, 1);
    const input = iam.commandCalls(CreatePolicyCommand)[0]!.args[0].input;
    expect({ ...input, PolicyDocument: JSON.parse(input.PolicyDocument!) }).toEqual({
      PolicyName: 'capa-payments-dev-capa-1',
      Path: '/capa-providers/',
      PolicyDocument: capaMinimalPolicy,
      Description: `CAPA minimal policy, part 1 of 1, ${POLICY_VERSION}`,
      Tags: [
        { Key: 'capa-onboarding:provider-id', Value: 'payments.dev' },
        { Key: 'capa-onboarding:created-by-execution', Value: 'payments_dev_1' },
        { Key: 'capa-onboarding:policy-version', Value: POLICY_VERSION },
      ],
    });
    expect(iam).toHaveReceivedCommandTimes(AttachRolePolicyCommand, 1);
    expect(iam).toHaveReceivedCommandWith(AttachRolePolicyCommand, { RoleName: 'capa-payments-dev', PolicyArn: POLICY_ARN });
  });

  it('works in the target account through its bootstrap role, narrowed to the product path, in a session named after the step and attempt', async () => {
    // Prepare
    iam.on(CreatePolicyCommand).resolves({});
    iam.on(AttachRolePolicyCommand).resolves({});

    // Act
    await handler(taskEvent({ provider: providerSpec({ attempt: 2 }), role }), context);

    // Assess
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    const input = sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input;
    expect({ ...input, Policy: JSON.parse(input.Policy!) }).toEqual({
      RoleArn: BOOTSTRAP_ROLE_ARN,
      RoleSessionName: 'capa-onboarding-attach-policies-2',
      Policy: BOOTSTRAP_SESSION_POLICY,
      DurationSeconds: 900,
    });
    const credentials = await iam.commandCalls(AttachRolePolicyCommand)[0]!.thisValue.config.credentials();
    expect(credentials).toMatchObject({ accessKeyId: 'ASIABOOTSTRAP', sessionToken: 'bootstrap-token' });
  });

  it('a retried step finds its policy at the same version and attaches it again without creating another', async () => {
    // Prepare
    iam.on(CreatePolicyCommand).rejects(new EntityAlreadyExistsException({ message: 'Policy exists', $metadata: {} }));
    iam.on(GetPolicyCommand).resolves({ Policy: { Arn: POLICY_ARN, Tags: [{ Key: 'capa-onboarding:policy-version', Value: POLICY_VERSION }] } });
    iam.on(AttachRolePolicyCommand).resolves({});

    // Act
    const policies = await handler(taskEvent({ role }), context);

    // Assess
    expect(policies).toEqual({ policyArns: [POLICY_ARN], policyVersion: POLICY_VERSION });
    expect(iam).toHaveReceivedCommandWith(GetPolicyCommand, { PolicyArn: POLICY_ARN });
    expect(iam).toHaveReceivedCommandWith(AttachRolePolicyCommand, { RoleName: 'capa-payments-dev', PolicyArn: POLICY_ARN });
  });

  it('logs the attached policies and their version', async () => {
    // Prepare
    iam.on(CreatePolicyCommand).resolves({});
    iam.on(AttachRolePolicyCommand).resolves({});

    // Act
    await handler(taskEvent({ role }), context);

    // Assess
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['CAPA policies attached']);
    expect(lines[0]).toMatchObject({ level: 'INFO', policyArns: [POLICY_ARN], policyVersion: POLICY_VERSION, providerId: 'payments.dev' });
  });
});

describe('failures', () => {
  it('an account whose bootstrap role denies this service fails with BootstrapRoleDenied and attaches nothing', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(sdkError('AccessDenied', 403, 'not authorized to perform: sts:AssumeRole'));

    // Act
    const attaching = handler(taskEvent({ role }), context);

    // Assess
    await expect(attaching).rejects.toMatchObject({ name: 'BootstrapRoleDenied' });
    expect(iam).not.toHaveReceivedAnyCommand();
  });

  it('a policy of that name at another version fails with PolicyConflict, left unchanged and unattached', async () => {
    // Prepare
    iam.on(CreatePolicyCommand).rejects(new EntityAlreadyExistsException({ message: 'Policy exists', $metadata: {} }));
    iam.on(GetPolicyCommand).resolves({ Policy: { Arn: POLICY_ARN, Tags: [{ Key: 'capa-onboarding:policy-version', Value: 'sha256:0000000000000000' }] } });

    // Act
    const attaching = handler(taskEvent({ role }), context);

    // Assess
    await expect(attaching).rejects.toMatchObject({
      name: 'PolicyConflict',
      message: `Policy ${POLICY_ARN} already exists with version sha256:0000000000000000 (expected ${POLICY_VERSION}); it was left unchanged`,
    });
    expect(iam).not.toHaveReceivedCommand(AttachRolePolicyCommand);
  });

  it('throttling of the attachment that outlives the SDK retries fails with TransientAwsError, for the state machine to retry', async () => {
    // Prepare
    iam.on(CreatePolicyCommand).resolves({});
    iam.on(AttachRolePolicyCommand).rejects(sdkError('ThrottlingException', 400, 'Rate exceeded'));

    // Act
    const attaching = handler(taskEvent({ role }), context);

    // Assess
    await expect(attaching).rejects.toMatchObject({ name: 'TransientAwsError', message: `AttachRolePolicy ${POLICY_ARN}: Rate exceeded` });
  });
});

describe('an execution stopped while this step runs', () => {
  it('finding its attempt FAILED once the policy is created, removes the policy it created and fails with StaleAttemptError', async () => {
    // Prepare: execution-ended recorded attempt 1 FAILED (and removed the role) while the step ran.
    await registry.create(providerRecord({ providerId: 'payments.stopped', name: 'stopped', status: 'FAILED', reason: 'EXECUTION_ABORTED' }));
    const spec = providerSpec({ providerId: 'payments.stopped', name: 'stopped', roleName: 'capa-payments-stopped' });
    const policyArn = 'arn:aws:iam::123456789012:policy/capa-providers/capa-payments-stopped-capa-1';
    iam.on(CreatePolicyCommand).resolves({});
    iam.on(AttachRolePolicyCommand).rejects(new NoSuchEntityException({ message: 'The role cannot be found', $metadata: {} }));
    iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'The role cannot be found', $metadata: {} }));
    iam.on(GetPolicyCommand).resolves({ Policy: { Arn: policyArn, Tags: [{ Key: 'capa-onboarding:created-by-execution', Value: 'payments_dev_1' }] } });
    iam.on(ListPolicyVersionsCommand).resolves({ Versions: [{ VersionId: 'v1', IsDefaultVersion: true }] });
    iam.on(DeletePolicyCommand).resolves({});

    // Act
    const attaching = handler(taskEvent({ provider: spec, role: { ...role, roleName: 'capa-payments-stopped' } }), context);

    // Assess
    await expect(attaching).rejects.toMatchObject({
      name: 'StaleAttemptError',
      message: `Attempt 1 of payments.stopped FAILED while execution payments_dev_1 was still running this step; removed what it had created (${policyArn})`,
    });
    expect(iam).toHaveReceivedCommandWith(DeletePolicyCommand, { PolicyArn: policyArn });
    expect(iam).not.toHaveReceivedCommand(DetachRolePolicyCommand);
  });

  it('finding its attempt still in flight, keeps what it created', async () => {
    // Prepare
    await registry.create(providerRecord({ providerId: 'payments.running', name: 'running', status: 'CREATING' }));
    const spec = providerSpec({ providerId: 'payments.running', name: 'running', roleName: 'capa-payments-running' });
    iam.on(CreatePolicyCommand).resolves({});
    iam.on(AttachRolePolicyCommand).resolves({});

    // Act
    const policies = await handler(taskEvent({ provider: spec, role: { ...role, roleName: 'capa-payments-running' } }), context);

    // Assess
    expect(policies).toEqual({ policyArns: ['arn:aws:iam::123456789012:policy/capa-providers/capa-payments-running-capa-1'], policyVersion: POLICY_VERSION });
    expect(iam).not.toHaveReceivedCommand(DeletePolicyCommand);
  });
});
