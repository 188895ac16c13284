// Workflow step "Grant Management Role Access": the management role's inline grant, written with
// the function's own credentials in the management account, only when something is missing.
import { GetRolePolicyCommand, IAMClient, NoSuchEntityException, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GrantResult } from '../../../functions/shared/adapters/management-access.js';
import type { WorkflowTaskEvent } from '../../../functions/shared/runtime/workflow-event.js';
import { captureOutput, type CapturedOutput } from '../../support/output-capture.js';
import { ROLE_ARN, sdkError, taskEvent, workflowContext } from '../../support/workflow-task-events.js';

type Handler = (event: WorkflowTaskEvent, context: Context) => Promise<GrantResult>;

const MANAGEMENT_ROLE_ARN = 'arn:aws:iam::000000000000:role/capa-management';
const OTHER_ROLE_ARN = 'arn:aws:iam::999999999999:role/capa-providers/capa-search-prod';
const PATH_GRANT = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/capa-providers/*' }],
};
const iam = mockClient(IAMClient);
const sts = mockClient(STSClient);
const context = workflowContext('grant-management');
const role = { roleArn: ROLE_ARN, roleName: 'capa-payments-dev', createdByThisExecution: true, ensuredAt: '2026-11-28T00:00:00.000Z' };
let output: CapturedOutput;

/** The handler as a cold start in `mode` loads it (the mode is read once, at module load). */
async function loadHandler(mode: 'path' | 'per-role'): Promise<Handler> {
  vi.resetModules();
  Object.assign(process.env, { GRANT_MODE: mode });
  return (await import('../../../functions/grant-management/handler.js')).handler;
}

/** GetRolePolicy answers with the document URL-encoded. */
const storedGrant = (document: unknown) => ({
  RoleName: 'capa-management',
  PolicyName: 'capa-provider-onboarding-assume',
  PolicyDocument: encodeURIComponent(JSON.stringify(document)),
});

const perRoleGrant = (resources: string[]) => ({
  Version: '2012-10-17',
  Statement: [{ Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: resources }],
});

beforeAll(() => {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAFUNCTION',
    AWS_SECRET_ACCESS_KEY: 'function-secret',
    PARTITION: 'aws',
    MANAGEMENT_ROLE_ARN,
    ROLE_PATH: '/capa-providers/',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
});

beforeEach(() => {
  iam.reset();
  sts.reset();
  output = captureOutput();
});

afterEach(() => {
  output.restore();
});

describe('path mode', () => {
  let handler: Handler;

  beforeAll(async () => {
    handler = await loadHandler('path');
  });

  it('writes the one path grant on the management role when it has none, with the function\'s own credentials', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).rejects(new NoSuchEntityException({ message: 'no such policy', $metadata: {} }));
    iam.on(PutRolePolicyCommand).resolves({});

    // Act
    const grant = await handler(taskEvent({ role }), context);

    // Assess
    expect(grant).toEqual({ mode: 'path', changed: true });
    expect(iam).toHaveReceivedCommandWith(GetRolePolicyCommand, { RoleName: 'capa-management', PolicyName: 'capa-provider-onboarding-assume' });
    expect(iam).toHaveReceivedCommandTimes(PutRolePolicyCommand, 1);
    const input = iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input;
    expect({ ...input, PolicyDocument: JSON.parse(input.PolicyDocument!) }).toEqual({
      RoleName: 'capa-management',
      PolicyName: 'capa-provider-onboarding-assume',
      PolicyDocument: PATH_GRANT,
    });
    const credentials = await iam.commandCalls(PutRolePolicyCommand)[0]!.thisValue.config.credentials();
    expect(credentials).toMatchObject({ accessKeyId: 'AKIAFUNCTION' });
    expect(sts).not.toHaveReceivedAnyCommand();
  });

  it('leaves a path grant already in place unchanged and reports it unchanged', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).resolves(storedGrant(PATH_GRANT));

    // Act
    const grant = await handler(taskEvent({ role }), context);

    // Assess
    expect(grant).toEqual({ mode: 'path', changed: false });
    expect(iam).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('logs the management role, the mode and whether the grant changed', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).resolves(storedGrant(PATH_GRANT));

    // Act
    await handler(taskEvent({ role }), context);

    // Assess
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['Management role may assume the provider role']);
    expect(lines[0]).toMatchObject({ level: 'INFO', managementRoleArn: MANAGEMENT_ROLE_ARN, mode: 'path', changed: false, providerId: 'payments.dev' });
  });

  it('a denied write on the management role fails with ManagementRoleDenied', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).rejects(new NoSuchEntityException({ message: 'no such policy', $metadata: {} }));
    iam.on(PutRolePolicyCommand).rejects(sdkError('AccessDenied', 403, 'not authorized to perform: iam:PutRolePolicy'));

    // Act
    const granting = handler(taskEvent({ role }), context);

    // Assess
    await expect(granting).rejects.toMatchObject({
      name: 'ManagementRoleDenied',
      message: `PutRolePolicy on ${MANAGEMENT_ROLE_ARN} was denied: not authorized to perform: iam:PutRolePolicy`,
    });
  });

  it('a state without the role (the role step did not run) fails before touching the management role', async () => {
    // Act
    const granting = handler(taskEvent(), context);

    // Assess
    await expect(granting).rejects.toThrow('The workflow state has no role: the role step did not run');
    expect(iam).not.toHaveReceivedAnyCommand();
  });
});

describe('per-role mode', () => {
  let handler: Handler;

  beforeAll(async () => {
    handler = await loadHandler('per-role');
  });

  it('adds the provider role to the roles already granted, in ARN order', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).resolves(storedGrant(perRoleGrant([OTHER_ROLE_ARN])));
    iam.on(PutRolePolicyCommand).resolves({});

    // Act
    const grant = await handler(taskEvent({ role }), context);

    // Assess
    expect(grant).toEqual({ mode: 'per-role', changed: true });
    const document = iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input.PolicyDocument!;
    expect(JSON.parse(document)).toEqual(perRoleGrant([ROLE_ARN, OTHER_ROLE_ARN]));
  });

  it('a role already granted is left as is and reported unchanged', async () => {
    // Prepare
    iam.on(GetRolePolicyCommand).resolves(storedGrant(perRoleGrant([ROLE_ARN])));

    // Act
    const grant = await handler(taskEvent({ role }), context);

    // Assess
    expect(grant).toEqual({ mode: 'per-role', changed: false });
    expect(iam).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('a grant that would pass the inline-policy quota fails with GrantLimitExceeded and writes nothing', async () => {
    // Prepare: 200 granted role ARNs of 59 characters each already make a document over 10,240 characters.
    const granted = Array.from({ length: 200 }, (_, i) => `arn:aws:iam::999999999999:role/capa-providers/capa-team-${String(i).padStart(3, '0')}`);
    iam.on(GetRolePolicyCommand).resolves(storedGrant(perRoleGrant(granted)));

    // Act
    const granting = handler(taskEvent({ role }), context);

    // Assess
    await expect(granting).rejects.toMatchObject({ name: 'GrantLimitExceeded' });
    expect(iam).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });
});
