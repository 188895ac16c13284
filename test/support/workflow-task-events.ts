// What the onboarding state machine hands each workflow step, and what the AWS SDK answers with,
// for unit tests of the workflow handlers. Values match providerRecord() (provider payments.dev).
import type { Context } from 'aws-lambda';
import type { WorkflowState, WorkflowTaskEvent } from '../../functions/shared/runtime/workflow-event.js';
import type { ProviderSpec } from '../../functions/shared/domain/provider.js';
import type { TestTable } from './dynamodb.js';

export const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:Onboard:payments_dev_1';
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev';
export const POLICY_ARN = 'arn:aws:iam::123456789012:policy/capa-providers/capa-payments-dev-capa-1';
export const BOOTSTRAP_ROLE_ARN = 'arn:aws:iam::123456789012:role/OrganizationAccountAccessRole';

/** The provider as the state machine's input carries it (no External ID). */
export function providerSpec(overrides: Partial<ProviderSpec> = {}): ProviderSpec {
  return {
    providerId: 'payments.dev',
    workspace: 'payments',
    name: 'dev',
    accountId: '123456789012',
    roleName: 'capa-payments-dev',
    rolePath: '/capa-providers/',
    trustEc2: true,
    attempt: 1,
    ...overrides,
  };
}

/** The task input of execution payments_dev_1 with `state` (the provider spec unless given). */
export function taskEvent(state: Partial<WorkflowState> = {}): WorkflowTaskEvent {
  return {
    execution: { arn: EXECUTION_ARN, name: 'payments_dev_1' },
    state: { provider: providerSpec(), ...state },
  };
}

export function workflowContext(functionName: string): Context {
  return { functionName, awsRequestId: 'request-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
}

/** An AssumeRole answer: the bootstrap session's temporary credentials. */
export const BOOTSTRAP_SESSION = {
  Credentials: {
    AccessKeyId: 'ASIABOOTSTRAP',
    SecretAccessKey: 'bootstrap-secret',
    SessionToken: 'bootstrap-token',
    Expiration: new Date('2026-11-28T01:00:00.000Z'),
  },
};

/** An error as the AWS SDK throws it: recognised by name and HTTP status. */
export function sdkError(name: string, httpStatusCode: number, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}

/** The path-limited session policy every step's AssumeRole of the bootstrap role must carry. */
export const BOOTSTRAP_SESSION_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ProviderRoles',
      Effect: 'Allow',
      Action: [
        'iam:CreateRole',
        'iam:GetRole',
        'iam:DeleteRole',
        'iam:UpdateAssumeRolePolicy',
        'iam:TagRole',
        'iam:ListRoleTags',
        'iam:AttachRolePolicy',
        'iam:DetachRolePolicy',
        'iam:ListAttachedRolePolicies',
      ],
      Resource: 'arn:aws:iam::123456789012:role/capa-providers/*',
    },
    {
      Sid: 'ProviderPolicies',
      Effect: 'Allow',
      Action: [
        'iam:CreatePolicy',
        'iam:GetPolicy',
        'iam:DeletePolicy',
        'iam:ListPolicyVersions',
        'iam:GetPolicyVersion',
        'iam:CreatePolicyVersion',
        'iam:DeletePolicyVersion',
        'iam:TagPolicy',
        'iam:ListPolicyTags',
      ],
      Resource: 'arn:aws:iam::123456789012:policy/capa-providers/*',
    },
  ],
};

/**
 * Environment that sends a handler's registry client to `table` (dynalite); other clients stay
 * mocked. Set before the handler module loads, as its clients are built then.
 */
export function registryEnvironment(table: TestTable): Record<string, string> {
  return {
    TABLE_NAME: table.tableName,
    AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIAFUNCTION',
    AWS_SECRET_ACCESS_KEY: 'function-secret',
  };
}
