// The cdk-nag AwsSolutions findings of the CAPA policy rollout this stack accepts, each with its
// reason, scoped like the rest (lib/nag-acknowledgements.ts) to the construct and exact finding.
import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { bootstrapRoleNames } from './config.js';
import { ROLLOUT_MAP_LABEL } from './constructs/policy-rollout.js';
import type { OnboardingStack } from './onboarding-stack.js';

const PARTITION = '<AWS::Partition>';

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

export function acknowledgeRolloutNagFindings(stack: OnboardingStack): void {
  const { config } = stack;
  const rollout = stack.policyRollout;
  const bootstrapRoles = bootstrapRoleNames(config);
  for (const name of bootstrapRoles) {
    acknowledge(
      rollout.upgradeFunction.role,
      `AwsSolutions-IAM5[Resource::arn:${PARTITION}:iam::*:role/${name}]`,
      `Assumes only the bootstrap roles ${bootstrapRoles.map((n) => `"${n}"`).join(', ')} (the one each provider records) in each provider's account; the session policy passed to AssumeRole limits IAM writes to ${config.rolePath}.`,
    );
  }
  acknowledge(
    rollout.upgradeFunction.role,
    `AwsSolutions-IAM5[Resource::arn:${PARTITION}:iam::*:role${config.rolePath}*]`,
    `Assumes the provider roles (to prove the upgraded role still works), which exist only under the product path ${config.rolePath} in onboarded accounts.`,
  );
  acknowledge(
    rollout.stateMachine.role,
    'AwsSolutions-IAM5[Resource::*]',
    "Only the CloudWatch Logs delivery actions and X-Ray actions that Step Functions logging and tracing require use \"*\": they support no resource-level permissions. Lambda invocation is limited to the rollout's four task functions.",
  );
  // Rollout executions are named after each rollout (rollout-<version>-<start>): the grant names the state machine.
  const rolloutId = Stack.of(stack).getLogicalId(rollout.stateMachine.node.defaultChild as CfnElement);
  acknowledge(
    rollout.distributedMapPolicy,
    `AwsSolutions-IAM5[Resource::arn:${PARTITION}:states:<AWS::Region>:<AWS::AccountId>:execution:<${rolloutId}.Name>/${ROLLOUT_MAP_LABEL}:*]`,
    "DescribeExecution and StopExecution on the child executions of the rollout's Distributed Map only: Step Functions names each child with a fresh id, so the name part is a wildcard.",
  );
  for (const fn of [stack.api.handler, rollout.startRollout]) {
    acknowledge(
      fn.role,
      `AwsSolutions-IAM5[Resource::arn:${PARTITION}:states:<AWS::Region>:<AWS::AccountId>:execution:<${rolloutId}.Name>:*]`,
      'DescribeExecution and StopExecution on the executions of the rollout state machine only (a running rollout is answered, closed if it ended unclosed, or stopped when a newer policy supersedes it); each execution is named after its rollout, so the name part is a wildcard.',
    );
  }
}
