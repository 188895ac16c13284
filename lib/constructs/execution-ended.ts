// The registry converges with the onboarding executions, whatever ends them: Step Functions puts an
// "Execution Status Change" event on the default bus for every Standard execution, and a rule
// sends the onboarding state machine's ABORTED, TIMED_OUT and FAILED ones to the execution-ended
// function, which records FAILED for a provider its execution left in flight and removes what
// that execution created.
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { EXECUTION_STATUS_CHANGE, STATUSES_ENDING_WITHOUT_OUTCOME } from '../../functions/shared/domain/ended-execution.js';
import type { OnboardingConfig } from '../config.js';
import { OnboardingFunction } from './onboarding-function.js';
import { EVENT_SOURCE } from './provider-events.js';
import type { Registry } from './registry.js';

/** The onboarding state machine's executions that ended in a status that may have recorded no outcome. */
export function executionEndedPattern(stateMachineArn: string): events.EventPattern {
  return {
    source: [EXECUTION_STATUS_CHANGE.source],
    detailType: [EXECUTION_STATUS_CHANGE.detailType],
    detail: { stateMachineArn: [stateMachineArn], status: [...STATUSES_ENDING_WITHOUT_OUTCOME] },
  };
}

export interface ExecutionEndedProps {
  readonly config: OnboardingConfig;
  readonly registry: Registry;
  readonly bus: events.IEventBus;
  readonly stateMachine: sfn.IStateMachine;
  /** The offboarding state machine: its executions converge the same way (a DELETING provider ends FAILED). */
  readonly offboardingStateMachine?: sfn.IStateMachine;
  /** arn:<partition>:iam::<managementAccountId>:role/<managementRoleName> */
  readonly managementRoleArn: string;
  /** arn:<partition>:iam::*:role/<name>, for each bootstrap role name the deployment may assume */
  readonly bootstrapRoleArns: readonly string[];
}

export class ExecutionEnded extends Construct {
  readonly handler: OnboardingFunction;
  readonly rule: events.Rule;
  readonly offboardingRule?: events.Rule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ExecutionEndedProps) {
    super(scope, id);
    const { config, registry } = props;

    this.handler = new OnboardingFunction(this, 'ExecutionEnded', {
      name: 'execution-ended',
      description: 'Records FAILED for a provider whose onboarding execution ended without an outcome, and removes what it created',
      // Room for the SDK's retries of a dozen IAM calls in the target account.
      timeout: Duration.seconds(60),
      environment: {
        TABLE_NAME: registry.table.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        EVENT_SOURCE,
        BOOTSTRAP_ROLE_NAME: config.bootstrapRoleName,
        ROLE_PATH: config.rolePath,
        MANAGEMENT_ROLE_ARN: props.managementRoleArn,
        GRANT_MODE: config.grantMode,
      },
    });
    this.handler.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ConvergeProviders', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [registry.tableArn] }),
    );
    // As compensation does: IAM writes in the target account happen in a bootstrap-role session
    // whose session policy narrows them to the product's path.
    this.handler.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'AssumeBootstrapRoleInTargetAccounts', actions: ['sts:AssumeRole'], resources: [...props.bootstrapRoleArns] }),
    );
    this.handler.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'MaintainManagementRoleGrant',
        actions: ['iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'],
        resources: [props.managementRoleArn],
      }),
    );
    this.handler.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'AnnounceOutcome', actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
    );

    // What EventBridge cannot deliver, and what the function failed on after Lambda's own retries,
    // is kept for an operator to read and redrive.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.handler.function.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(2),
    });

    const target = () =>
      new targets.LambdaFunction(this.handler.function, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
      });
    this.rule = new events.Rule(this, 'OnboardingExecutionEnded', {
      description: 'Onboarding executions ABORTED, TIMED_OUT or FAILED: converge the provider registry',
      eventPattern: executionEndedPattern(props.stateMachine.stateMachineArn),
      targets: [target()],
    });
    if (props.offboardingStateMachine !== undefined) {
      this.offboardingRule = new events.Rule(this, 'OffboardingExecutionEnded', {
        description: 'Offboarding executions ABORTED, TIMED_OUT or FAILED: converge the provider registry',
        eventPattern: executionEndedPattern(props.offboardingStateMachine.stateMachineArn),
        targets: [target()],
      });
    }
  }
}
