// Workflow step "Remove Created Resources": undoes exactly what this execution created. In the
// target account (through the bootstrap session) the role and policies tagged with this execution;
// on the management role (with the function's own credentials) the per-role grant, only when this
// run can have added it: it created the role, or its grant step reported a change.
import {
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WorkflowState, WorkflowTaskEvent } from '../../../functions/shared/runtime/workflow-event.js';
import { captureOutput, type CapturedOutput } from '../../support/output-capture.js';
import {
  BOOTSTRAP_ROLE_ARN,
  BOOTSTRAP_SESSION,
  BOOTSTRAP_SESSION_POLICY,
  POLICY_ARN,
  ROLE_ARN,
  providerSpec,
  sdkError,
  taskEvent,
  workflowContext,
} from '../../support/workflow-task-events.js';

const MANAGEMENT_ROLE_ARN = 'arn:aws:iam::000000000000:role/capa-management';
const OTHER_ROLE_ARN = 'arn:aws:iam::999999999999:role/capa-providers/capa-search-prod';
const GRANT_REMOVED = `${MANAGEMENT_ROLE_ARN} grant for ${ROLE_ARN}`;
const BOOTSTRAP_DENIED =
  'Cannot assume arn:aws:iam::123456789012:role/OrganizationAccountAccessRole: the account must trust this ' +
  'service\'s account through its "OrganizationAccountAccessRole" role (not authorized to perform: sts:AssumeRole)';
const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);
const context = workflowContext('compensate');
let handler: (event: WorkflowTaskEvent, context: Context) => Promise<{ removed: string[] }>;
let output: CapturedOutput;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAFUNCTION',
    AWS_SECRET_ACCESS_KEY: 'function-secret',
    PARTITION: 'aws',
    BOOTSTRAP_ROLE_NAME: 'OrganizationAccountAccessRole',
    ROLE_PATH: '/capa-providers/',
    MANAGEMENT_ROLE_ARN,
    GRANT_MODE: 'per-role',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  ({ handler } = await import('../../../functions/compensate/handler.js'));
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

const createdBy = (execution: string) => [
  { Key: 'capa-onboarding:provider-id', Value: 'payments.dev' },
  { Key: 'capa-onboarding:created-by-execution', Value: execution },
];

/** The target account holds the provider's role and CAPA policy, tagged as created by `execution`. */
function targetAccountHolds(execution: string) {
  iam.on(GetRoleCommand).resolves({
    Role: {
      RoleName: 'capa-payments-dev',
      RoleId: 'AROAPROVIDER',
      Arn: ROLE_ARN,
      Path: '/capa-providers/',
      CreateDate: new Date('2026-11-28T00:00:00.000Z'),
      Tags: createdBy(execution),
    },
  });
  iam.on(GetPolicyCommand).resolves({ Policy: { Arn: POLICY_ARN, Tags: createdBy(execution) } });
  iam.on(ListPolicyVersionsCommand).resolves({
    Versions: [
      { VersionId: 'v2', IsDefaultVersion: true },
      { VersionId: 'v1', IsDefaultVersion: false },
    ],
  });
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
}

/** The target account has no role or policy of the provider's names. */
function targetAccountEmpty() {
  iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'no such role', $metadata: {} }));
  iam.on(GetPolicyCommand).rejects(new NoSuchEntityException({ message: 'no such policy', $metadata: {} }));
}

/** The management role's per-role grant lists `roleArns`. */
function managementGrantLists(roleArns: string[]) {
  iam.on(GetRolePolicyCommand).resolves({
    RoleName: 'capa-management',
    PolicyName: 'capa-provider-onboarding-assume',
    PolicyDocument: encodeURIComponent(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArns }],
      }),
    ),
  });
}

const roleOfThisRun = { roleArn: ROLE_ARN, roleName: 'capa-payments-dev', createdByThisExecution: true, ensuredAt: '2026-11-28T00:00:00.000Z' };
const adoptedRole = { ...roleOfThisRun, createdByThisExecution: false };
const verificationFailed = { Error: 'ExternalIdNotEnforced', Cause: '{"errorMessage":"not enforced"}' };

function failedRun(state: Partial<WorkflowState>): WorkflowTaskEvent {
  return taskEvent({ error: verificationFailed, ...state });
}

describe('what this execution created is removed', () => {
  it('removes the policy and role it created and its grant, and returns them in that order', async () => {
    // Prepare
    targetAccountHolds('payments_dev_1');
    managementGrantLists([ROLE_ARN, OTHER_ROLE_ARN]);

    // Act
    const result = await handler(failedRun({ role: roleOfThisRun, grant: { mode: 'per-role', changed: true } }), context);

    // Assess
    expect(result).toEqual({ removed: [POLICY_ARN, ROLE_ARN, GRANT_REMOVED] });
    expect(iam).toHaveReceivedCommandWith(DetachRolePolicyCommand, { RoleName: 'capa-payments-dev', PolicyArn: POLICY_ARN });
    expect(iam).toHaveReceivedCommandTimes(DeletePolicyVersionCommand, 1);
    expect(iam).toHaveReceivedCommandWith(DeletePolicyVersionCommand, { PolicyArn: POLICY_ARN, VersionId: 'v1' });
    expect(iam).toHaveReceivedCommandWith(DeletePolicyCommand, { PolicyArn: POLICY_ARN });
    expect(iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: 'capa-payments-dev' });
    expect(iam).toHaveReceivedCommandTimes(PutRolePolicyCommand, 1);
    const grant = iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input;
    expect({ ...grant, PolicyDocument: JSON.parse(grant.PolicyDocument!) }).toEqual({
      RoleName: 'capa-management',
      PolicyName: 'capa-provider-onboarding-assume',
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [OTHER_ROLE_ARN] }],
      },
    });
  });

  it('deletes in the target account only through the path-limited bootstrap session, and revokes with the function\'s own credentials', async () => {
    // Prepare
    targetAccountHolds('payments_dev_1');
    managementGrantLists([ROLE_ARN]);

    // Act
    await handler(failedRun({ provider: providerSpec({ attempt: 4 }), role: roleOfThisRun, grant: { mode: 'per-role', changed: true } }), context);

    // Assess
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    const session = sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input;
    expect({ ...session, Policy: JSON.parse(session.Policy!) }).toEqual({
      RoleArn: BOOTSTRAP_ROLE_ARN,
      RoleSessionName: 'capa-onboarding-compensate-4',
      Policy: BOOTSTRAP_SESSION_POLICY,
      DurationSeconds: 900,
    });
    const roleDeletion = await iam.commandCalls(DeleteRoleCommand)[0]!.thisValue.config.credentials();
    expect(roleDeletion).toMatchObject({ accessKeyId: 'ASIABOOTSTRAP', sessionToken: 'bootstrap-token' });
    expect(iam).toHaveReceivedCommandWith(DeleteRolePolicyCommand, { RoleName: 'capa-management', PolicyName: 'capa-provider-onboarding-assume' });
    const revocation = await iam.commandCalls(DeleteRolePolicyCommand)[0]!.thisValue.config.credentials();
    expect(revocation).toMatchObject({ accessKeyId: 'AKIAFUNCTION' });
  });

  it('revokes the grant of a role it created even when the grant step did not report (it may have written, then failed)', async () => {
    // Prepare
    targetAccountHolds('payments_dev_1');
    managementGrantLists([ROLE_ARN]);

    // Act
    const result = await handler(failedRun({ role: roleOfThisRun }), context);

    // Assess
    expect(result).toEqual({ removed: [POLICY_ARN, ROLE_ARN, GRANT_REMOVED] });
    expect(iam).toHaveReceivedCommandTimes(DeleteRolePolicyCommand, 1);
  });

  it('revokes the grant this run added for an adopted role, and keeps the role and policies an earlier run created', async () => {
    // Prepare
    targetAccountHolds('payments_dev_0');
    managementGrantLists([ROLE_ARN, OTHER_ROLE_ARN]);

    // Act
    const result = await handler(failedRun({ role: adoptedRole, grant: { mode: 'per-role', changed: true } }), context);

    // Assess
    expect(result).toEqual({ removed: [GRANT_REMOVED] });
    expect(iam).not.toHaveReceivedCommand(DeleteRoleCommand);
    expect(iam).not.toHaveReceivedCommand(DeletePolicyCommand);
    expect(iam).not.toHaveReceivedCommand(DetachRolePolicyCommand);
    expect(iam).toHaveReceivedCommandTimes(PutRolePolicyCommand, 1);
  });

  it('logs what it removed and the error that sent the run to compensation', async () => {
    // Prepare
    targetAccountHolds('payments_dev_1');
    managementGrantLists([ROLE_ARN]);

    // Act
    await handler(failedRun({ role: roleOfThisRun, grant: { mode: 'per-role', changed: true } }), context);

    // Assess
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['Compensation finished']);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      removed: [POLICY_ARN, ROLE_ARN, GRANT_REMOVED],
      cause: 'ExternalIdNotEnforced',
      providerId: 'payments.dev',
    });
  });
});

describe('what this execution did not create is left alone', () => {
  it('an adopted role whose grant was already in place: nothing removed, the management role not even read', async () => {
    // Prepare
    targetAccountHolds('payments_dev_0');

    // Act
    const result = await handler(failedRun({ role: adoptedRole, grant: { mode: 'per-role', changed: false } }), context);

    // Assess
    expect(result).toEqual({ removed: [] });
    expect(iam).not.toHaveReceivedCommand(DeleteRoleCommand);
    expect(iam).not.toHaveReceivedCommand(DeletePolicyCommand);
    expect(iam).not.toHaveReceivedCommand(GetRolePolicyCommand);
    expect(iam).not.toHaveReceivedCommand(PutRolePolicyCommand);
    expect(iam).not.toHaveReceivedCommand(DeleteRolePolicyCommand);
  });

  it('a run that failed before its role step removes nothing and leaves the grant alone', async () => {
    // Prepare
    targetAccountEmpty();

    // Act
    const result = await handler(failedRun({ error: { Error: 'RoleConflict', Cause: '{"errorMessage":"exists"}' } }), context);

    // Assess
    expect(result).toEqual({ removed: [] });
    expect(iam).toHaveReceivedCommandWith(GetRoleCommand, { RoleName: 'capa-payments-dev' });
    expect(iam).not.toHaveReceivedCommand(GetRolePolicyCommand);
  });

  it('a grant that does not list the role is not reported as removed', async () => {
    // Prepare
    targetAccountHolds('payments_dev_1');
    managementGrantLists([OTHER_ROLE_ARN]);

    // Act
    const result = await handler(failedRun({ role: roleOfThisRun, grant: { mode: 'per-role', changed: true } }), context);

    // Assess
    expect(result).toEqual({ removed: [POLICY_ARN, ROLE_ARN] });
    expect(iam).not.toHaveReceivedCommand(PutRolePolicyCommand);
    expect(iam).not.toHaveReceivedCommand(DeleteRolePolicyCommand);
  });
});

describe('a target account that cannot be reached', () => {
  it('a denied bootstrap role means nothing was created there: nothing removed, a warning logged, the step succeeds', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(sdkError('AccessDenied', 403, 'not authorized to perform: sts:AssumeRole'));

    // Act
    const result = await handler(failedRun({ error: { Error: 'BootstrapRoleDenied', Cause: BOOTSTRAP_DENIED } }), context);

    // Assess
    expect(result).toEqual({ removed: [] });
    expect(iam).not.toHaveReceivedAnyCommand();
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['Target account unreachable; nothing there to remove', 'Compensation finished']);
    expect(lines[0]).toMatchObject({ level: 'WARN', errorMessage: BOOTSTRAP_DENIED });
    expect(lines[1]).toMatchObject({ level: 'INFO', removed: [], cause: 'BootstrapRoleDenied' });
  });

  it('the grant this run added is still revoked when the target account has become unreachable', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(sdkError('AccessDenied', 403, 'not authorized to perform: sts:AssumeRole'));
    managementGrantLists([ROLE_ARN, OTHER_ROLE_ARN]);

    // Act
    const result = await handler(failedRun({ role: roleOfThisRun, grant: { mode: 'per-role', changed: true } }), context);

    // Assess
    expect(result).toEqual({ removed: [GRANT_REMOVED] });
    expect(iam).not.toHaveReceivedCommand(GetRoleCommand);
    expect(iam).toHaveReceivedCommandTimes(PutRolePolicyCommand, 1);
  });

  it('throttling of the bootstrap AssumeRole fails the step with TransientAwsError instead of skipping the cleanup', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(sdkError('Throttling', 400, 'Rate exceeded'));

    // Act
    const compensation = handler(failedRun({ role: roleOfThisRun, grant: { mode: 'per-role', changed: true } }), context);

    // Assess
    await expect(compensation).rejects.toMatchObject({
      name: 'TransientAwsError',
      message: `AssumeRole ${BOOTSTRAP_ROLE_ARN}: Rate exceeded`,
    });
    expect(iam).not.toHaveReceivedAnyCommand();
  });
});
