// Every cdk-nag AwsSolutions finding this stack accepts, in one place, each with its reason.
// Acknowledgements are scoped to the construct that raises them and, for the granular rules
// (IAM4, IAM5), to the exact finding (`Rule[Finding]`), so a new wildcard still fails synth.
import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { bootstrapRoleNames } from './config.js';
import type { OnboardingFunction } from './constructs/onboarding-function.js';
import type { OnboardingStack } from './onboarding-stack.js';
import { acknowledgeRolloutNagFindings } from './nag-acknowledgements-rollout.js';
import { SWEEP_MAP_LABEL } from './constructs/fleet-sweep.js';

// The partition stays a token in ARNs; cdk-nag renders it like this in finding ids.
const PARTITION = '<AWS::Partition>';

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

export function acknowledgeNagFindings(stack: OnboardingStack): void {
  const { config } = stack;
  const functions: OnboardingFunction[] = [
    ...stack.workflow.functions,
    stack.verification.checkProvider,
    stack.verification.recordVerification,
    ...stack.offboarding.functions,
    stack.api.handler,
    stack.triggers.handler,
    stack.executionEnded.handler,
    stack.rotation.rotate,
    stack.rotation.ended,
    stack.departures.handler,
  ];

  const sweep = stack.fleetSweep;
  functions.push(sweep.listFleet, sweep.repairProvider, sweep.recordSweep);
  const rollout = stack.policyRollout;
  functions.push(rollout.openRollout, rollout.rolloutProgress, rollout.closeRollout, rollout.startRollout, rollout.upgradeFunction);
  for (const fn of functions) {
    acknowledge(
      fn.function,
      'AwsSolutions-L1',
      'nodejs22.x is pinned on purpose: the bundles are built for node22 and the local cloud runs them on the same major; moving to a newer runtime is a deliberate, tested change.',
    );
    acknowledge(
      fn.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Only xray:PutTraceSegments and xray:PutTelemetryRecords (added by active tracing) use "*": X-Ray supports no resource-level permissions for them.',
    );
  }

  // Cross-account roles: the target account is only known per request, so the account field is
  // a wildcard while the role name / path is fixed by configuration.
  const bootstrapRoles = bootstrapRoleNames(config);
  for (const fn of [
    stack.workflow.createRole,
    stack.workflow.attachPolicies,
    stack.workflow.compensate,
    stack.executionEnded.handler,
    stack.offboarding.removeProviderResources,
    stack.verification.checkProvider,
    stack.rotation.rotate,
    stack.rotation.ended,
  ]) {
    for (const name of bootstrapRoles) {
      acknowledge(
        fn.role,
        `AwsSolutions-IAM5[Resource::arn:${PARTITION}:iam::*:role/${name}]`,
        `Assumes only the bootstrap roles ${bootstrapRoles.map((n) => `"${n}"`).join(', ')} (the API's default and each new-account source's) in whichever account is being onboarded (account unknown until the request); the session policy passed to AssumeRole limits IAM writes to ${config.rolePath}.`,
      );
    }
  }
  // The new-account rules read any new account's OU path and tags: its id is known per event.
  for (const resource of ['account/o-*/*', 'ou/o-*/ou-*']) {
    acknowledge(
      stack.triggers.handler.role,
      `AwsSolutions-IAM5[Resource::arn:${PARTITION}:organizations::<AWS::AccountId>:${resource}]`,
      'Read-only Organizations calls (ListParents, DescribeOrganizationalUnit, ListTagsForResource) on the account a new-account event names and the OUs above it: known only per event, in the organization this management account runs.',
    );
  }
  acknowledge(
    stack.verification.checkProvider.role,
    `AwsSolutions-IAM5[Resource::arn:${PARTITION}:iam::*:role${config.rolePath}*]`,
    `Re-verification assumes the onboarded provider roles (with and without their External ID), which exist only under the product path ${config.rolePath} in accounts known per request.`,
  );
  acknowledge(
    stack.verification.stateMachine.role,
    'AwsSolutions-IAM5[Resource::*]',
    'Only the CloudWatch Logs delivery actions and X-Ray actions that Step Functions logging and tracing require use "*": they support no resource-level permissions. Lambda invocation is limited to the two task functions.',
  );
  for (const fn of [stack.workflow.verifyRole, stack.rotation.rotate]) {
    acknowledge(
      fn.role,
      `AwsSolutions-IAM5[Resource::arn:${PARTITION}:iam::*:role${config.rolePath}*]`,
      `Verification assumes the provider roles (created by onboarding, or whose External ID is rotated), which exist only under the product path ${config.rolePath} in onboarded accounts that are unknown until the request.`,
    );
  }

  // Execution ARNs end in their name, chosen per provider and attempt: the grant names the state
  // machine and leaves the execution name open.
  const stateMachineId = Stack.of(stack).getLogicalId(stack.workflow.stateMachine.node.defaultChild as CfnElement);
  for (const fn of [stack.api.handler, stack.triggers.handler, sweep.repairProvider]) {
    acknowledge(
      fn.role,
      `AwsSolutions-IAM5[Resource::arn:${PARTITION}:states:<AWS::Region>:<AWS::AccountId>:execution:<${stateMachineId}.Name>:*]`,
      'DescribeExecution on the executions of the onboarding state machine only; their names (<workspace>_<name>_<attempt>) are known per request, so the name part is a wildcard.',
    );
  }

  const offboardingId = Stack.of(stack).getLogicalId(stack.offboarding.stateMachine.node.defaultChild as CfnElement);
  acknowledge(
    stack.api.handler.role,
    `AwsSolutions-IAM5[Resource::arn:${PARTITION}:states:<AWS::Region>:<AWS::AccountId>:execution:<${offboardingId}.Name>:*]`,
    'DescribeExecution on the executions of the offboarding state machine only; their names (<workspace>_<name>_<attempt>) are known per request, so the name part is a wildcard.',
  );
  // A departure stops whichever execution its provider runs: the onboarding's or the offboarding's.
  for (const id of [stateMachineId, offboardingId]) {
    acknowledge(
      stack.departures.handler.role,
      `AwsSolutions-IAM5[Resource::arn:${PARTITION}:states:<AWS::Region>:<AWS::AccountId>:execution:<${id}.Name>:*]`,
      'StopExecution on the executions of the onboarding and offboarding state machines only; a departed provider\'s execution name (<workspace>_<name>_<attempt>) is known only from its record, so the name part is a wildcard.',
    );
  }
  acknowledgeReconcileFindings(stack, stateMachineId, offboardingId);
  acknowledge(
    stack.offboarding.stateMachine.role,
    'AwsSolutions-IAM5[Resource::*]',
    'Only the CloudWatch Logs delivery actions (logs:*LogDelivery, PutResourcePolicy, Describe*) and X-Ray actions that Step Functions logging and tracing require use "*": they support no resource-level permissions. Lambda invocation is limited to the three task functions.',
  );

  const sweepId = Stack.of(stack).getLogicalId(sweep.stateMachine.node.defaultChild as CfnElement);
  acknowledge(
    sweep.distributedMapPolicy,
    `AwsSolutions-IAM5[Resource::arn:${PARTITION}:states:<AWS::Region>:<AWS::AccountId>:execution:<${sweepId}.Name>/${SWEEP_MAP_LABEL}:*]`,
    'DescribeExecution and StopExecution on the child executions of the sweep\'s Distributed Map only: Step Functions names each child with a fresh id, so the name part is a wildcard.',
  );
  acknowledge(
    sweep.stateMachine.role,
    'AwsSolutions-IAM5[Resource::*]',
    'Only the CloudWatch Logs delivery actions and X-Ray actions that Step Functions logging and tracing require use "*": they support no resource-level permissions. Lambda invocation is limited to the sweep\'s six task functions.',
  );
  acknowledge(
    stack.workflow.stateMachine.role,
    'AwsSolutions-IAM5[Resource::*]',
    'Only the CloudWatch Logs delivery actions (logs:*LogDelivery, PutResourcePolicy, Describe*) and X-Ray actions that Step Functions logging and tracing require use "*": they support no resource-level permissions. Lambda invocation is limited to the six task functions.',
  );

  acknowledge(
    stack.rotation.stateMachine.role,
    'AwsSolutions-IAM5[Resource::*]',
    'Only the CloudWatch Logs delivery actions and X-Ray actions that Step Functions logging and tracing require use "*": they support no resource-level permissions. Lambda invocation is limited to the rotation step function.',
  );

  const api = stack.api.api;
  acknowledge(
    api,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    "API Gateway's account-level CloudWatch role uses the AWS managed policy AWS documents for it; it only lets API Gateway write its own execution and access logs.",
  );
  acknowledge(
    api,
    'AwsSolutions-COG4',
    'Callers are portals and automation holding AWS credentials: every method uses IAM (SigV4) authorization, so a Cognito user pool authorizer does not apply.',
  );
  acknowledge(
    api.deploymentStage,
    'AwsSolutions-APIG3',
    'The API accepts only SigV4-signed requests from IAM principals with execute-api:Invoke, and stage throttling caps request rates; a WAF web ACL is left to the deploying organisation (attach one to the stage if policy requires it).',
  );

  acknowledge(
    stack.triggers.deadLetterQueue,
    'AwsSolutions-SQS3',
    'This queue is itself the dead-letter queue of the new-account EventBridge rule targets; a DLQ of a DLQ adds nothing.',
  );
  acknowledge(
    stack.rotation.deadLetterQueue,
    'AwsSolutions-SQS3',
    'This queue is itself the dead-letter queue of the rotation-ended rule target and function; a DLQ of a DLQ adds nothing.',
  );
  acknowledge(
    stack.executionEnded.deadLetterQueue,
    'AwsSolutions-SQS3',
    'This queue is itself the dead-letter queue of the execution-ended rule target and function; a DLQ of a DLQ adds nothing.',
  );
  acknowledge(
    stack.departures.deadLetterQueue,
    'AwsSolutions-SQS3',
    'This queue is itself the dead-letter queue of the account-departure rule target and function; a DLQ of a DLQ adds nothing.',
  );

  acknowledgeRolloutNagFindings(stack);
}

/** The reconcile starts onboardings as the trigger does and ends providers as a departure does: the same findings, with its own reasons. */
function acknowledgeReconcileFindings(stack: OnboardingStack, stateMachineId: string, offboardingId: string): void {
  const reconcile = stack.fleetSweep.reconcileOrganization;
  acknowledge(
    reconcile.function,
    'AwsSolutions-L1',
    'nodejs22.x is pinned on purpose: the bundles are built for node22 and the local cloud runs them on the same major; moving to a newer runtime is a deliberate, tested change.',
  );
  acknowledge(
    reconcile.role,
    'AwsSolutions-IAM5[Resource::*]',
    'Read-only Organizations calls (DescribeOrganization, ListAccounts, ListRoots take no resource; ListOrganizationalUnitsForParent, ListAccountsForParent, ListTagsForResource walk every root, OU and account, unknown until listed) and the X-Ray actions of active tracing, which support no resource-level permissions.',
  );
  acknowledge(
    reconcile.role,
    `AwsSolutions-IAM5[Resource::arn:${PARTITION}:states:<AWS::Region>:<AWS::AccountId>:execution:<${stateMachineId}.Name>:*]`,
    'DescribeExecution and StopExecution on the executions of the onboarding state machine only; their names (<workspace>_<name>_<attempt>) are known per provider, so the name part is a wildcard.',
  );
  acknowledge(
    reconcile.role,
    `AwsSolutions-IAM5[Resource::arn:${PARTITION}:states:<AWS::Region>:<AWS::AccountId>:execution:<${offboardingId}.Name>:*]`,
    'StopExecution on the executions of the offboarding state machine only: a departed provider\'s execution name is known only from its record, so the name part is a wildcard.',
  );
}
