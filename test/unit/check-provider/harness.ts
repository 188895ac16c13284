// What the check-provider tests share: the environment the stack gives the function, and IAM's
// answers for a provider whose role and management grant are gone (the fewest answers to fake:
// every check runs, and all but capa-policies-current fail).
import { GetPolicyCommand, GetRoleCommand, GetRolePolicyCommand, type IAMClient, ListAttachedRolePoliciesCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { TestTable } from '../../support/dynamodb.js';
import { registryEnvironment, sdkError } from '../../support/workflow-task-events.js';

export function checkProviderEnvironment(table: TestTable): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    PARTITION: 'aws',
    BOOTSTRAP_ROLE_NAME: 'OrganizationAccountAccessRole',
    ROLE_PATH: '/capa-providers/',
    MANAGEMENT_PRINCIPAL_ARN: 'arn:aws:iam::000000000000:root',
    MANAGEMENT_ROLE_ARN: 'arn:aws:iam::000000000000:role/capa-management',
    GRANT_MODE: 'path',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...registryEnvironment(table),
  };
}

export function answerRoleGone(iam: AwsClientStub<IAMClient>): void {
  const notFound = () => sdkError('NoSuchEntity', 404, 'not found');
  iam.on(GetRoleCommand).rejects(notFound());
  iam.on(ListAttachedRolePoliciesCommand).rejects(notFound());
  iam.on(GetPolicyCommand).rejects(notFound());
  iam.on(GetRolePolicyCommand).rejects(notFound());
  iam.on(SimulatePrincipalPolicyCommand).resolves({ EvaluationResults: [{ EvalActionName: 'sts:AssumeRole', EvalDecision: 'implicitDeny' }] });
}
