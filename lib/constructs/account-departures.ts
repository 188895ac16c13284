// Accounts that leave the organization end their providers: Organizations' CloudTrail events for
// RemoveAccountFromOrganization, LeaveOrganization and CloseAccount reach the account-departure
// function, which records ACCOUNT_REMOVED, stops a running execution, removes the per-role
// management grant and announces "Provider Deleted". Delivery as for new accounts: EventBridge
// retries, Lambda's async retries, then a dead-letter queue.
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CLOUDTRAIL_API_CALL, DEPARTURE_EVENT_NAMES } from '../../functions/shared/domain/account-departure.js';
import type { OnboardingConfig } from '../config.js';
import { OnboardingFunction } from './onboarding-function.js';
import { EVENT_SOURCE } from './provider-events.js';
import type { Registry } from './registry.js';
import { executionArnsOf } from './start-onboarding.js';

/** A successful departure call (a failed call carries errorCode and moved no account). */
export const ACCOUNT_DEPARTED: events.EventPattern = {
  source: [CLOUDTRAIL_API_CALL.source],
  detailType: [CLOUDTRAIL_API_CALL.detailType],
  detail: {
    eventSource: [CLOUDTRAIL_API_CALL.eventSource],
    eventName: [...DEPARTURE_EVENT_NAMES],
    errorCode: [{ exists: false }],
  },
};

export interface AccountDeparturesProps {
  readonly config: OnboardingConfig;
  readonly registry: Registry;
  readonly bus: events.IEventBus;
  /** The state machines whose executions a departure stops (onboarding, offboarding). */
  readonly stateMachines: readonly sfn.StateMachine[];
  /** arn:<partition>:iam::<managementAccountId>:role/<managementRoleName> */
  readonly managementRoleArn: string;
}

export class AccountDepartures extends Construct {
  readonly handler: OnboardingFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: AccountDeparturesProps) {
    super(scope, id);
    const { config, registry } = props;

    this.handler = new OnboardingFunction(this, 'AccountDeparture', {
      name: 'account-departure',
      description: 'Ends the providers of an account that left the organization or was closed (ACCOUNT_REMOVED)',
      timeout: Duration.seconds(60),
      environment: {
        TABLE_NAME: registry.table.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        EVENT_SOURCE,
        ROLE_PATH: config.rolePath,
        MANAGEMENT_ROLE_ARN: props.managementRoleArn,
        GRANT_MODE: config.grantMode,
      },
    });
    this.handler.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'FindAccountProviders', actions: ['dynamodb:Query'], resources: [registry.byAccountIndexArn] }),
    );
    this.handler.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'EndProviders', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [registry.tableArn] }),
    );
    this.handler.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'StopProviderExecutions', actions: ['states:StopExecution'], resources: props.stateMachines.map(executionArnsOf) }),
    );
    this.handler.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RevokeManagementRoleGrant',
        actions: ['iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'],
        resources: [props.managementRoleArn],
      }),
    );
    this.handler.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'AnnounceDeletion', actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
    );

    // A departure event is sent once: whatever cannot be handled is kept for replay.
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
    this.rule = new events.Rule(this, 'AccountDeparted', {
      description: 'Organizations RemoveAccountFromOrganization, LeaveOrganization, CloseAccount: end the account\'s providers (ACCOUNT_REMOVED)',
      eventPattern: ACCOUNT_DEPARTED,
      targets: [
        new targets.LambdaFunction(this.handler.function, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
  }
}
