// External ID rotation: its state machine (statemachine/rotate-external-id.asl.json, deployed as
// is and run by the local cloud), the function behind its steps, and the convergence of rotations
// whose execution ends without closing them (a rule on Step Functions' status-change events).
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { OnboardingConfig } from '../config.js';
import { executionEndedPattern } from './execution-ended.js';
import { OnboardingFunction, PROJECT_ROOT } from './onboarding-function.js';
import { EVENT_SOURCE } from './provider-events.js';
import type { Registry } from './registry.js';
import { workflowStateMachine } from './workflow-state-machine.js';

export const ROTATION_DEFINITION_FILE = `${PROJECT_ROOT}statemachine/rotate-external-id.asl.json`;

export interface RotationWorkflowProps {
  readonly config: OnboardingConfig;
  readonly registry: Registry;
  readonly bus: events.IEventBus;
  /** arn:<partition>:iam::<managementAccountId>:root */
  readonly managementPrincipalArn: string;
  /** arn:<partition>:iam::*:role/<name>, for each bootstrap role name the deployment may assume */
  readonly bootstrapRoleArns: readonly string[];
  /** arn:<partition>:iam::*:role<rolePath>* */
  readonly providerRoleArns: string;
}

export class RotationWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly rotate: OnboardingFunction;
  readonly ended: OnboardingFunction;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: RotationWorkflowProps) {
    super(scope, id);
    const { config, registry } = props;
    const environment = {
      TABLE_NAME: registry.table.tableName,
      EVENT_BUS_NAME: props.bus.eventBusName,
      EVENT_SOURCE,
      BOOTSTRAP_ROLE_NAME: config.bootstrapRoleName,
      ROLE_PATH: config.rolePath,
      MANAGEMENT_PRINCIPAL_ARN: props.managementPrincipalArn,
    };
    const readWriteRotation = new iam.PolicyStatement({
      sid: 'ReadWriteRotation',
      actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      resources: [registry.tableArn],
    });
    // Trust policies are rewritten in a bootstrap-role session narrowed to the product's path.
    const assumeBootstrapRole = new iam.PolicyStatement({
      sid: 'AssumeBootstrapRoleInTargetAccounts',
      actions: ['sts:AssumeRole'],
      resources: [...props.bootstrapRoleArns],
    });

    this.rotate = new OnboardingFunction(this, 'RotateExternalId', {
      name: 'rotate-external-id',
      description: "Rotates a provider's External ID: trust both, grace period, remove the previous one, verify",
      timeout: Duration.seconds(30),
      environment,
    });
    this.rotate.addToRolePolicy(readWriteRotation);
    this.rotate.addToRolePolicy(assumeBootstrapRole);
    this.rotate.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'AssumeProviderRoles', actions: ['sts:AssumeRole'], resources: [props.providerRoleArns] }),
    );
    this.rotate.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'AnnounceRotation', actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
    );

    this.stateMachine = workflowStateMachine(this, {
      roleDescription: 'Runs the External ID rotation workflow: may invoke its step function only',
      definition: sfn.DefinitionBody.fromFile(ROTATION_DEFINITION_FILE),
      substitutions: { RotateExternalIdFunctionArn: this.rotate.functionArn },
      invokeSid: 'InvokeRotationFunction',
    });

    this.ended = new OnboardingFunction(this, 'RotationEnded', {
      name: 'rotation-ended',
      description: 'Rolls back a rotation whose execution was stopped, timed out or failed while it was open',
      timeout: Duration.seconds(30),
      environment,
    });
    this.ended.addToRolePolicy(readWriteRotation);
    this.ended.addToRolePolicy(assumeBootstrapRole);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.ended.function.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(2),
    });
    new events.Rule(this, 'RotationExecutionEnded', {
      description: 'Rotation executions ABORTED, TIMED_OUT or FAILED: roll back a rotation left open',
      eventPattern: executionEndedPattern(this.stateMachine.stateMachineArn),
      targets: [new targets.LambdaFunction(this.ended.function, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(2) })],
    });
  }
}
